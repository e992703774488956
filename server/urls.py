"""Every URL the server writes into a page is built here."""

from __future__ import annotations

from urllib.parse import urlencode

SPARQL_PATH = "/sparql"


def resource_url(iri: str, base_iri: str) -> str | None:
    """The path of this server's page for an IRI under the base, or None for outside IRIs.

    `https://w3id.org/climate-mobility/id/organisation/iom` with base
    `https://w3id.org/climate-mobility/` is served at `/id/organisation/iom`.
    """
    if not iri.startswith(base_iri) or iri == base_iri:
        return None
    return "/" + iri[len(base_iri) :]


def query_url(query: str, fmt: str | None = None, **params: str) -> str:
    """The endpoint URL that runs `query` (in format `fmt` when given)."""
    values = {"query": query, **params}
    if fmt:
        values["format"] = fmt
    return f"{SPARQL_PATH}?{urlencode(values)}"


def static_url(name: str) -> str:
    """The URL of a static file of the server."""
    return f"/static/{name}"
