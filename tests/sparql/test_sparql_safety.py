"""Every refusal of the endpoint: remote access, writes without the token, runaway queries."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from ldkit.server.app import create_app
from ldkit.server.sparql.query_text import (
    RefusedOperation,
    add_using,
    check_remote_access,
    query_form,
)
from tests.helpers.servers import BASE, RunningServer, make_build, sample_settings, scratch_settings

TOKEN = "s3cret"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def client(tmp_path: Path, app_client: Callable[..., FlaskClient]) -> FlaskClient:
    return app_client(sample_settings(tmp_path, update_token=TOKEN))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback socket that a SERVICE call would connect to."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.settimeout(0.5)
        yield sock


def count(client: FlaskClient) -> int:
    answer = client.get(f"/sparql?query={quote(COUNT)}").get_json()
    return int(answer["results"]["bindings"][0]["n"]["value"])


def assert_no_connection(sock: socket.socket) -> None:
    with pytest.raises(TimeoutError):
        connection, _ = sock.accept()
        connection.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        "PREFIX r: <{url}>\nSELECT * WHERE {{ SERVICE r: {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    ],
)
def test_service_is_refused_and_no_connection_is_made(
    client: FlaskClient, listener: socket.socket, template: str
) -> None:
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    response = client.get(f"/sparql?query={quote(template.format(url=url))}")
    assert response.status_code == 400
    assert b"SERVICE" in response.data
    assert_no_connection(listener)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ("SERVICE <http://x/> { }" AS ?text) {}',
        "SELECT ('''LOAD <http://x/>''' AS ?text) {}",
        "# SERVICE <http://x/> in a comment\nASK {}",
        "SELECT ?service {} # a variable named service",
        "PREFIX service: <http://x/>\nSELECT (service:load AS ?x) {}",
        "ASK { <http://x/SERVICE> ?p ?o }",
    ],
)
def test_the_word_in_a_string_comment_or_name_is_not_a_refusal(
    client: FlaskClient, query: str
) -> None:
    assert client.get(f"/sparql?query={quote(query)}").status_code == 200


def test_allow_listed_service_passes_the_check() -> None:
    allowed = ("https://query.wikidata.org/sparql",)
    check_remote_access("SELECT * { SERVICE <https://query.wikidata.org/sparql> {} }", allowed)
    with pytest.raises(RefusedOperation):
        check_remote_access("SELECT * { SERVICE <https://elsewhere.example/sparql> {} }", allowed)


def test_load_is_refused_even_with_the_token(client: FlaskClient, listener: socket.socket) -> None:
    before = count(client)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
    response = client.post(
        "/sparql", data={"update": f"LOAD <{url}>"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 400
    assert b"LOAD" in response.data
    assert_no_connection(listener)
    assert count(client) == before


INSERT = f'INSERT DATA {{ <{BASE}x> <{BASE}p> "written" }}'


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 403),
        ({"Authorization": "Basic czNjcmV0"}, 401),
    ],
)
def test_update_without_the_right_token_writes_nothing(
    client: FlaskClient, headers: dict[str, str], status: int
) -> None:
    before = count(client)
    by_body = client.post(
        "/sparql", data=INSERT, content_type="application/sparql-update", headers=headers
    )
    by_form = client.post("/sparql", data={"update": INSERT}, headers=headers)
    assert by_body.status_code == by_form.status_code == status
    assert count(client) == before


def test_updates_are_refused_when_no_token_was_configured(tmp_path: Path) -> None:
    app = create_app(sample_settings(tmp_path), pool_size=1)
    try:
        client = app.test_client()
        response = client.post(
            "/sparql",
            data=INSERT,
            content_type="application/sparql-update",
            headers={"Authorization": "Bearer anything"},
        )
        assert response.status_code == 403
        assert count(client) == 7  # 3 organisations x 2 + 1 in the extra graph
    finally:
        app.extensions["ldkit_store"].close()


def test_graph_store_writes_need_the_token(client: FlaskClient) -> None:
    before = count(client)
    body = f"<{BASE}a> <{BASE}b> <{BASE}c> ."
    assert (
        client.put("/sparql/graph?default", data=body, content_type="text/turtle").status_code
        == 401
    )
    assert client.delete(f"/sparql/graph?graph={quote(BASE + 'id/graph/extra')}").status_code == 401
    assert count(client) == before


def test_update_with_both_using_parameter_and_with_clause_is_400(client: FlaskClient) -> None:
    update = f"WITH <{BASE}g> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    response = client.post(
        f"/sparql?using-graph-uri={quote(BASE)}",
        data=update,
        content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 400


def test_add_using_puts_clauses_before_each_modify_where_only() -> None:
    update = (
        "INSERT DATA { <a> <b> 'WHERE' } ; DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ;"
        " DELETE WHERE { ?s ?p ?o } ; INSERT { ?s ?p 1 } WHERE { { SELECT * WHERE {} } }"
    )
    rewritten = add_using(update, ["http://g/1"], ["http://g/2"])
    assert rewritten.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 2
    assert "INSERT DATA { <a> <b> 'WHERE' }" in rewritten
    assert "DELETE WHERE { ?s ?p ?o }" in rewritten
    ox.Store().update(rewritten, base_iri="http://base/")  # still valid SPARQL


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("PREFIX s: <http://x/select>\n# ASK\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("describe <x>", "DESCRIBE"),
        ("ASK {}", "ASK"),
        ("CLEAR ALL", None),
    ],
)
def test_query_form_ignores_names_and_comments(query: str, form: str | None) -> None:
    assert query_form(query) == form


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    settings = scratch_settings(tmp_path_factory.mktemp("limited"), time_limit=1.0)
    triples = [
        ox.Triple(ox.NamedNode(f"{BASE}s{n}"), ox.NamedNode(f"{BASE}p"), ox.Literal(str(n)))
        for n in range(500)
    ]
    make_build(settings.build_dir, {None: triples})
    with RunningServer(settings, workers=1) as server:
        yield server


def test_runaway_query_is_stopped_while_another_client_is_served(
    limited_server: RunningServer,
) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["answer"] = limited_server.request("GET", f"/sparql?query={quote(RUNAWAY)}")
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.2)
    quick: list[float] = []
    while thread.is_alive():
        started = time.monotonic()
        status, _, body = limited_server.request(
            "GET", f"/sparql?query={quote('ASK { ?s ?p ?o }')}"
        )
        quick.append(time.monotonic() - started)
        assert status == 200 and json.loads(body)["boolean"] is True
        time.sleep(0.05)
    thread.join()
    status, _, body = outcome["answer"]  # type: ignore[misc]
    assert status == 503
    assert b"time limit of 1 s" in body
    assert 0.9 < outcome["seconds"] < 5  # type: ignore[operator]
    assert quick and max(quick) < 0.5


def test_server_answers_after_a_query_was_killed(limited_server: RunningServer) -> None:
    status, _, _ = limited_server.request("GET", f"/sparql?query={quote(RUNAWAY)}")
    assert status == 503
    status, _, body = limited_server.request("GET", f"/sparql?query={quote(COUNT)}")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "500"


def test_retry_after_is_offered_when_busy_never_at_the_time_limit(
    tmp_path: Path, app_client: Callable[..., FlaskClient]
) -> None:
    # A query stopped at the time limit would be stopped again: `Retry-After: 1` invited it.
    settings = scratch_settings(tmp_path, time_limit=2.0)
    triples = [
        ox.Triple(ox.NamedNode(f"{BASE}s{n}"), ox.NamedNode(f"{BASE}p"), ox.Literal(str(n)))
        for n in range(500)
    ]
    make_build(settings.build_dir, {None: triples})
    client = app_client(settings, pool_size=1)
    answers = []
    runaway = threading.Thread(
        target=lambda: answers.append(client.get("/sparql", query_string={"query": RUNAWAY}))
    )
    runaway.start()
    time.sleep(0.5)  # the only query process runs the runaway query: the next one waits
    waiting = client.get("/sparql", query_string={"query": "ASK { ?s ?p 1 }"})
    runaway.join()
    assert answers[0].status_code == 503 and "Retry-After" not in answers[0].headers
    assert waiting.status_code == 503, waiting.text
    assert waiting.headers["Retry-After"] == "1"
