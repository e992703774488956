"""Local stand-ins for the link targets: a real Oxigraph SPARQL server and a per-concept RDF server.

`OxigraphServer` loads a fixture into a fresh store with `oxigraph load`, then runs
`oxigraph serve-read-only` on a free loopback port; `ConceptServer` answers
`GET /{target}/{local name}` with the Turtle description of that concept from a fixture file
(404 when the fixture does not describe it), as UNBIS, the SDG KOS and GeoNames publish theirs.
Both stop in `__exit__`.
"""

from __future__ import annotations

import http.client
import http.server
import subprocess
import sys
import threading
import time
from pathlib import Path

from rdflib import Graph, URIRef

from tests.sparql_server import free_port

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


class OxigraphServer:
    """`oxigraph serve-read-only` holding `fixture`, on 127.0.0.1; its endpoint is `url`."""

    def __init__(self, fixture: Path, location: Path) -> None:
        self.fixture, self.location = fixture, location
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def __enter__(self) -> OxigraphServer:
        load = [
            str(OXIGRAPH),
            "load",
            "--location",
            str(self.location),
            "--file",
            str(self.fixture),
        ]
        subprocess.run(load, check=True, capture_output=True)
        serve = [str(OXIGRAPH), "serve-read-only", "--location", str(self.location)]
        serve += ["--bind", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()
        return self

    def _wait_ready(self, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, "oxigraph exited"
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/query?query=ASK%7B%7D")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
            finally:
                connection.close()
        raise TimeoutError("oxigraph did not start")

    def stop(self) -> None:
        """Stop the server (and wait for it), so later requests are refused."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()


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
