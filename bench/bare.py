"""The floor of the serving benchmark: granian and pyoxigraph with nothing of ldkit between them.

`bench.serving --stacks ...,bare` serves this WSGI app with the same granian settings as
`ldkit serve` (2 workers, 8 threads each): it reads `query` from the query string, runs it on a
read-only handle of the build's store and answers Turtle (graphs) or SPARQL JSON (results). No
checks, no headers but the content type, no time limit, no row cap, no cache: no SPARQL server
in Python on this stack answers faster, so its ratio to Oxigraph bounds what ldkit can reach.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox

STORE_VARIABLE = "BENCH_BARE_STORE"


def make_app() -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The WSGI app over the store named by STORE_VARIABLE (granian's factory)."""
    store = ox.Store.read_only(os.environ[STORE_VARIABLE])

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", "")).get("query", [""])[0]
        answer = store.query(query, use_default_graph_as_union=True)
        if isinstance(answer, ox.QueryTriples):
            body, media_type = ox.serialize(answer, format=ox.RdfFormat.TURTLE), "text/turtle"
        else:
            body = answer.serialize(format=ox.QueryResultsFormat.JSON)
            media_type = "application/sparql-results+json"
        start_response("200 OK", [("Content-Type", media_type)])
        return [body or b""]

    return app


def main() -> None:
    """`python -m bench.bare STORE PORT WORKERS THREADS`."""
    from granian import Granian
    from granian.constants import Interfaces

    store, port, workers, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    os.environ[STORE_VARIABLE] = store
    Granian(
        "bench.bare:make_app",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.WSGI,
        workers=int(workers),
        blocking_threads=int(threads),
        factory=True,
        log_level="warning",  # type: ignore[arg-type]
    ).serve()


if __name__ == "__main__":
    main()
