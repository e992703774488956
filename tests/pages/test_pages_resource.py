"""Resource, home, class and search pages on a real server, asserted on their parsed HTML."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from ldkit.server.settings import Settings
from tests.helpers.pages_html import read_page
from tests.helpers.servers import BASE, RunningServer, make_build, sample_settings, sample_triples

IOM = "/id/organisation/iom"
MEETING = "/id/event/wim-excom-technical-meeting-casablanca"


@pytest.fixture(scope="module")
def server(built_settings: Settings, live_server: Callable[..., RunningServer]) -> RunningServer:
    return live_server(built_settings)


def _page(server: RunningServer, path: str, **headers: str):  # type: ignore[no-untyped-def]
    status, response, body = server.request("GET", path, headers=headers)
    assert status == 200, (path, status, body[:300])
    assert response["content-type"].startswith("text/html")
    return read_page(body), response


def test_resource_page_in_french(server: RunningServer) -> None:
    page, response = _page(server, f"{IOM}.html?_lang=fr")
    assert page.lang == "fr"
    assert page.headings[0] == (1, "Organisation internationale pour les migrations (OIM)")
    assert ("fr", "Organisation internationale pour les migrations (OIM)") in page.lang_texts
    links = dict(page.links)
    assert "/-/classes/org:FormalOrganization?_lang=fr" in links
    assert links["/-/classes/org:FormalOrganization?_lang=fr"] == "organisation formelle"
    assert "/id/organisation/iom-morocco?_lang=fr" in links  # referenced by, in French
    assert links["/id/organisation/iom-morocco?_lang=fr"] == "OIM Maroc"
    assert any(h.startswith("/id/source/") for h in links)  # the sources of its facts
    assert "date de fondation" in page.text and "1951" in page.text
    assert "Sources de ses faits" in page.text and "Cité par" in page.text
    assert "http://www.wikidata.org/entity/Q472311" in links  # external identifier, labelled
    assert links["http://www.wikidata.org/entity/Q472311"].startswith("Wikidata")
    assert links[f"{IOM}.ttl"] == "Turtle"
    assert (
        "Content-Security-Policy" in {k.title() for k in response}
        or "content-security-policy" in response
    )


def test_a_regional_language_tag_reads_as_its_language(server: RunningServer) -> None:
    # `?_lang=fr-CA` gave English where `Accept-Language: fr-CA` gave French.
    page, _ = _page(server, f"{IOM}.html?_lang=fr-CA")
    assert page.lang == "fr"
    assert page.headings[0] == (1, "Organisation internationale pour les migrations (OIM)")


def test_resource_page_language_from_accept_language(server: RunningServer) -> None:
    page, response = _page(server, f"{IOM}.html", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert page.lang == "en"
    assert page.headings[0] == (1, "International Organization for Migration (IOM)")
    assert "Accept-Language" in response["vary"]
    french, _ = _page(server, f"{IOM}.html", **{"Accept-Language": "fr-CH, fr;q=0.9"})
    assert french.lang == "fr"
    # a language we do not have falls back to the dataset's first language
    other, _ = _page(server, f"{IOM}.html", **{"Accept-Language": "de"})
    assert other.lang == "en"


def test_dates_are_written_in_the_readers_language(server: RunningServer) -> None:
    english, _ = _page(server, f"{MEETING}.html?_lang=en")
    french, _ = _page(server, f"{MEETING}.html?_lang=fr")
    assert "27 July 2016" in english.text
    assert "27 juillet 2016" in french.text


def test_headings_in_order_and_alternates(server: RunningServer) -> None:
    page, response = _page(server, f"{IOM}.html")
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    alternates = {  # the documents in other formats (the translations have `hreflang`)
        link["type"]: link["href"] for link in page.head_links if "type" in link
    }
    assert alternates["text/turtle"] == f"{IOM}.ttl"
    assert alternates["application/ld+json"] == f"{IOM}.jsonld"
    assert alternates["application/n-triples"] == f"{IOM}.nt"
    assert alternates["application/rdf+xml"] == f"{IOM}.rdf"
    assert 'rel="alternate"; type="text/turtle"' in response["link"]
    canonical = [link["href"] for link in page.head_links if link.get("rel") == "canonical"]
    assert canonical == [f"http://127.0.0.1:{server.port}{IOM}.html"]


def test_a_page_in_each_language_is_its_own_canonical_page(server: RunningServer) -> None:
    """The French page is not a copy of the English one: its canonical link is itself, it
    names its translations (`hreflang`) and says its language (`Content-Language`)."""
    origin = f"http://127.0.0.1:{server.port}"
    page, response = _page(server, f"{IOM}.html?_lang=fr")
    canonical = [link["href"] for link in page.head_links if link.get("rel") == "canonical"]
    assert canonical == [f"{origin}{IOM}.html?_lang=fr"]
    translations = {
        link["hreflang"]: link["href"] for link in page.head_links if "hreflang" in link
    }
    assert translations == {
        "fr": f"{IOM}.html?_lang=fr",
        "en": f"{IOM}.html?_lang=en",
        "x-default": f"{IOM}.html",
    }
    assert response["content-language"] == "fr"
    _, english = _page(server, f"{IOM}.html", **{"Accept-Language": "en"})
    assert english["content-language"] == "en"


def test_schema_org_json_ld(server: RunningServer, built_settings: Settings) -> None:
    page, _ = _page(server, f"{IOM}.html")
    document = page.json_ld()
    assert document["@id"] == f"{built_settings.base_iri}id/organisation/iom"
    assert "Organization" in document["@type"]
    assert "http://www.wikidata.org/entity/Q472311" in document["sameAs"]


def test_json_twin(server: RunningServer) -> None:
    status, response, body = server.request("GET", f"{IOM}.html?_format=json&_lang=fr")
    assert status == 200 and response["content-type"].startswith("application/json")
    twin = json.loads(body)
    assert twin["label"] == "Organisation internationale pour les migrations (OIM)"
    assert {t["iri"] for t in twin["types"]} >= {"https://schema.org/Organization"}
    founding = next(
        p for p in twin["properties"] if p["property"] == "https://schema.org/foundingDate"
    )
    assert founding["label"] == "date de fondation" and founding["values"][0]["value"] == "1951"
    assert twin["referenced_by"] and twin["sources"]


@pytest.mark.parametrize(
    ("twin", "page"),
    [
        (f"{IOM}.json", f"{IOM}.html"),
        (f"{IOM}.html?_format=json&_lang=fr", f"{IOM}.html?_lang=fr"),
        ("/-/classes/schema:Event?_format=json", "/-/classes/schema:Event"),
    ],
)
def test_a_json_twin_links_to_its_page_not_to_itself(
    server: RunningServer, twin: str, page: str
) -> None:
    _, response, _ = server.request("GET", twin)
    assert f'<{page}>; rel="alternate"; type="text/html"' in response["link"]
    assert 'type="application/json"' not in response["link"]
    status, headers, _ = server.request("GET", page)
    assert status == 200 and headers["content-type"].startswith("text/html")


def test_home_page(server: RunningServer) -> None:
    page, _ = _page(server, "/?_lang=en")
    assert page.headings[0][1].startswith("Climate mobility")
    links = dict(page.links)
    assert links["/-/classes/schema:Event?_lang=en"] == "event"
    assert "/id/event/wim-excom-technical-meeting-casablanca?_lang=en" in links  # featured
    assert "https://creativecommons.org/licenses/by/4.0/" in links
    assert "16" in page.text  # events, from the VoID class partition


def test_class_page_lists_instances(server: RunningServer) -> None:
    page, response = _page(server, "/-/classes/schema:Event?_lang=en")
    hrefs = page.hrefs()
    assert f"{MEETING}?_lang=en" in hrefs
    assert sum(h.startswith("/id/event/") for h in hrefs) == 16
    assert 'rel="next"' not in response["link"]


def test_search_page_and_type_ahead(server: RunningServer) -> None:
    page, _ = _page(server, "/-/search?q=casa&_lang=fr")
    assert "/id/place/casablanca?_lang=fr" in page.hrefs()
    status, response, body = server.request("GET", "/-/search.json?q=OIM%20Maroc")
    assert status == 200 and response["content-type"].startswith("application/json")
    results = json.loads(body)["results"]
    assert results[0]["url"] == "/id/organisation/iom-morocco"
    # French and English labels are both searched
    english = json.loads(server.request("GET", "/-/search.json?q=IOM%20Morocco")[2])["results"]
    assert english[0]["url"] == "/id/organisation/iom-morocco"


@pytest.mark.parametrize("typed", ["equipe speciale", "ÉQUIPE SPÉCIALE", "Equipe spéciale"])
def test_search_ignores_accents_and_case(server: RunningServer, typed: str) -> None:
    """People type French without its accents: "equipe speciale" finds "Équipe spéciale"."""
    found = json.loads(server.request("GET", f"/-/search.json?q={quote(typed)}&_lang=fr")[2])
    results = {r["url"]: r["label"] for r in found["results"]}
    assert results["/id/body/task-force-on-displacement?_lang=fr"] == (
        "Équipe spéciale sur les déplacements"
    )


def test_search_finds_the_ontologys_terms_and_links_them_to_their_section(
    server: RunningServer,
) -> None:
    found = json.loads(server.request("GET", "/-/search.json?q=pilier&_lang=fr")[2])["results"]
    term = next(r for r in found if r["iri"].endswith("ontology#pillar"))
    assert term["label"] == "pilier" and term["url"] == "/ontology?_lang=fr#pillar"
    status, _, page = server.request("GET", "/ontology.html?_lang=fr")
    assert status == 200 and b'id="pillar"' in page  # the section the link names


def test_search_text_is_never_a_pattern(server: RunningServer) -> None:
    """What is typed is searched as written: ".*" is two characters, not every label."""
    found = json.loads(server.request("GET", "/-/search.json?q=.*")[2])
    assert found["results"] == []


def test_unknown_iri_offers_a_search(server: RunningServer) -> None:
    status, _, body = server.request("GET", "/id/organisation/no-such-thing")
    assert status == 404
    page = read_page(body)
    assert "/-/search" in body.decode()
    assert "no such thing" in body.decode()  # the search field is filled with a guess
    assert page.headings[0][0] == 1


def test_ontology_documentation(server: RunningServer) -> None:
    page, _ = _page(server, "/ontology.html?_lang=fr")
    assert page.headings[0][1] == "Ontologie de la mobilité climatique"
    assert "nombre de membres" in page.text  # a label of ours
    assert "Nombre de membres" in page.text  # its definition
    assert "/-/classes/schema:Event?_lang=fr" in page.hrefs()  # instances of a class
    assert "schema:startDate" in page.text  # a SHACL constraint on events


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    settings = sample_settings(tmp_path_factory.mktemp("hostile"))
    make_build(settings.build_dir, {f"{BASE}id/graph/organisations": sample_triples(60)})
    with RunningServer(settings) as running:
        yield running


def test_hostile_literal_is_shown_as_text(hostile: RunningServer) -> None:
    status, _, body = hostile.request("GET", "/id/organisation/org0.html")
    assert status == 200
    page = read_page(body)
    assert page.headings[0] == (1, "<script>alert(1)</script>")
    scripts = [attrs for attrs, _ in page.scripts]
    assert all(a.get("type") == "application/ld+json" or a.get("src") for a in scripts)
    assert b"<script>alert" not in body
    assert page.json_ld()["name"] == "<script>alert(1)</script>"
    assert b"\\u003c/script" in body


def test_class_pages_are_paged(hostile: RunningServer, tmp_path: Path) -> None:
    status, response, body = hostile.request("GET", "/-/classes/schema:Organization")
    assert status == 200
    assert '</-/classes/schema:Organization?_page=2>; rel="next"' in response["link"]
    first = [h for h in read_page(body).hrefs() if h.startswith("/id/organisation/")]
    status, response, body = hostile.request("GET", "/-/classes/schema:Organization?_page=2")
    second = [h for h in read_page(body).hrefs() if h.startswith("/id/organisation/")]
    assert len(first) == 50 and len(second) == 10 and not set(first) & set(second)
    assert 'rel="next"' not in response["link"]
    past, _, _ = hostile.request("GET", "/-/classes/schema:Organization?_page=3")
    assert past == 404  # was an empty 200 pointing back to page 2


def test_language_parameter_goes_before_a_fragment() -> None:
    from ldkit.server.urls import with_params

    assert with_params("/ontology#serves", "fr") == "/ontology?_lang=fr#serves"
    assert with_params("/ontology#serves") == "/ontology#serves"


@pytest.mark.parametrize(
    "path", ["/", f"{IOM}.html", "/ontology.html", "/shapes.html", "/-/search"]
)
def test_parameters_named_like_the_code_s_own_are_kept_on_the_language_links(
    server: RunningServer, path: str
) -> None:
    # `?lang=` and `?path=` once collided with the link builder's arguments: a 500 on any page.
    page, _ = _page(server, f"{path}?lang=fr&path=x&page=2", Accept="text/html")
    switch = [href for href, text in page.links if text in ("English", "Français")]
    assert switch and all("&lang=fr&path=x&page=2" in href for href in switch), switch


def test_an_iri_that_is_not_http_is_shown_never_linked(
    tmp_path: Path, app_client: Callable[..., FlaskClient]
) -> None:
    settings = sample_settings(tmp_path)
    thing, hostile_iri = ox.NamedNode(f"{BASE}id/thing/x"), ox.NamedNode("javascript:alert(1)")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    triples = [
        ox.Triple(thing, label, ox.Literal("x", language="en")),
        ox.Triple(thing, ox.NamedNode("https://schema.org/url"), hostile_iri),
        ox.Triple(thing, hostile_iri, ox.Literal("v")),
    ]
    make_build(settings.build_dir, {f"{BASE}id/graph/things": triples})
    client = app_client(settings)
    query = "SELECT ?y { BIND(IRI('javascript:alert(1)') AS ?y) }"
    for path in ("/id/thing/x.html", "/sparql?query=" + quote(query)):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert "javascript:alert(1)" in html, path
        assert 'href="javascript:' not in html.lower(), path


def test_a_class_page_of_a_full_iri_links_to_itself(server: RunningServer) -> None:
    # The decoded path held the IRI's `#`: its links became `.../prov?_format=json#Entity`.
    path = "/-/classes/" + quote("http://www.w3.org/ns/prov#Entity", safe="")
    page, response = _page(server, path, Accept="text/html")
    twin = response["link"].split(";")[0].strip("<>")
    switch = [href for href, text in page.links if text in ("English", "Français")]
    for href in [twin, *switch]:
        status, _, _ = server.request("GET", href)
        assert status == 200, href
