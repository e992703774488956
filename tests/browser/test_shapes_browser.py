"""The shapes page in a real browser (Chromium): reached from the navigation, a shape and its
constraints, and the way from a class's shape to the shape's section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from ldkit.server.settings import Settings
from tests.helpers.servers import RunningServer


@pytest.fixture(scope="module")
def server(built_settings: Settings, live_server: Callable[..., RunningServer]) -> RunningServer:
    return live_server(built_settings)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()


def test_the_shapes_page_shows_a_shape_and_its_constraints(
    server: RunningServer, page: Page
) -> None:
    page.goto(f"http://127.0.0.1:{server.port}/")
    page.click("header.site nav a:text-is('Shapes')")
    assert page.url.endswith("/shapes.html")  # the 303 of the shapes' IRI
    event = page.locator("section.shape#EventShape")
    assert event.locator("h3").inner_text() == "cmsh:EventShape · Event"
    assert "instances of schema:Event" in event.locator("p.targets").inner_text()
    end_date = event.locator("li.constraint.sparql")
    assert "is before its start date" in end_date.inner_text()
    assert end_date.locator("span.severity").inner_text() == "Violation"
    page.click("nav.toc a[href='#ConceptSchemeShape']")
    assert page.url.endswith("#ConceptSchemeShape")
    path = page.locator("section#ConceptSchemeShape code.path").first.inner_text()
    assert path == "^skos:inScheme|^skos:topConceptOf"


def test_a_class_page_links_its_shapes_to_the_shapes_page(
    server: RunningServer, page: Page
) -> None:
    page.goto(f"http://127.0.0.1:{server.port}/-/classes/schema:Legislation")
    requirements = page.locator("section.requirements")
    assert "Inherited from schema:CreativeWork" in requirements.inner_text()
    page.click("section.requirements a:text-is('cmsh:CreativeWorkShape')")
    assert page.url.endswith("/shapes.html#CreativeWorkShape")  # the 303 keeps the fragment
    assert page.locator("section#CreativeWorkShape").is_visible()


def test_the_ontology_page_follows_its_hierarchy_and_shows_what_events_must_have(
    server: RunningServer, page: Page
) -> None:
    page.goto(f"http://127.0.0.1:{server.port}/")
    page.click("header.site nav a:text-is('Ontology')")
    assert page.url.endswith("/ontology.html")
    assert page.locator("h1").inner_text() == "Climate-mobility ontology"
    assert "Version" in page.locator("dl#metadata").inner_text()
    member = page.locator("section.term#memberCount")
    member.locator("dd a:text-is('count')").click()  # "Subproperty of: count"
    assert page.url.endswith("#count")
    assert page.locator("section.term#count h3").inner_text() == "count"
    assert page.locator("section#diagram svg a.node").count() >= 5
    event = page.locator("details.term.reused[id='term-https_3A_2F_2Fschema.org_2FEvent']")
    event.locator("summary").first.click()  # reused terms are short until opened
    assert "What an instance must have" in event.inner_text()
    assert "schema:startDate" in event.inner_text()
    page.goto(f"http://127.0.0.1:{server.port}/ontology/0.1.0")
    assert page.url.endswith("/ontology/0.1.0.html")  # a release's own document
    assert "This is release 0.1.0" in page.locator("#old-release").inner_text()
