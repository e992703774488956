"""The web app (`ldkit.server.app.create_app`): what every room shares lives here; the rooms are
`stores` (the store contract and its embedded and remote implementations), `sparql` (the
endpoint) and `pages` (the linked-data pages)."""
