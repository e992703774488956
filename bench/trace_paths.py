"""The modules a request crosses in the web process, in the order it first enters each.

    PYTHONPATH=. .venv/bin/python -m bench.trace_paths [PATH ...]

Builds the app over the repository's build (`ldkit build` first), sends each request once to
warm the caches, then once more under a profiler, and prints the ldkit modules it entered and the
hops between modules (a call that enters another module than the caller's). The query
processes are not traced: they run in processes of their own. `docs/architecture.md` draws
the three request paths from this.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from ldkit.server.app import create_app
from ldkit.server.settings import load_settings
from tests.helpers.paths import ROOT

REQUESTS = ("/sparql?query=ASK%7B%7D", "/id/place/casablanca", "/id/place/casablanca.html")


def crossed(client: Any, path: str) -> tuple[int, list[str], int]:
    """The status of `path`, the modules it entered (first entry order) and the hops."""
    hops: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        module = str(frame.f_globals.get("__name__", ""))
        if event == "call" and module.startswith("ldkit.") and (not hops or hops[-1] != module):
            hops.append(module)

    # A query asks for results (the page is the query editor's), anything else for HTML.
    accept = {"Accept": "application/json" if path.startswith("/sparql") else "text/html"}
    client.get(path, headers=accept)  # warm: caches hold what they would
    fresh = path + ("&" if "?" in path else "?") + "_trace=1"  # past the replay of the warm-up
    sys.setprofile(profile)
    try:
        status = client.get(fresh, headers=accept).status_code
    finally:
        sys.setprofile(None)
    return status, list(dict.fromkeys(hops)), len(hops)


def main() -> None:
    app = create_app(load_settings(ROOT), pool_size=1)
    try:
        client = app.test_client()
        for path in sys.argv[1:] or REQUESTS:
            status, modules, hops = crossed(client, path)
            names = " > ".join(m.removeprefix("ldkit.server.") for m in modules)
            print(f"{path} ({status}): {len(modules)} modules, {hops} hops\n  {names}")
    finally:
        app.extensions["ldkit_store"].close()


if __name__ == "__main__":
    main()
