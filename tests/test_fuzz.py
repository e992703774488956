"""10,000 hostile requests to `ldkit serve` on loopback: no 5xx, no traceback, alive after.

On granian (the default) and on gunicorn `gthread`: without the request guard, gunicorn answers
some 280 of them 500 (a raw path in the `Link` header), while granian hides the same requests
behind 404s, so both stacks are fuzzed.

Seeded (`FUZZ_SEED`, every thread a seed of its own), over the app's real route table and the
real things of the repository's build, with every method, mangled paths and query strings, odd
`Accept` headers and bodies to `/sparql` and `/sparql/graph` (issue 15).
"""

from __future__ import annotations

import collections
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest

from ldkit.server.app import create_app
from ldkit.server.settings import Settings
from ldkit.server.urls import resource_url
from tests.helpers.fuzz import Fuzzer, FuzzRequest
from tests.helpers.servers import HTTP_STACKS, RunningServer, logged_server

FUZZ_SEED = 15
REQUESTS = 10_000
THREADS = 8


@pytest.fixture(scope="module", params=HTTP_STACKS)
def server(
    built_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[RunningServer]:
    log_dir = tmp_path_factory.mktemp("fuzz")
    with logged_server(built_settings, log_dir, request.param, workers=2) as running:
        yield running


def routes(settings: Settings) -> list[str]:
    """Every rule of the app's URL map (`/id/<path:name>`, `/sparql/graph`...)."""
    app = create_app(settings, pool_size=1)
    try:
        return sorted({rule.rule for rule in app.url_map.iter_rules()})
    finally:
        app.extensions["ldkit_store"].close()


def things(kg_store: ox.Store, settings: Settings) -> tuple[list[str], list[str]]:
    """The IRIs of the build's subjects under the base, and their paths on the server."""
    iris = sorted({q.subject.value for q in kg_store if isinstance(q.subject, ox.NamedNode)})
    paths = [p for p in (resource_url(i, settings.base_iri) for i in iris) if p]
    return iris, paths


def send(port: int, request: FuzzRequest) -> int:
    """The status of the answer to one request on a connection of its own (0: no answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request.wire())
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        while connection.recv(65536):  # the whole answer, so the server never writes to no one
            pass
    fields = answer.split(b" ", 2)
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0


def test_ten_thousand_hostile_requests(
    server: RunningServer, built_settings: Settings, kg_store: ox.Store
) -> None:
    table = routes(built_settings)
    iris, paths = things(kg_store, built_settings)
    assert "/id/<path:name>" in table and "/sparql/graph" in table and len(paths) > 50

    def run(thread: int) -> list[tuple[int, FuzzRequest]]:
        fuzzer = Fuzzer(FUZZ_SEED * 1000 + thread, table, paths, iris)
        return [
            (send(server.port, request), request)
            for request in (fuzzer.request() for _ in range(REQUESTS // THREADS))
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [answer for batch in pool.map(run, range(THREADS)) for answer in batch]
    statuses = collections.Counter(status for status, _ in answers)
    failed = [(s, r.method, r.target[:120]) for s, r in answers if s >= 500 or s == 0]
    assert len(answers) >= REQUESTS
    assert not failed, (statuses, failed[:10])
    assert {200, 303, 400, 404} <= set(statuses)  # the fuzz reaches pages, not only refusals
    assert server.alive()
    log = server.log_text()
    assert "Traceback" not in log and "[ERROR]" not in log and "Exception on" not in log
