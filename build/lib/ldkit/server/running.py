"""What the running app holds: its store (and through it, its settings), for views and pages."""

from __future__ import annotations

from flask import current_app

from ldkit.server.stores.base import Store

STORE = "ldkit_store"  # the key of the app's store in `app.extensions`


def current_store() -> Store:
    """The store of the running app (embedded or remote: `app.open_store` chose it)."""
    store: Store = current_app.extensions[STORE]
    return store
