"""The query page in a real browser (Chromium), with and without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser

from tests.helpers.servers import RunningServer, sample_settings


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., RunningServer]
) -> RunningServer:
    return live_server(sample_settings(tmp_path_factory.mktemp("browser")))


@pytest.mark.parametrize("javascript", [False, True])
def test_run_a_query_from_the_editor(
    server: RunningServer, browser: Browser, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.goto(server.url)
    page.fill("textarea#query", "SELECT ?name WHERE { ?s <https://schema.org/name> ?name }")
    if javascript:
        page.press("textarea#query", "Control+Enter")
    else:
        page.click("button[type=submit]")
    page.wait_for_selector("section.answer table")
    assert page.locator("section.answer tbody tr").count() == 3
    assert page.locator("text=<script>alert(1)</script>").count() == 1
    assert not problems, problems  # no CSP violation, no script error
    context.close()


def test_example_link_runs_the_competency_question(server: RunningServer, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url)
    page.click("text=Which organisations are there?")
    page.wait_for_selector("section.answer table")
    hrefs = page.locator("section.answer a.local").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert "/id/organisation/org0" in hrefs
    context.close()


def test_error_shown_in_place(server: RunningServer, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)
    page.fill("textarea#query", "SELECT * WHERE {")
    page.click("button[type=submit]")
    page.wait_for_selector("section.error")
    assert "error at" in page.inner_text("section.error")
    assert page.input_value("textarea#query") == "SELECT * WHERE {"
    context.close()
