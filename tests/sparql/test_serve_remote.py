"""`ldkit serve --endpoint`: the site over a real remote store (Oxigraph server, Virtuoso).

The repository's build is published into each store once per module (`ldkit publish`'s code),
then the app runs over it through `RemoteStore`: the competency questions give their
expected answers, refusals, limits and formats are those of the embedded store, a dead store is a
clear 502, writes need the token. One real `ldkit serve --endpoint` (gunicorn, two workers, no
build folder) answers the competency questions over HTTP.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldkit.pipeline import publish as publishing
from ldkit.server.app import create_app
from ldkit.server.settings import Settings
from ldkit.server.stores.http_client import StoreClient
from ldkit.server.stores.remote import RemoteStore
from tests.helpers.paths import ROOT
from tests.helpers.servers import RunningServer, free_port
from tests.helpers.stores import OxigraphServer, VirtuosoServer

Server = OxigraphServer | VirtuosoServer
STORES: dict[str, type[Server]] = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}
QUESTIONS = sorted((ROOT / "queries").glob("*.rq"))
TOKEN = "remote-secret"
SCRATCH = "https://example.org/ldkit-test/scratch"
EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
GRAPH_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://schema.org/Organization> ; ?p ?o }"


@pytest.fixture(scope="module", params=sorted(STORES))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def remote(
    kind: str, built_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A real store holding the published build, started once per module and kind."""
    server = STORES[kind](tmp_path_factory.mktemp(f"remote-{kind}")).start()
    try:
        graphs = publishing.local_graphs(built_settings)
        publishing.publish(StoreClient(server.query_url, server.update_url), graphs)
        yield server
    finally:
        server.stop()


def _app(settings: Settings, **changes: object) -> Flask:
    return create_app(settings.replace(**changes))


@pytest.fixture(scope="module")
def app(remote: Server, built_settings: Settings) -> Iterator[Flask]:
    """The app over the store, with updates enabled for TOKEN."""
    application = _app(
        built_settings,
        endpoint=remote.query_url,
        update_endpoint=remote.update_url,
        update_token=TOKEN,
    )
    yield application
    application.extensions["ldkit_store"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _csv_rows(text: str) -> tuple[list[str], Counter[tuple[str, ...]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    return header, Counter(tuple(row) for row in reader)


def _assert_expected_answer(path: Path, body: str) -> None:
    expected_header, expected = _csv_rows(path.with_suffix(".csv").read_text(encoding="utf-8"))
    header, actual = _csv_rows(body)
    assert header == expected_header, path.name
    assert actual == expected, (
        f"{path.name}\nmissing: {sorted((expected - actual).elements())}\n"
        f"unexpected: {sorted((actual - expected).elements())}"
    )


def test_the_store_is_remote(app: Flask) -> None:
    assert isinstance(app.extensions["ldkit_store"], RemoteStore)


@pytest.mark.parametrize("path", QUESTIONS, ids=lambda p: p.stem)
def test_every_competency_question_gives_its_expected_answer(
    path: Path, client: FlaskClient
) -> None:
    query = path.read_text(encoding="utf-8")
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    _assert_expected_answer(path, response.text)


def test_the_default_graph_is_the_union_unless_the_request_names_one(
    client: FlaskClient, built_settings: Settings
) -> None:
    local = ox.Store.read_only(str(built_settings.build_dir / "store"))
    ontology = f"{built_settings.base_iri}id/graph/ontology"
    expected = len(list(local.quads_for_pattern(None, None, None, ox.NamedNode(ontology))))
    del local
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = client.get(
        "/sparql", query_string={"query": count, "default-graph-uri": ontology, "format": "json"}
    )
    assert named.status_code == 200, named.text
    assert int(named.json["results"]["bindings"][0]["n"]["value"]) == expected
    with_from = client.get(
        "/sparql", query_string={"query": count.replace("WHERE", f"FROM <{ontology}> WHERE")}
    )
    assert int(with_from.json["results"]["bindings"][0]["n"]["value"]) == expected
    union = client.get("/sparql", query_string={"query": count})
    assert int(union.json["results"]["bindings"][0]["n"]["value"]) > expected
    # named-graph-uri alone: an empty default graph, the named graph through GRAPH.
    in_graph = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    only_named = client.get(
        "/sparql", query_string={"query": in_graph, "named-graph-uri": ontology}
    )
    assert int(only_named.json["results"]["bindings"][0]["n"]["value"]) == expected


def test_service_and_load_are_refused_before_anything_is_sent(client: FlaskClient) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.3)
        port = listener.getsockname()[1]
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        refused = client.get("/sparql", query_string={"query": query})
        assert refused.status_code == 400
        assert "SERVICE" in refused.text
        load = client.post(
            "/sparql",
            data={"update": f"LOAD <http://127.0.0.1:{port}/data.ttl>"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert load.status_code == 400
        assert "LOAD" in load.text
        with pytest.raises(TimeoutError):
            listener.accept()


@pytest.mark.parametrize(
    ("key", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_select_answers_in_every_results_format(
    key: str, media_type: str, client: FlaskClient
) -> None:
    query = "SELECT ?org ?label WHERE { ?org a <https://schema.org/Organization> ; ?p ?label }"
    by_accept = client.get("/sparql", query_string={"query": query}, headers={"Accept": media_type})
    by_name = client.get("/sparql", query_string={"query": query, "format": key})
    for response in (by_accept, by_name):
        assert response.status_code == 200, response.text
        assert response.mimetype == media_type
    reference = client.get("/sparql", query_string={"query": query, "format": "json"}).json
    rows = len(reference["results"]["bindings"])
    assert rows > 0
    if key == "csv":
        assert len(by_accept.text.strip().splitlines()) == rows + 1
    else:
        fmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}.get(
            key, ox.QueryResultsFormat.TSV
        )
        assert len(list(ox.parse_query_results(by_accept.data, format=fmt))) == rows  # type: ignore[arg-type]


def test_ask_answers_a_boolean(client: FlaskClient) -> None:
    yes = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "format": "json"})
    no = client.get(
        "/sparql", query_string={"query": "ASK { <urn:no:such> ?p ?o }", "format": "xml"}
    )
    assert yes.json == {"head": {}, "boolean": True}
    assert "<boolean>false</boolean>" in no.text


@pytest.mark.parametrize(
    ("key", "media_type", "rdf_format"),
    [
        ("ttl", "text/turtle", ox.RdfFormat.TURTLE),
        ("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_answers_in_every_rdf_format(
    key: str, media_type: str, rdf_format: ox.RdfFormat, client: FlaskClient
) -> None:
    reference = client.get("/sparql", query_string={"query": GRAPH_QUERY, "format": "nt"})
    expected = set(ox.parse(reference.data, format=ox.RdfFormat.N_TRIPLES))
    assert expected
    for response in (
        client.get("/sparql", query_string={"query": GRAPH_QUERY}, headers={"Accept": media_type}),
        client.get("/sparql", query_string={"query": GRAPH_QUERY, "format": key}),
    ):
        assert response.status_code == 200, response.text
        assert response.mimetype == media_type
        assert set(ox.parse(response.data, format=rdf_format)) == expected


def test_the_row_cap_cuts_and_says_so(remote: Server, built_settings: Settings) -> None:
    capped = _app(built_settings, endpoint=remote.query_url, row_limit=3)
    client = capped.test_client()
    rows = client.get("/sparql", query_string={"query": EVERYTHING, "format": "json"})
    assert rows.status_code == 200
    assert len(rows.json["results"]["bindings"]) == 3
    assert rows.headers["X-Ldkit-Truncated"] == "true"
    assert "row limit of 3" in rows.headers["Warning"]
    triples = client.get("/sparql", query_string={"query": GRAPH_QUERY, "format": "nt"})
    assert len(list(ox.parse(triples.data, format=ox.RdfFormat.N_TRIPLES))) == 3
    assert triples.headers["X-Ldkit-Truncated"] == "true"
    small = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert "X-Ldkit-Truncated" not in small.headers


def test_a_query_past_the_time_limit_is_stopped(built_settings: Settings, tmp_path: Path) -> None:
    # On Oxigraph only: Virtuoso answers this count from its indexes at once, and no query both
    # stores find slow is small enough to write here. The deadline is ours, not the store's.
    server = OxigraphServer(tmp_path / "slow").start()
    try:
        publishing.publish(
            StoreClient(server.query_url, server.update_url),
            publishing.local_graphs(built_settings),
        )
        slow = _app(built_settings, endpoint=server.query_url, time_limit=1.0)
        _assert_stopped(slow)
        slow.extensions["ldkit_store"].close()
    finally:
        server.stop()


def _assert_stopped(slow: Flask) -> None:
    heavy = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . VALUES ?k { 1 2 3 4 5 6 7 8 9 } }"
    )
    response = slow.test_client().get("/sparql", query_string={"query": heavy})
    assert response.status_code == 503
    assert "the query was stopped: it ran past the time limit of 1 s" in response.text
    assert "Retry-After" not in response.headers  # it would be stopped again


def test_a_syntax_error_is_a_400_with_the_stores_message(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.text.strip()


def test_etags_come_from_the_dataset_version_in_the_store(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": EVERYTHING + " LIMIT 1"})
    etag = first.headers["ETag"]
    assert etag.startswith('"remote-') and "undescribed" not in etag
    again = client.get(
        "/sparql",
        query_string={"query": EVERYTHING + " LIMIT 1"},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


def test_the_query_page_works_over_the_store(client: FlaskClient) -> None:
    page = client.get(
        "/sparql", query_string={"query": QUESTIONS[0].read_text()}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert "<table" in page.text


def test_a_dead_store_is_a_clear_502(built_settings: Settings, tmp_path: Path) -> None:
    dead = OxigraphServer(tmp_path / "never-started")
    app = _app(built_settings, endpoint=dead.query_url, update_endpoint=dead.update_url)
    client = app.test_client()
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 502
    assert "cannot be reached" in response.text
    assert dead.query_url in response.text
    assert "Traceback" not in response.text
    page = client.get(
        "/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 502
    assert "cannot be reached" in page.text
    # The service description needs nothing from the store.
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200
    # Pages say the same in one line, not a traceback page.
    for path in ("/id/organisation/iom.html", "/", "/-/timeline"):
        resource = client.get(path)
        assert resource.status_code == 502, path
        assert "cannot be reached" in resource.text and "Traceback" not in resource.text


def test_updates_need_the_token(
    client: FlaskClient, remote: Server, built_settings: Settings
) -> None:
    insert = f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ <urn:a> <urn:b> <urn:c> }} }}"
    anonymous = client.post("/sparql", data={"update": insert})
    assert anonymous.status_code == 401
    wrong = client.post(
        "/sparql", data={"update": insert}, headers={"Authorization": "Bearer wrong"}
    )
    assert wrong.status_code == 403
    write = client.put(
        f"/sparql/graph?graph={urllib.parse.quote(SCRATCH)}",
        data=b"<urn:a> <urn:b> <urn:c> .\n",
        content_type="application/n-triples",
    )
    assert write.status_code == 401
    assert StoreClient(remote.query_url).count(SCRATCH) == 0
    # A server without an update endpoint refuses writes even with the token.
    read_only = _app(built_settings, endpoint=remote.query_url, update_token=TOKEN).test_client()
    refused = read_only.post(
        "/sparql", data={"update": insert}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert refused.status_code == 403
    assert "read-only" in refused.text
    description = read_only.get("/sparql", headers={"Accept": "application/n-triples"})
    assert "SPARQL11Update" not in description.text


def test_writes_with_the_token_reach_the_store_and_change_the_version(
    app: Flask, remote: Server, built_settings: Settings
) -> None:
    client = app.test_client()
    other = _app(built_settings, endpoint=remote.query_url)  # another instance, same store
    before = other.test_client().get("/sparql", query_string={"query": "ASK {}"}).headers["ETag"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    target = f"/sparql/graph?graph={urllib.parse.quote(SCRATCH)}"
    try:
        put = client.put(
            target,
            data=b"<urn:a> <urn:b> <urn:c> .\n_:x <urn:b> <urn:d> .\n",
            content_type="application/n-triples",
            headers=auth,
        )
        assert put.status_code == 201, put.text
        assert StoreClient(remote.query_url).count(SCRATCH) == 2
        read = client.get(target, headers={"Accept": "application/n-triples"})
        assert read.status_code == 200
        assert len(list(ox.parse(read.data, format=ox.RdfFormat.N_TRIPLES))) == 2
        update = client.post(
            "/sparql",
            data={"update": f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ <urn:e> <urn:b> <urn:c> }} }}"},
            headers=auth,
        )
        assert update.status_code == 204, update.text
        assert StoreClient(remote.query_url).count(SCRATCH) == 3
        other.extensions["ldkit_store"].forget()  # instead of waiting VERSION_SECONDS
        after = other.test_client().get("/sparql", query_string={"query": "ASK {}"})
        assert after.headers["ETag"] != before
        deleted = client.delete(target, headers=auth)
        assert deleted.status_code == 204
        assert client.get(target).status_code == 404
        assert client.delete(target, headers=auth).status_code == 404
    finally:
        StoreClient(remote.query_url, remote.update_url).update(f"DROP SILENT GRAPH <{SCRATCH}>")


class _ServeCommand(RunningServer):
    """`ldkit --root ROOT serve --endpoint URL` in a child process (gunicorn, two workers)."""

    def __init__(self, root: Path, endpoint: str) -> None:
        self.root = root
        self.endpoint = endpoint
        self.port = free_port()
        self.workers = 2
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _ServeCommand:
        command = [sys.executable, "-m", "ldkit.pipeline.cli", "--root", str(self.root), "serve"]
        command += ["--endpoint", self.endpoint, "--port", str(self.port), "--workers", "2"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("LDKIT_UPDATE_TOKEN", None)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        self._wait_ready()
        return self


def test_ldkit_serve_endpoint_needs_no_build_and_answers_the_questions(
    remote: Server, tmp_path: Path
) -> None:
    root = tmp_path / "site"  # the settings and the questions, no data and no build
    root.mkdir()
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "queries", root / "queries")
    with _ServeCommand(root, remote.query_url) as server:
        for path in QUESTIONS:
            body = urllib.parse.urlencode({"query": path.read_text(encoding="utf-8")})
            status, headers, data = server.request(
                "POST",
                "/sparql",
                body,
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"},
            )
            assert status == 200, data
            _assert_expected_answer(path, data.decode("utf-8"))
        status, _, data = server.request(
            "POST",
            "/sparql",
            "update=" + urllib.parse.quote("CLEAR ALL"),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 403
        status, headers, data = server.request(
            "GET", "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 2")
        )
        assert status == 200
        assert len(json.loads(data)["results"]["bindings"]) == 2
    assert not (root / "dist").exists()
