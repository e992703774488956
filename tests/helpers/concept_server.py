"""A local stand-in for link targets that publish per-concept RDF (UNBIS, SDG KOS, GeoNames).

`ConceptServer` answers `GET /{target}/{local name}` with the Turtle description of that concept
from a fixture file (404 when the fixture does not describe it). It stops in `__exit__`.
"""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

from rdflib import Graph, URIRef


class ConceptServer:
    """Per-concept Turtle for several targets: `url(key)` is the base that replaces a namespace."""

    def __init__(self, fixtures: dict[str, tuple[Path, str]]) -> None:
        # key -> (fixture file, namespace of its IRIs)
        self.graphs = {key: (Graph().parse(path), ns) for key, (path, ns) in fixtures.items()}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{key}/"

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        graphs = self.graphs

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                _, key, local = (self.path.split("/", 2) + ["", ""])[:3]
                graph, namespace = graphs.get(key, (Graph(), ""))
                found = Graph()
                for triple in graph.triples((URIRef(namespace + local), None, None)):
                    found.add(triple)
                if not len(found):
                    self.send_error(404)
                    return
                body = found.serialize(format="turtle").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> ConceptServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
