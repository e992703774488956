"""The Graph Store HTTP Protocol at /sparql/graph: reading by conneg, writing with the token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from tests.helpers.servers import BASE, sample_settings

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXTRA = quote(BASE + "id/graph/extra", safe="")
NEW = quote(BASE + "id/graph/new", safe="")


@pytest.fixture
def client(tmp_path: Path, app_client: Callable[..., FlaskClient]) -> FlaskClient:
    return app_client(sample_settings(tmp_path, update_token=TOKEN))


@pytest.mark.parametrize(
    ("accept", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_read_a_named_graph_in_every_format(client: FlaskClient, accept: str, parser: str) -> None:
    response = client.get(f"/sparql/graph?graph={EXTRA}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    graph = Graph().parse(data=response.data, format=parser)
    assert (URIRef(BASE + "id/thing/x"), None, None) in graph
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_default_graph_is_the_stores_own(client: FlaskClient) -> None:
    response = client.get("/sparql/graph?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.data == b""


def test_unknown_graph_is_404(client: FlaskClient) -> None:
    assert client.get(f"/sparql/graph?graph={NEW}").status_code == 404


def test_graph_must_be_named_once(client: FlaskClient) -> None:
    assert client.get("/sparql/graph").status_code == 400
    assert client.get(f"/sparql/graph?default&graph={EXTRA}").status_code == 400


def test_put_post_delete_with_the_token(client: FlaskClient) -> None:
    turtle = f"<{BASE}a> <{BASE}b> 'one' ."
    created = client.put(
        f"/sparql/graph?graph={NEW}", data=turtle, content_type="text/turtle", headers=AUTH
    )
    assert created.status_code == 201
    more = f'<{BASE}a> <{BASE}b> "two" .\n'
    added = client.post(
        f"/sparql/graph?graph={NEW}", data=more, content_type="application/n-triples", headers=AUTH
    )
    assert added.status_code == 204
    read = client.get(f"/sparql/graph?graph={NEW}", headers={"Accept": "application/n-triples"})
    assert len(read.data.splitlines()) == 2
    replaced = client.put(
        f"/sparql/graph?graph={NEW}", data=turtle, content_type="text/turtle", headers=AUTH
    )
    assert replaced.status_code == 204
    read = client.get(f"/sparql/graph?graph={NEW}", headers={"Accept": "application/n-triples"})
    assert len(read.data.splitlines()) == 1
    assert client.delete(f"/sparql/graph?graph={NEW}", headers=AUTH).status_code == 204
    assert client.get(f"/sparql/graph?graph={NEW}").status_code == 404


def test_unsupported_body_type_is_415_and_bad_syntax_400(client: FlaskClient) -> None:
    assert (
        client.put(
            f"/sparql/graph?graph={NEW}", data="x", content_type="image/png", headers=AUTH
        ).status_code
        == 415
    )
    assert (
        client.put(
            f"/sparql/graph?graph={NEW}", data="<a> <b", content_type="text/turtle", headers=AUTH
        ).status_code
        == 400
    )
    assert client.get(f"/sparql/graph?graph={NEW}").status_code == 404


def test_read_is_conditional(client: FlaskClient) -> None:
    first = client.get(f"/sparql/graph?graph={EXTRA}")
    again = client.get(
        f"/sparql/graph?graph={EXTRA}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
