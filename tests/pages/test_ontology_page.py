"""The ontology's documentation (issue 12): what a maintainer can cite and a reader can follow,
in one language at a time, and RDF that holds only what the ontology states."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from ldkit.server.settings import Settings
from tests.helpers.pages_html import Page, read_page
from tests.helpers.paths import ROOT
from tests.helpers.support import assert_same_graph

CM = "https://w3id.org/climate-mobility/ontology#"


@pytest.fixture(scope="module")
def client(built_settings: Settings) -> Iterator[FlaskClient]:
    from ldkit.server.app import create_app

    app = create_app(built_settings, pool_size=1)
    yield app.test_client()
    app.extensions["ldkit_store"].close()


def page(client: FlaskClient, path: str) -> tuple[Page, str]:
    response = client.get(path)
    assert response.status_code == 200, path
    text = response.get_data(as_text=True)
    return read_page(text), text


def section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_the_metadata_block_says_what_to_cite(client: FlaskClient) -> None:
    _, html = page(client, "/ontology.html?_lang=en")
    block = html.split('id="metadata"', 1)[1].split("</dl>", 1)[0]
    for shown in (
        "0.1.0",  # versionInfo
        "https://w3id.org/climate-mobility/ontology/0.1.0",  # version IRI
        "29 November 2026",  # issued, created, modified
        "https://creativecommons.org/licenses/by/4.0/",
        "ldkit contributors",
        "<code>cm:</code>",
        "https://w3id.org/climate-mobility/ontology#",
        "ldkit contributors. (2026). Climate-mobility ontology. Version 0.1.0.",  # the citation
    ):
        assert shown in block, shown


def test_own_terms_come_first_by_kind_and_reused_terms_apart(client: FlaskClient) -> None:
    _, html = page(client, "/ontology.html?_lang=en")
    anchors = ("section-object", "memberCount", "section-datatype", "asOf", "reused")
    order = [html.index(f'id="{a}"') for a in anchors]
    assert order == sorted(order)  # object properties, then datatype properties, then reused
    reused = html.split('id="reused"', 1)[1]
    assert "https://schema.org/Event" in reused and 'id="memberCount"' not in reused


def test_hierarchy_domain_and_range_are_links_within_the_page(client: FlaskClient) -> None:
    _, html = page(client, "/ontology.html?_lang=en")
    member = section(html, "memberCount")
    assert "Subproperty of" in member and 'href="#count"' in member
    assert "Superproperty of" in section(html, "count")
    event = html.split('id="term-https_3A_2F_2Fschema.org_2FEvent"', 1)[1].split("</details>")[0]
    assert "In the domain of" in event and 'href="#participantCount"' in event
    assert "/id/event/" in event  # a few instances from the data, as examples


def test_one_language_at_a_time(client: FlaskClient) -> None:
    english, _ = page(client, "/ontology.html?_lang=en")
    french, _ = page(client, "/ontology.html?_lang=fr")
    assert ("h3", "member count") in [(t, x) for t, x in _headings(english)]
    assert ("h3", "nombre de membres") in [(t, x) for t, x in _headings(french)]
    assert not any(x == "nombre de membres" for _, x in _headings(english))
    assert french.headings[0][1] == "Ontologie de la mobilité climatique"


def _headings(p: Page) -> list[tuple[str, str]]:
    return [(f"h{level}", text) for level, text in p.headings]


def test_the_class_diagram_has_a_text_alternative(client: FlaskClient) -> None:
    _, html = page(client, "/ontology.html?_lang=en")
    diagram = section(html, "diagram")
    assert "<svg" in diagram and 'aria-describedby="class-diagram-summary"' in diagram
    rows = diagram.split("<tbody>", 1)[1]
    assert "participant count" in rows and "quantitative value" in rows


def test_the_rdf_is_what_the_ontology_states_with_its_prefixes(client: FlaskClient) -> None:
    response = client.get("/ontology.ttl")
    assert b"@prefix cm: <https://w3id.org/climate-mobility/ontology#>" in response.data
    served = Graph().parse(data=response.data, format="turtle")
    assert (URIRef("https://schema.org/Event"), RDF.type, OWL.Class) not in served  # no stubs
    stated = Graph().parse(ROOT / "ontology" / "climate-mobility.ttl")
    assert_same_graph(served, stated)


def test_releases_are_listed(client: FlaskClient) -> None:
    _, html = page(client, "/ontology.html?_lang=en")
    assert '"/ontology/0.1.0.html?_lang=en"' in section(html, "releases")
    assert client.get("/ontology/0.1.0.ttl").status_code == 200


def test_the_changelog_is_shown_with_every_text_escaped() -> None:
    from ldkit.server.pages import ontology

    markdown = "- **term added** `<script>x</script>` — <b>bold</b>"
    html = ontology.changelog_html(markdown)
    assert (
        "<script>" not in html
        and "&lt;script&gt;" in html
        and "<strong>term added</strong>" in html
    )


@pytest.mark.parametrize(
    "lang, one", [("en", ("1 instance<", "1 triple<")), ("fr", ("1 instance<", "1 triplet<"))]
)
def test_a_count_of_one_is_singular(client: FlaskClient, lang: str, one: tuple[str, ...]) -> None:
    _, html = page(client, f"/ontology.html?_lang={lang}")
    assert all(words in html for words in one), "the shipped ontology has such terms"
    assert not re.search(r"(?<![\d,.])1 (instances|triples|triplets)<", html)
