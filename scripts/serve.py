"""Serve a built dataset with gunicorn: `ldkit serve` calls `serve`.

Each gunicorn worker builds its own app (nothing is preloaded before the fork), so each holds its
own pool of query processes; the processes are started as soon as the worker starts, not on the
first request. Over a remote store (`Settings.endpoint`) there are no query processes: a worker
holds nothing but its answer cache, so any number of servers may run behind a load balancer.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from ldkit.server.app import create_app
from ldkit.server.settings import Settings
from ldkit.server.stores.embedded import EmbeddedStore

# Each web thread has a query process of its own, so a cheap query never waits for a process
# behind runaway ones (they are stopped at the time limit): 8 of each per web worker.
THREADS_PER_WORKER = 8
REQUEST_LINE_LIMIT = 8190


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn run programmatically, with our app factory and options."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        app = create_app(self.settings, pool_size=THREADS_PER_WORKER)
        store = app.extensions["ldkit_store"]
        if isinstance(store, EmbeddedStore):
            store.pool.start()
        return app


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """The gunicorn settings for `ldkit serve`."""
    return {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 5,
        # What a request may be before the app sees it (longer: 414, 431, or 400): a GET query
        # of 8 kB, 100 headers of 8 kB each.
        "limit_request_line": REQUEST_LINE_LIMIT,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "worker_exit": _close_store,
    }


def _close_store(server: Any, worker: Any) -> None:
    """Stop the worker's query processes, then end the worker at once.

    `ldkit serve` may have used pyoxigraph (RocksDB) in the master before gunicorn forked; the
    C++ static destructors a forked worker would run at a normal exit then abort or crash on
    thread state that did not survive the fork. Nothing is left to clean up, so skip them.
    """
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        app.extensions["ldkit_store"].close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the build of `settings` (or its remote store) on host:port with `workers` workers."""
    _Gunicorn(settings, gunicorn_options(host, port, workers)).run()
