"""Shapes published: the dump and its distribution, `/shapes`, and what an instance must have."""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, SH, VOID

from ldkit.server.settings import Settings, load_settings
from ldkit.server.urls import query_url
from tests.helpers.pages_html import Page, read_page
from tests.helpers.paths import FIXTURES, ROOT
from tests.helpers.servers import RunningServer
from tests.helpers.support import assert_same_graph, run_cli

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_DOCUMENTS = [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")]


@pytest.fixture(scope="module")
def server(built_settings: Settings, live_server: Callable[..., RunningServer]) -> RunningServer:
    return live_server(built_settings)


@pytest.fixture
def cases(tmp_path: Path, app_client: Callable[..., FlaskClient]) -> FlaskClient:
    """The mini folder with the shapes the shipped ones lack (objects-of, warnings, paths...)."""
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", folder)
    shutil.copy(FIXTURES / "shapes-cases" / "more-shapes.ttl", folder / "shapes")
    result = run_cli(folder, "build")
    assert result.exit_code == 0, result.output
    return app_client(load_settings(folder))


def _shipped_shapes() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _page(server: RunningServer, path: str) -> tuple[Page, str]:
    status, _, body = server.request("GET", path)
    assert status == 200, (path, status)
    return read_page(body), body.decode()


def _cases_page(client: FlaskClient, path: str) -> tuple[Page, str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return read_page(response.data), response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "where"),
    [
        (BROWSER, "/shapes.html"),
        ("text/turtle", "/shapes.ttl"),
        ("application/ld+json", "/shapes.jsonld"),
        ("application/n-triples", "/shapes.nt"),
        ("application/rdf+xml", "/shapes.rdf"),
        ("application/json", "/shapes.json"),
    ],
)
def test_shapes_answer_303_by_negotiation(server: RunningServer, accept: str, where: str) -> None:
    status, headers, _ = server.request("GET", "/shapes", headers={"Accept": accept})
    assert status == 303
    assert headers["location"] == where
    assert "Accept" in headers.get("vary", "")


@pytest.mark.parametrize(("extension", "rdflib_format"), RDF_DOCUMENTS)
def test_every_rdf_document_is_the_shapes_of_the_folder(
    server: RunningServer, extension: str, rdflib_format: str
) -> None:
    status, _, body = server.request("GET", f"/shapes.{extension}")
    assert status == 200
    assert_same_graph(Graph().parse(data=body, format=rdflib_format), _shipped_shapes())


def test_the_turtle_uses_the_declared_prefixes(server: RunningServer) -> None:
    _, _, body = server.request("GET", "/shapes.ttl")
    text = body.decode()
    assert "@prefix cmsh: <https://w3id.org/climate-mobility/shapes#>" in text
    assert "@prefix cm: <https://w3id.org/climate-mobility/ontology#>" in text
    assert "cmsh:EventShape a sh:NodeShape" in text


def test_the_dump_is_listed_as_the_shacl_distribution(built_settings: Settings) -> None:
    dump = built_settings.build_dir / "dumps" / "shapes.ttl.gz"
    assert_same_graph(
        Graph().parse(data=gzip.decompress(dump.read_bytes()), format="turtle"), _shipped_shapes()
    )
    void = Graph().parse(built_settings.build_dir / "void.ttl")
    dataset = URIRef(built_settings.dataset_iri)
    shapes = [
        d
        for d in void.objects(dataset, DCAT.distribution)
        if (d, DCTERMS.conformsTo, URIRef(SH)) in void
    ]
    urls = {str(void.value(d, DCAT.downloadURL)).rsplit("/", 1)[1] for d in shapes}
    assert urls == {"shapes.ttl.gz", "shapes.nt.gz", "shapes.jsonld.gz", "shapes.rdf.gz"}
    assert "SHACL" in str(void.value(shapes[0], DCTERMS.title))
    data_dumps = {str(u).rsplit("/", 1)[1] for u in void.objects(dataset, VOID.dataDump)}
    assert not any(name.startswith("shapes.") for name in data_dumps)  # not a dump of the data


def test_the_store_holds_no_shacl_triple(server: RunningServer) -> None:
    ask = (
        "ASK { { ?s ?p ?o FILTER(STRSTARTS(STR(?p), 'http://www.w3.org/ns/shacl#')) }"
        " UNION { ?s a ?c FILTER(STRSTARTS(STR(?c), 'http://www.w3.org/ns/shacl#')) } }"
    )
    status, _, body = server.request(
        "GET", query_url(ask), headers={"Accept": "application/sparql-results+json"}
    )
    assert status == 200
    assert b'"boolean":false' in body.replace(b" ", b"")


def test_the_shapes_page_lists_shapes_by_target(server: RunningServer) -> None:
    page, _ = _page(server, "/shapes.html?_lang=en")
    assert (3, "cmsh:EventShape · Event") in page.headings
    assert "#EventShape" in page.hrefs()  # the index, by target
    assert "things with the property skos:exactMatch" in page.text  # cmsh:ExternalLinkShape
    assert "The end date {?end} of {$this} is before its start date {?start}." in page.text
    assert "^skos:inScheme|^skos:topConceptOf" in page.text  # an alternative of inverse paths
    assert "sh:or ( [ sh:path schema:value ; sh:minCount 1 ]" in page.text  # node-level sh:or
    assert "/shapes?_lang=en" in page.hrefs()  # the site's navigation


def test_the_shapes_page_speaks_the_readers_language(server: RunningServer) -> None:
    page, _ = _page(server, "/shapes.html?_lang=fr")
    assert "La date de fin {?end} de {$this} est antérieure à sa date de début {?start}." in (
        page.text
    )
    assert "Formes SHACL des données" in page.text


def test_a_class_page_shows_the_constraints_inherited_from_a_superclass(
    server: RunningServer,
) -> None:
    page, _ = _page(server, "/-/classes/schema:Legislation?_lang=en")
    assert "What an instance must have" in page.text
    assert "Inherited from schema:CreativeWork" in page.text
    assert "schema:inLanguage is at most one two-letter language code (fr, en)." in page.text
    assert "{$this} is a COP decision" in page.text  # its own SPARQL constraint
    assert "Violation" in page.text
    assert "Things with property skos:exactMatch must" in page.text  # one has a skos:exactMatch


def test_a_complex_path_is_written_as_a_sparql_path(server: RunningServer) -> None:
    page, _ = _page(server, "/-/classes/org:OrganizationalCollaboration?_lang=en")
    assert "^org:memberOf" in page.text
    assert "(path)" not in page.text


def test_the_ontology_page_shows_what_an_instance_must_have(server: RunningServer) -> None:
    status, _, body = server.request("GET", "/ontology.json?_lang=en")
    assert status == 200
    terms = {t["iri"]: t for t in json.loads(body)["terms"]}
    legislation = terms["https://schema.org/Legislation"]["constraints"]
    inherited = [r for r in legislation if r["inherited"]]
    assert inherited[0]["target"]["text"] == "schema:CreativeWork"
    exact_match = terms["http://www.w3.org/2004/02/skos/core#exactMatch"]["constraints"]
    assert exact_match[0]["shape"] == "cmsh:ExternalLinkShape"
    page, _ = _page(server, "/ontology.html?_lang=en")
    assert "Inherited from schema:CreativeWork" in page.text


def test_objects_of_targets_severities_and_paths(cases: FlaskClient) -> None:
    page, _ = _cases_page(cases, "/-/classes/schema:Place?_lang=en")
    assert "Values of property schema:location must" in page.text
    assert "Things with property schema:sameAs must" in page.text
    assert "Warning" in page.text and "Info" in page.text and "Violation" in page.text
    assert "schema:containedInPlace/schema:containedInPlace*" in page.text  # a sequence, a `*`
    assert "(^schema:sameAs)+" in page.text
    page, _ = _cases_page(cases, "/-/classes/schema:MeetingEvent?_lang=fr")
    assert "Hérité de schema:Event" in page.text
    assert "The event ends before it starts." in page.text  # no French: the fallback


def test_node_targets_and_node_level_constraints(cases: FlaskClient) -> None:
    page, _ = _cases_page(cases, "/shapes.html")
    assert "the node <https://example.org/mini/id/place/casablanca>" in page.text
    assert "sh:not [ sh:class schema:Event ]" in page.text
    assert "sh:xone ( [ sh:class schema:Place ] [ sh:class schema:Person ] )" in page.text
    assert "sh:closed false" in page.text


def test_literals_are_escaped_in_html(cases: FlaskClient) -> None:
    page, body = _cases_page(cases, "/shapes.html")
    assert 'A <b>location</b> & its "place" is a schema:Place.' in page.text
    assert "&lt;b&gt;location&lt;/b&gt; &amp; its &#34;place&#34;" in body
    assert "<b>location" not in body


def test_every_shape_has_its_own_section_and_every_link_finds_it(cases: FlaskClient) -> None:
    _, body = _cases_page(cases, "/shapes.html?_lang=en")
    found = re.findall(r'<section class="shape" id="([^"]+)".*?<code>([^<]+)</code>', body, re.S)
    sections = {anchor: html.unescape(name) for anchor, name in found}
    assert len(sections) == len(found)  # no two sections share an id
    other = "<https://example.org/other/shapes#EventShape>"
    assert sections["EventShape"] == ":EventShape"  # own shapes: the IRI's fragment
    assert sections["shape1"] == ":shape1"
    assert sorted(n for a, n in sections.items() if a.startswith("shape-")) == [other, "_:shape1"]
    index = set(re.findall(r'href="#([^"]+)"', body)) - {"main"}
    assert index == set(sections)
    _, place = _cases_page(cases, "/-/classes/schema:Place?_lang=en")
    links = re.findall(r'href="/shapes\?_lang=en#([^"]+)">([^<]+)<', place)
    assert {name for _, name in links} >= {":shape1", "_:shape1"}
    assert all(sections[anchor] == html.unescape(name) for anchor, name in links)
