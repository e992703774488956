"""Serve a built dataset: `ldkit serve` calls `serve`, with one of the HTTP stacks of `STACKS`.

Each web worker builds its own app (nothing is preloaded before the fork), so each holds its
own pool of query processes; the processes are started as soon as the worker starts, not on the
first request. Over a remote store (`Settings.endpoint`) there are no query processes: a worker
holds nothing but its answer cache, so any number of servers may run behind a load balancer.

The stacks (measured side by side by `bench/serving.py`): `granian` (the default: HTTP parsed
in Rust, so a slow client holds a socket, not a Python thread), `gthread` and `sync` (gunicorn).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
import socket
import sys
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from ldkit.server.app import create_app
from ldkit.server.request_guard import MAX_HEADER, MAX_TARGET
from ldkit.server.settings import Settings
from ldkit.server.stores.embedded import EmbeddedStore

# Each web thread has a query process of its own, so a cheap query never waits for a process
# behind runaway ones (they are stopped at the time limit): 8 of each per web worker.
THREADS_PER_WORKER = 8
REQUEST_LINE_LIMIT = MAX_TARGET
STACKS = ("granian", "gthread", "sync")
DEFAULT_STACK = "granian"
SETTINGS_VARIABLE = "LDKIT_SERVE_SETTINGS"  # how granian's workers receive the settings


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
        return worker_app(self.settings, THREADS_PER_WORKER if self.options["threads"] > 1 else 1)


def worker_app(settings: Settings, pool_size: int) -> Any:
    """The app of one web worker, its query processes started."""
    app = create_app(settings, pool_size=pool_size)
    store = app.extensions["ldkit_store"]
    if isinstance(store, EmbeddedStore):
        store.pool.start()
    return app


def gunicorn_options(host: str, port: int, workers: int, stack: str = "gthread") -> dict[str, Any]:
    """The gunicorn settings for `ldkit serve` (`gthread`: 8 threads a worker; `sync`: one)."""
    return {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": stack,
        "threads": THREADS_PER_WORKER if stack == "gthread" else 1,
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 5,
        # What a request may be before the app sees it (longer: 414, 431, or 400): a GET query
        # of 8 kB, 100 headers of 8 kB each.
        "limit_request_line": REQUEST_LINE_LIMIT,
        "limit_request_fields": 100,
        "limit_request_field_size": MAX_HEADER,
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


def port_taken(host: str, port: int) -> str | None:
    """Why `host:port` cannot be served on (None when it can). granian listens with
    SO_REUSEPORT, so a second server on a port in use started as well and took turns with the
    first: a plain bind tells."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None


def serve(
    settings: Settings, host: str, port: int, workers: int, stack: str = DEFAULT_STACK
) -> None:
    """Serve the build of `settings` (or its remote store) on host:port with `workers` workers."""
    if stack == "granian":
        _granian(settings, host, port, workers)
    else:
        _Gunicorn(settings, gunicorn_options(host, port, workers, stack)).run()


def _granian(settings: Settings, host: str, port: int, workers: int) -> None:
    """granian's WSGI server: Rust does the HTTP, 8 Python threads a worker run the app.

    Workers are spawned, not forked (pyoxigraph in this process must not cross a fork), and
    read the settings from SETTINGS_VARIABLE: `granian_app` is their factory.
    """
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    multiprocessing.set_start_method("spawn", force=True)
    os.environ[SETTINGS_VARIABLE] = json.dumps(dataclasses.asdict(settings), default=str)
    server = Granian(
        f"{__name__}:granian_app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=max(1, workers),
        blocking_threads=THREADS_PER_WORKER,
        backpressure=THREADS_PER_WORKER * 16,
        http1_settings=HTTP1Settings(
            header_read_timeout=10_000, keep_alive=True, max_buffer_size=REQUEST_LINE_LIMIT * 64
        ),
        factory=True,
        log_level="warning",  # type: ignore[arg-type]
        workers_kill_timeout=10,
    )
    logging.getLogger("_granian").addFilter(_chosen_threads)  # after granian set its logging
    server.serve()


def _chosen_threads(record: logging.LogRecord) -> bool:
    """Drop granian's warning that 8 threads are many for few cores: a thread mostly waits on a
    query process, not on the CPU, so the number is chosen, not a mistake to warn newcomers of."""
    return "Python threads" not in record.getMessage()


def granian_app() -> Any:
    """The app of a granian worker, from the settings `_granian` put in the environment."""
    raw = json.loads(os.environ.pop(SETTINGS_VARIABLE))  # not left for the query processes
    raw["root"] = Path(raw["root"])
    raw["out"] = Path(raw["out"]) if raw["out"] else None
    raw["languages"] = tuple(raw["languages"])
    raw["service_allow_list"] = tuple(raw["service_allow_list"])
    return worker_app(Settings(**raw), THREADS_PER_WORKER)
