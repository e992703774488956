"""The timeline and the diagram of organisations on a real server, asserted on their parsed SVG."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest

from ldkit.server.messages import text
from ldkit.server.settings import Settings
from tests.helpers.pages_html import read_page
from tests.helpers.servers import (
    BASE,
    RDF_TYPE,
    RunningServer,
    make_build,
    sample_settings,
    sample_triples,
)

SVG = "{http://www.w3.org/2000/svg}"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def server(built_settings: Settings, live_server: Callable[..., RunningServer]) -> RunningServer:
    return live_server(built_settings)


def _get(server: RunningServer, path: str) -> tuple[bytes, dict[str, str]]:
    status, response, body = server.request("GET", path)
    assert status == 200, (path, status, body[:300])
    return body, response


def _svg(body: bytes, kind: str) -> ET.Element:
    """The page's SVG picture of class `kind`, parsed as XML (it must be well-formed)."""
    found = re.search(rb'<svg class="' + kind.encode() + rb'".*?</svg>', body, re.DOTALL)
    assert found, f"no {kind} picture"
    return ET.fromstring(found.group(0))


def _text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _child(element: ET.Element, tag: str) -> ET.Element:
    found = element.find(f"{SVG}{tag}")
    assert found is not None, tag
    return found


def _events(svg: ET.Element) -> list[ET.Element]:
    return [a for a in svg.iter(f"{SVG}a") if "event" in a.get("class", "").split()]


def test_every_dated_event_is_on_the_timeline_in_date_order(
    server: RunningServer, built_settings: Settings, kg_store: ox.Store
) -> None:
    rows = kg_store.query(
        "SELECT DISTINCT ?e WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
        f" <{SCHEMA}Event> . ?e a ?c ; <{SCHEMA}startDate> ?d }}",
        use_default_graph_as_union=True,
    )
    assert isinstance(rows, ox.QuerySolutions)
    dated = {row["e"].value for row in rows}
    assert len(dated) >= 9
    body, _ = _get(server, "/-/timeline?_lang=fr")
    events = _events(_svg(body, "timeline"))
    shown = [a.get("data-iri") for a in events]
    assert dated <= set(shown)
    assert len(shown) == len(set(shown))
    starts = [a.get("data-start") or "" for a in events]
    assert starts == sorted(starts)  # ISO dates (and months, years) sort as text
    base = built_settings.base_iri
    for a in events:
        iri = a.get("data-iri") or ""
        assert a.get("href") == "/" + iri.removeprefix(base) + "?_lang=fr"
    # the plain list says the same, in the same order, with the same links
    page = read_page(body)
    listed = [h for h in page.hrefs() if h.startswith("/id/event/")]
    assert listed == 2 * [a.get("href") for a in events]  # the picture's links, the list's


@pytest.mark.parametrize(
    ("lang", "cop21", "meeting", "date"),
    [
        (
            "fr",
            "COP21 (21e session de la Conférence des Parties)",
            "Réunion technique du Comité exécutif du Mécanisme international de Varsovie",
            "27 juillet 2016",
        ),
        (
            "en",
            "COP21 (21st session of the Conference of the Parties)",
            "Technical meeting of the Executive Committee of the Warsaw International Mechanism",
            "27 July 2016",
        ),
    ],
)
def test_timeline_labels_and_dates_in_the_readers_language(
    server: RunningServer, lang: str, cop21: str, meeting: str, date: str
) -> None:
    body, response = _get(server, f"/-/timeline?_lang={lang}")
    page = read_page(body)
    assert page.lang == lang
    titles = {a.get("data-iri", "").rsplit("/", 1)[-1]: a for a in _events(_svg(body, "timeline"))}
    cop = titles["cop21"]
    title = cop.find(f"{SVG}title")
    assert title is not None and _text(title).startswith(cop21)
    assert title.get("lang") == lang
    assert cop.get("data-start") == "2015-11-30"
    technical = titles["wim-excom-technical-meeting-casablanca"]
    assert _text(technical).startswith(meeting)
    assert date in page.text  # the list fallback writes dates in words
    links = dict(page.links)
    assert links[f"/id/event/cop21?_lang={lang}"] == cop21
    assert "Content-Security-Policy" in {k.title() for k in response}


def test_diagram_holds_the_relations_of_the_bodies(server: RunningServer) -> None:
    body, _ = _get(server, "/-/organisations?_lang=fr")
    svg = _svg(body, "diagram")
    edges = {
        (
            (g.get("data-from") or "").rsplit("/", 1)[-1],
            (g.get("data-to") or "").rsplit("/", 1)[-1],
        ): _text(_child(g, "text"))
        for g in svg.iter(f"{SVG}g")
        if "edge" in g.get("class", "").split()
    }
    assert edges[("wim-excom", "wim")] == "unité de"
    assert edges[("wim", "cop")] == "unité de"
    assert edges[("cop", "unfccc")] == "unité de"
    assert edges[("wim-excom", "unfccc")] == "lié à"
    assert edges[("task-force-on-displacement", "wim-excom")] == "unité de"
    assert edges[("iom", "un-system")] == "membre de"  # by org:memberOf
    nodes = {(a.get("href") or ""): _text(_child(a, "title")) for a in svg.iter(f"{SVG}a")}
    assert nodes["/id/body/wim-excom?_lang=fr"].startswith("Comité exécutif")
    assert nodes["/id/body/unfccc?_lang=fr"].startswith("Convention-cadre")
    # a whole is drawn above its parts
    boxes = {
        (a.get("data-iri") or "").rsplit("/", 1)[-1]: float(_child(a, "rect").get("y", "0"))
        for a in svg.iter(f"{SVG}a")
    }
    assert boxes["unfccc"] < boxes["cop"] < boxes["wim"] < boxes["wim-excom"]
    # the table says the same in words
    page = read_page(body)
    assert "unité de" in page.text
    assert "/id/body/wim?_lang=fr" in page.hrefs()


def test_diagram_layout_is_deterministic(server: RunningServer) -> None:
    first, _ = _get(server, "/-/organisations?_lang=en&_x=1")
    second, _ = _get(server, "/-/organisations?_lang=en&_x=2")
    assert _svg(first, "diagram") is not None
    assert re.sub(rb"_x=\d", b"", first) == re.sub(rb"_x=\d", b"", second)


def test_json_twins(server: RunningServer, built_settings: Settings) -> None:
    body, response = _get(server, "/-/timeline?_format=json&_lang=en")
    assert response["content-type"].startswith("application/json")
    events = json.loads(body)["events"]
    cop21 = next(e for e in events if e["iri"].endswith("/event/cop21"))
    assert cop21["value"].startswith("COP21 (21st session")
    assert cop21["start"] == "2015-11-30" and cop21["start_text"] == "30 November 2015"
    assert [e["start"] for e in events] == sorted(e["start"] for e in events)
    body, _ = _get(server, "/-/organisations?_format=json&_lang=en")
    twin = json.loads(body)
    body_iri = f"{built_settings.base_iri}id/body/"
    assert {
        "from": f"{body_iri}wim-excom",
        "to": f"{body_iri}wim",
        "property": f"{ORG}unitOf",
        "label": "unit of",
    } in twin["relations"]
    assert any(o["iri"] == f"{body_iri}unfccc" for o in twin["organisations"])


def test_pictures_are_linked_and_follow_the_policy(server: RunningServer) -> None:
    home, _ = _get(server, "/?_lang=fr")
    hrefs = read_page(home).hrefs()
    assert hrefs.count("/-/timeline?_lang=fr") >= 2  # the navigation and the home page
    assert hrefs.count("/-/organisations?_lang=fr") >= 2
    for path in ("/-/timeline", "/-/organisations"):
        body, response = _get(server, path)
        assert b" style=" not in body and b"<style" not in body  # the CSP blocks inline styles
        page = read_page(body)
        assert not page.scripts  # no script at all
        levels = [level for level, _ in page.headings]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
        assert "default-src 'none'" in response["content-security-policy"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    settings = sample_settings(tmp_path_factory.mktemp("hostile-pictures"))
    event = ox.NamedNode(f"{BASE}id/event/e0")
    unit_of = ox.NamedNode(f"{ORG}unitOf")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    xsd_date = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
    orgs = [ox.NamedNode(f"{BASE}id/organisation/org{n}") for n in range(2)]
    extra = [
        ox.Triple(event, ox.NamedNode(RDF_TYPE), ox.NamedNode(f"{SCHEMA}Event")),
        ox.Triple(event, label, ox.Literal(HOSTILE, language="en")),
        ox.Triple(
            event, ox.NamedNode(f"{SCHEMA}startDate"), ox.Literal("2020-01-02", datatype=xsd_date)
        ),
        ox.Triple(orgs[1], unit_of, orgs[0]),
        ox.Triple(unit_of, label, ox.Literal('"><b>unit</b>', language="en")),
    ]
    make_build(
        settings.build_dir,
        {f"{BASE}id/graph/organisations": [*sample_triples(2), *extra]},
    )
    with RunningServer(settings) as running:
        yield running


def test_hostile_labels_are_escaped(hostile: RunningServer) -> None:
    body, _ = _get(hostile, "/-/timeline")
    assert b"<script>alert" not in body and b"<b>unit" not in body
    events = _events(_svg(body, "timeline"))
    assert [_text(_child(e, "title")) for e in events] == [f"{HOSTILE} (2 January 2020)"]
    assert read_page(body).links[-1] == ("/id/event/e0", HOSTILE)
    body, _ = _get(hostile, "/-/organisations")
    assert b"<script>alert" not in body and b"<b>unit" not in body
    svg = _svg(body, "diagram")
    edge = next(g for g in svg.iter(f"{SVG}g") if "edge" in g.get("class", "").split())
    assert _text(_child(edge, "text")) == '"><b>unit</b>'
    assert HOSTILE in _text(svg)


def test_a_timeline_of_one_event_reads_in_the_singular() -> None:
    one = text("timeline_summary", "en", n=1, first="27 July 2016", last="27 July 2016")
    assert one == "1 event, on 27 July 2016."  # was "1 events from 27 July 2016 to 27 July 2016"
    assert text("timeline_summary", "fr", n=2, first="a", last="b").startswith("2 événements du a")
