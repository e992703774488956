"""The endpoint as consumers use it: SPARQLWrapper against a running server, on real data too."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

from ldkit.server.app import create_app
from ldkit.server.settings import Settings
from tests.helpers.servers import BASE, EXAMPLE_QUERY, RunningServer, sample_settings

TOKEN = "client-token"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., RunningServer]
) -> RunningServer:
    settings = sample_settings(tmp_path_factory.mktemp("client"), update_token=TOKEN)
    return live_server(settings, workers=2)


def wrapper(server: RunningServer, query: str, fmt: str = JSON) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_select_as_json(server: RunningServer) -> None:
    answer = wrapper(server, EXAMPLE_QUERY).queryAndConvert()
    names = sorted(b["name"]["value"] for b in answer["results"]["bindings"])
    assert names == ["<script>alert(1)</script>", "Organisation 1", "Organisation 2"]
    assert answer["results"]["bindings"][0]["name"]["xml:lang"] == "en"


def test_ask_as_xml_by_post(server: RunningServer) -> None:
    client = wrapper(server, f"ASK {{ <{BASE}id/organisation/org1> ?p ?o }}", XML)
    client.setMethod(POST)
    document = client.queryAndConvert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "true"


def test_construct_as_a_graph(server: RunningServer) -> None:
    graph = wrapper(server, f"DESCRIBE <{BASE}id/organisation/org2>", TURTLE).queryAndConvert()
    if not isinstance(graph, Graph):
        graph = Graph().parse(data=graph, format="turtle")
    assert (URIRef(f"{BASE}id/organisation/org2"), None, None) in graph


def test_update_with_the_token(server: RunningServer) -> None:
    client = SPARQLWrapper(server.url, updateEndpoint=server.url)
    client.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    client.setMethod(POST)
    client.setQuery(f'INSERT DATA {{ <{BASE}id/thing/new> <{BASE}p> "from a client" }}')
    client.query().response.close()
    answer = wrapper(server, f'ASK {{ ?s <{BASE}p> "from a client" }}').queryAndConvert()
    assert answer["boolean"] is True


def test_writes_are_seen_by_every_web_process(server: RunningServer) -> None:
    update = f'INSERT DATA {{ <{BASE}id/thing/seen> <{BASE}p> "everywhere" }}'
    status, _, body = server.update(update, TOKEN)
    assert status == 204, body
    query = quote(f'ASK {{ ?s <{BASE}p> "everywhere" }}')
    answers = {
        json.loads(server.request("GET", f"/sparql?query={query}")[2])["boolean"] for _ in range(12)
    }
    assert answers == {True}


def test_real_build_answers_queries(built_settings: Settings) -> None:
    app = create_app(built_settings, pool_size=1)
    try:
        client = app.test_client()
        count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        answer = client.get(f"/sparql?query={quote(count)}").get_json()
        built = json.loads((built_settings.build_dir / "build.json").read_text())
        assert int(answer["results"]["bindings"][0]["n"]["value"]) <= built["quads"]
        assert client.get(f"/sparql?query={quote('ASK {}')}").get_json()["boolean"] is True
        description = Graph().parse(data=client.get("/sparql").data, format="turtle")
        assert (URIRef(built_settings.dataset_iri), None, None) in description
    finally:
        app.extensions["ldkit_store"].close()


def test_real_competency_questions_run_on_the_page(built_settings: Settings) -> None:
    app = create_app(built_settings, pool_size=1)
    try:
        client = app.test_client()
        questions = sorted(built_settings.queries_dir.glob("*.rq"))
        assert questions, "the repository's dataset has competency questions"
        for path in questions:
            response = client.get(
                f"/sparql?query={quote(path.read_text())}", headers={"Accept": "text/html"}
            )
            assert response.status_code == 200, (path.name, response.get_data(as_text=True))
            html = response.get_data(as_text=True)
            assert 'class="error"' not in html
            assert 'class="answer"' in html
    finally:
        app.extensions["ldkit_store"].close()


def test_real_answers_link_to_resource_pages(built_settings: Settings) -> None:
    app = create_app(built_settings, pool_size=1)
    try:
        query = (built_settings.queries_dir / "01-iom-founding.rq").read_text()
        response = app.test_client().get(
            f"/sparql?query={quote(query)}", headers={"Accept": "text/html"}
        )
        assert 'href="/id/organisation/iom"' in response.get_data(as_text=True)
    finally:
        app.extensions["ldkit_store"].close()
