"""The pages in a real browser (Chromium): home, search, a resource, language, links, query page.

They fail, not skip, when Chromium is missing (`make test` installs it).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser

from ldkit.server.settings import Settings
from tests.helpers.servers import RunningServer


@pytest.fixture(scope="module")
def server(built_settings: Settings, live_server: Callable[..., RunningServer]) -> RunningServer:
    return live_server(built_settings)


def _root(server: RunningServer) -> str:
    return f"http://127.0.0.1:{server.port}"


@pytest.mark.parametrize("javascript", [False, True])
def test_home_search_resource_language_and_links(
    server: RunningServer, browser: Browser, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.goto(_root(server) + "/")
    assert page.locator("h1").inner_text().startswith("Climate mobility")
    page.fill("input#q", "Casablanca")
    if javascript:  # type-ahead lists the matches as links
        page.wait_for_selector("#suggestions a")
    page.click("form.search button[type=submit]")
    page.wait_for_selector("ul.results")
    page.click("ul.results a[href^='/id/place/casablanca']")
    assert page.url.endswith("/id/place/casablanca.html")  # the 303 from the thing's IRI
    assert page.locator("h1").inner_text() == "Casablanca"
    page.click("nav.languages a[hreflang=fr]")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Propriétés" in page.locator("main").inner_text()
    # follow a link to what points at Casablanca: the links keep the language
    page.click("section[aria-labelledby=h-incoming] a.local >> nth=0")
    assert "_lang=fr" in page.url
    assert page.locator("html").get_attribute("lang") == "fr"
    assert not problems, problems  # no CSP violation, no script error
    context.close()


def test_run_an_example_on_the_query_page(server: RunningServer, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(_root(server) + "/")
    page.click("text=SPARQL")
    page.click("section.examples a >> nth=0")
    page.wait_for_selector("section.answer table")
    assert page.locator("section.answer tbody tr").count() >= 1
    context.close()


def test_pictures_draw_without_csp_violations(server: RunningServer, browser: Browser) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.goto(_root(server) + "/-/organisations?_lang=fr")
    box = page.locator("svg.diagram a.node rect").first.bounding_box()
    assert box and box["width"] > 50  # drawn, styled by the stylesheet
    page.goto(_root(server) + "/-/timeline?_lang=fr")
    page.click("svg.timeline a.event[data-iri$='/event/cop21']")
    assert page.url.endswith("/id/event/cop21.html?_lang=fr")
    assert page.locator("h1").inner_text().startswith("COP21")
    assert not problems, problems  # no CSP violation
    context.close()
