"""The "referenced by" list of a thing more things point at than its RDF holds."""

from __future__ import annotations

import json
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from ldkit.server.pages.describe import INCOMING_IN_RDF
from ldkit.server.pages.resource_view import INCOMING_PAGE
from tests.helpers.pages_html import read_page
from tests.helpers.servers import BASE, RunningServer, make_build, sample_settings

SCHEMA = "https://schema.org/"
MANY = INCOMING_IN_RDF + 60
HUB = f"{BASE}id/thing/hub"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., RunningServer]
) -> RunningServer:
    settings = sample_settings(tmp_path_factory.mktemp("hub"))
    hub, about, name = (ox.NamedNode(i) for i in (HUB, f"{SCHEMA}about", f"{SCHEMA}name"))
    triples = [ox.Triple(hub, name, ox.Literal("Hub", language="en"))]
    for n in range(MANY):
        thing = ox.NamedNode(f"{BASE}id/thing/t{n:04d}")
        triples += [
            ox.Triple(thing, about, hub),
            ox.Triple(thing, name, ox.Literal(f"Thing {n}", language="en")),
        ]
    mentions = ox.NamedNode(f"{SCHEMA}mentions")
    triples += [ox.Triple(ox.NamedNode(f"{BASE}id/thing/m{n}"), mentions, hub) for n in range(3)]
    make_build(settings.build_dir, {f"{BASE}id/graph/hub": triples})
    return live_server(settings)


def _groups(server: RunningServer, page: int) -> dict[str, dict]:  # type: ignore[type-arg]
    status, _, body = server.request("GET", f"/id/thing/hub.json?_page={page}")
    assert status == 200
    return {g["property"]: g for g in json.loads(body)["referenced_by"]}


def test_every_incoming_link_is_counted_and_on_exactly_one_page(server: RunningServer) -> None:
    pages = -(-MANY // INCOMING_PAGE)
    seen: list[str] = []
    for number in range(1, pages + 1):
        groups = _groups(server, number)
        about = groups[f"{SCHEMA}about"]
        assert about["count"] == MANY
        things = about["things"]
        assert len(things) == (INCOMING_PAGE if number < pages else MANY % INCOMING_PAGE)
        assert all(t["value"].startswith("Thing ") for t in things)  # labelled
        seen += [t["iri"] for t in things]
        mentions = groups[f"{SCHEMA}mentions"]
        assert mentions["count"] == 3
        assert len(mentions["things"]) == (3 if number == 1 else 0)
    assert len(seen) == len(set(seen)) == MANY


def test_the_page_links_to_the_next_page(server: RunningServer) -> None:
    status, _, body = server.request("GET", "/id/thing/hub.html")
    assert status == 200
    page = read_page(body)
    assert "/id/thing/hub.html?_page=2" in page.hrefs()
    assert f"({MANY})" in page.text
