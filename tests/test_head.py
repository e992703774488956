"""HEAD follows GET everywhere: the same status and headers, no body, no side effect (issue 14).

HEAD on the Graph Store was handled as a write: 403 where GET answered 200, and with the token
a HEAD on a new graph answered 201 and created it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from ldkit.server.settings import Settings
from tests.helpers.servers import BASE, sample_settings

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COMPARED = ("Content-Type", "ETag", "Vary", "Location", "Cache-Control", "Content-Location")


def assert_head_mirrors_get(client: FlaskClient, path: str, headers: dict[str, str]) -> None:
    with client.head(path, headers=headers) as head, client.get(path, headers=headers) as get:
        assert head.status_code == get.status_code, path
        assert head.data == b"", path
        for name in COMPARED:
            assert head.headers.get(name) == get.headers.get(name), (path, name)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/id/place/casablanca",
        "/id/place/casablanca.ttl",
        "/id/nothing/here",
        "/ontology",
        "/.well-known/void",
        "/dumps/dataset.ttl.gz",
        "/-/search?q=OIM",
        "/-/timeline",
        "/-/organisations",
        "/sparql",
        "/sparql?query=" + quote("ASK { ?s ?p ?o }"),
        "/sparql?query=" + quote("ASK {"),
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "*/*"])
def test_head_mirrors_get_on_every_kind_of_page(
    built_settings: Settings, app_client: Callable[..., FlaskClient], path: str, accept: str
) -> None:
    assert_head_mirrors_get(app_client(built_settings), path, {"Accept": accept})


@pytest.fixture
def writable(tmp_path: Path, app_client: Callable[..., FlaskClient]) -> FlaskClient:
    return app_client(sample_settings(tmp_path, update_token=TOKEN))


@pytest.mark.parametrize(
    "target", ["default", "graph=" + quote(BASE + "id/graph/extra", safe=""), "", "default&x=1"]
)
@pytest.mark.parametrize("headers", [{}, AUTH], ids=["anonymous", "with-token"])
def test_head_on_the_graph_store_is_a_read(
    writable: FlaskClient, target: str, headers: dict[str, str]
) -> None:
    assert_head_mirrors_get(writable, f"/sparql/graph?{target}", headers)


def test_head_on_a_new_graph_creates_nothing(writable: FlaskClient) -> None:
    path = "/sparql/graph?graph=" + quote(BASE + "id/graph/new", safe="")
    assert writable.head(path, headers=AUTH).status_code == 404
    assert writable.get(path).status_code == 404
