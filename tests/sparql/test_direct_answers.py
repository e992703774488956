"""Queries sent by GET are answered before Flask, and lookups in the web process: same answers.

`sparql/direct.py` answers `GET /sparql?query=...` without Flask's routing, and a read-only
store answers a query that only describes named things on its own read-only handle. A client must
not be able to tell: every answer is compared, status, headers and body, with the one the Flask
view gives for the same request.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask
from rdflib import Graph
from werkzeug.test import EnvironBuilder, run_wsgi_app

from ldkit.pipeline.build import swap_into_place
from ldkit.server.app import create_app
from ldkit.server.sparql import query_text
from tests.helpers.servers import BASE, make_build, sample_settings

ORG = f"{BASE}id/organisation/org1"
NAME = "https://schema.org/name"
# Four triples of over 300 bytes each: more than the 1 kB worth gzipping, and cut at the row cap.
LONG_ANSWER = (
    f"CONSTRUCT {{ ?s <{NAME}> ?long }} WHERE {{ ?s ?p ?o "
    f'BIND(CONCAT(STR(?o), "{"x" * 300}") AS ?long) }}'
)
REQUESTS = [
    ("SELECT ?n WHERE { ?o <https://schema.org/name> ?n } ORDER BY ?n", "application/json", {}),
    ("SELECT * WHERE { ?s ?p ?o }", "text/csv", {}),
    ("ASK { ?s ?p ?o }", "application/sparql-results+xml", {}),
    (f"DESCRIBE <{ORG}>", "text/turtle", {}),
    (f"PREFIX o: <{BASE}id/organisation/> DESCRIBE o:org0 o:org2", "application/n-triples", {}),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle", {"Accept-Encoding": "gzip"}),
    (LONG_ANSWER, "application/n-triples", {"Accept-Encoding": "gzip, br"}),  # gzipped, cut
    ("SELECT * WHERE { ?s ?p ?o", "application/json", {}),  # a syntax error: 400
    ("SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }", "*/*", {}),  # refused
    ("SELECT * WHERE { ?s ?p ?o }", "image/png", {}),  # 406
    (f"DESCRIBE <{ORG}> # by name", "turtle", {"format": "turtle"}),
    ("ASK {}", "application/json", {"If-None-Match": "*"}),  # a 304
]
VARYING = ("Date", "Server-Timing")


def _asked(query: str, accept: str, extra: dict[str, str]) -> dict[str, Any]:
    params = {"query": query, **({"format": extra["format"]} if "format" in extra else {})}
    headers = {"Accept": accept, **{k: v for k, v in extra.items() if k != "format"}}
    return EnvironBuilder("/sparql", query_string=params, headers=headers).get_environ()


def _answer(app: Any, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    kept = {name: value for name, value in headers.items() if name not in VARYING}
    return status, kept, b"".join(body)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    made = create_app(sample_settings(tmp_path_factory.mktemp("direct"), row_limit=4), pool_size=1)
    yield made
    made.extensions["ldkit_store"].close()


@pytest.mark.parametrize(("query", "accept", "extra"), REQUESTS)
def test_the_answer_before_flask_is_the_views_answer(
    app: Flask, query: str, accept: str, extra: dict[str, str]
) -> None:
    def flask_view(environ: dict[str, Any], start_response: Any) -> Any:
        return Flask.wsgi_app(app, environ, start_response)  # the view alone, no wrapper

    direct = _answer(app.wsgi_app, _asked(query, accept, extra))
    view = _answer(flask_view, _asked(query, accept, extra))
    assert direct == view
    assert direct[0][:3] in ("200", "304", "400", "406")
    if query == LONG_ANSWER:
        assert direct[1]["Content-Encoding"] == "gzip"
        assert direct[1]["X-Ldkit-Truncated"] == "true"


def test_an_unexpected_failure_is_the_same_500_as_the_views(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("ldkit.server.sparql.endpoint.execute_query", broken)
    asked = ("ASK { ?s ?p ?o }", "application/json", {})
    direct = _answer(app.wsgi_app, _asked(*asked))
    view = _answer(lambda e, s: Flask.wsgi_app(app, e, s), _asked(*asked))
    assert direct == view and direct[0].startswith("500")
    assert [r.message for r in caplog.records].count("Exception on /sparql [GET]") == 2


def test_a_described_thing_is_its_statements_cut_at_the_row_cap(app: Flask) -> None:
    client = app.test_client()
    one = client.get(
        f"/sparql?query={quote(f'DESCRIBE <{ORG}>')}", headers={"Accept": "text/turtle"}
    )
    expected = client.get(
        f"/sparql?query={quote(f'CONSTRUCT WHERE {{ <{ORG}> ?p ?o }}')}",
        headers={"Accept": "text/turtle"},
    )
    assert one.status_code == expected.status_code == 200
    described = Graph().parse(data=one.data, format="turtle")
    assert described.isomorphic(Graph().parse(data=expected.data, format="turtle"))
    assert len(described) == 2
    orgs = " ".join(f"<{BASE}id/organisation/org{n}>" for n in range(3))
    capped = client.get(f"/sparql?query={quote(f'DESCRIBE {orgs}')}")
    assert capped.headers["X-Ldkit-Truncated"] == "true"
    assert len(Graph().parse(data=capped.data, format="turtle")) == 4  # the row limit


def test_a_lookup_is_answered_while_every_query_process_is_busy(tmp_path: Path) -> None:
    app = create_app(sample_settings(tmp_path, time_limit=3.0), pool_size=1)
    client = app.test_client()
    patterns = " . ".join(f"?s{n} ?p{n} ?o{n}" for n in range(9))  # 7^9 rows: killed at 3 s
    slow = f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}"
    running = threading.Thread(target=lambda: app.test_client().get(f"/sparql?query={quote(slow)}"))
    try:
        client.get("/sparql?query=ASK%7B%7D")  # the only query process is started
        running.start()
        time.sleep(0.3)
        started = time.monotonic()
        answer = client.get(f"/sparql?query={quote(f'DESCRIBE <{ORG}>')}")
        took = time.monotonic() - started
        assert answer.status_code == 200 and b"Organisation 1" in answer.data
        assert took < 1.0, f"the DESCRIBE waited {took:.1f} s for the busy query process"
    finally:
        running.join()
        app.extensions["ldkit_store"].close()


@pytest.mark.parametrize(
    ("text", "looks_up"),
    [
        (f"DESCRIBE <{ORG}>", True),
        (f"BASE <{BASE}> PREFIX o: <id/organisation/> DESCRIBE o:org1 <x>", True),
        ("describe <a> # a comment: { ?x }", True),
        ("DESCRIBE ?x WHERE { ?x ?p ?o }", False),
        ("DESCRIBE <a> { <a> ?p ?o }", False),  # WHERE is optional, the braces are not
        ("DESCRIBE <a> FROM <g>", False),
        ("DESCRIBE *", False),
        ("SELECT * WHERE { <a> ?p ?o }", False),
        ("DESCRIBE <a> VALUES ?x { 1 }", False),
        ("DESCRIBE " + "<a> " * 600, False),  # longer than LOOKUP_TEXT_CHARS
    ],
)
def test_which_queries_only_look_things_up(text: str, looks_up: bool) -> None:
    assert query_text.looks_up_only(text, query_text.read_query(text)) is looks_up


def test_a_lookup_across_a_new_build_answers_the_old_or_the_new_data(tmp_path: Path) -> None:
    settings = sample_settings(tmp_path)
    app = create_app(settings, pool_size=1)
    client = app.test_client()
    query = f"/sparql?query={quote(f'DESCRIBE <{ORG}>')}"
    renamed = ox.Triple(ox.NamedNode(ORG), ox.NamedNode(NAME), ox.Literal("Renamed", language="en"))
    try:
        assert b"Organisation 1" in client.get(query).data  # the handle of the first build is open
        staging = tmp_path / "staging"
        make_build(
            staging, {f"{BASE}id/graph/organisations": [renamed]}, version="fedcba9876543210"
        )
        swap_into_place(staging, settings.build_dir)  # the old build is deleted at once
        deadline, n = time.monotonic() + 0.5, 0
        while time.monotonic() < deadline:  # texts that never repeat: no answer from memory
            n += 1
            answer = client.get(f"{query}{quote(f' # {n}')}")
            assert answer.status_code == 200, answer.data
            assert (b"Renamed" in answer.data) != (b"Organisation 1" in answer.data)
        assert b"Renamed" in client.get(query).data
    finally:
        app.extensions["ldkit_store"].close()
