"""The query page: editor, examples, answers as a table with links, downloads, errors in place."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask.testing import FlaskClient

from ldkit.server.app import create_app
from ldkit.server.urls import resource_url
from tests.helpers.servers import BASE, EXAMPLE_QUERY, sample_settings

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Links(HTMLParser):
    """The href of every link of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


@pytest.fixture
def client(tmp_path: Path, app_client: Callable[..., FlaskClient]) -> FlaskClient:
    return app_client(sample_settings(tmp_path))


def page(client: FlaskClient, query: str | None = None, status: int = 200) -> str:
    url = f"/sparql?query={quote(query)}" if query is not None else "/sparql"
    response = client.get(url, headers=BROWSER)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_browser_gets_the_editor_without_javascript_or_cdn(client: FlaskClient) -> None:
    html = page(client)
    assert '<form class="editor" method="get" action="/sparql">' in html
    assert "<textarea" in html
    assert not re.search(r'(src|href)="https?://', html)


def test_competency_questions_are_one_click_examples(client: FlaskClient) -> None:
    html = page(client)
    assert "Which organisations are there?" in html
    example = next(h for h in links(html) if h.startswith("/sparql?query="))
    assert parse_qs(urlsplit(example).query)["query"] == [EXAMPLE_QUERY]


def test_answer_table_links_iris_under_the_base_to_resource_pages(client: FlaskClient) -> None:
    html = page(client, EXAMPLE_QUERY)
    assert "/id/organisation/org1" in links(html)
    assert "Organisation 2" in html


def test_literals_are_escaped(client: FlaskClient) -> None:
    html = page(client, EXAMPLE_QUERY)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_construct_answers_are_a_table_too(client: FlaskClient) -> None:
    html = page(client, f"DESCRIBE <{BASE}id/organisation/org2>")
    assert "<th>subject</th>" in html
    assert "/id/organisation/org2" in links(html)


def test_downloads_in_every_format_and_the_time_taken(client: FlaskClient) -> None:
    html = page(client, EXAMPLE_QUERY)
    formats = {parse_qs(urlsplit(h).query).get("format", [""])[0] for h in links(html)}
    assert {"json", "xml", "csv", "tsv"} <= formats
    assert re.search(r"3 rows\s+in [0-9.]+ ms", html)
    graph_page = page(client, "CONSTRUCT WHERE { ?s ?p ?o }")
    graph_formats = {parse_qs(urlsplit(h).query).get("format", [""])[0] for h in links(graph_page)}
    assert {"ttl", "nt", "jsonld", "rdf"} <= graph_formats


def test_download_links_answer_in_their_format(client: FlaskClient) -> None:
    html = page(client, EXAMPLE_QUERY)
    csv_link = next(h for h in links(html) if h.endswith("format=csv"))
    response = client.get(csv_link, headers=BROWSER)
    assert response.mimetype == "text/csv"


def test_error_is_shown_in_place(client: FlaskClient) -> None:
    html = page(client, "SELECT * WHERE { ?s ?p", status=400)
    assert 'class="error"' in html
    assert "error at 1:" in html
    assert "SELECT * WHERE { ?s ?p</textarea>" in html


def test_refusal_is_shown_in_place(client: FlaskClient) -> None:
    html = page(client, "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", status=400)
    assert "SERVICE" in html and 'class="error"' in html


def test_truncation_is_noted_on_the_page(tmp_path: Path) -> None:
    app = create_app(sample_settings(tmp_path, row_limit=1), pool_size=1)
    try:
        html = page(app.test_client(), EXAMPLE_QUERY)
        assert "cut at the row limit of 1" in html
    finally:
        app.extensions["ldkit_store"].close()


def test_pages_have_a_strict_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/sparql", headers=BROWSER)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_page_advertises_the_service_description_formats(client: FlaskClient) -> None:
    response = client.get("/sparql", headers=BROWSER)
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]
    html = response.get_data(as_text=True)
    # Every alternate of the page's head answers in its type (they once were `href="ttl"`).
    alternates = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', html)
    assert {kind for kind, _ in alternates} >= {"text/turtle", "application/rdf+xml"}
    for kind, href in alternates:
        assert client.get(href.replace("&amp;", "&"), headers=BROWSER).mimetype == kind, href


@pytest.mark.parametrize(
    ("iri", "url"),
    [
        (f"{BASE}id/organisation/iom", "/id/organisation/iom"),
        ("https://w3id.org/other/id/x", None),
        (BASE, None),
    ],
)
def test_resource_url(iri: str, url: str | None) -> None:
    assert resource_url(iri, BASE) == url


def test_the_page_says_it_varies_by_accept(client: FlaskClient) -> None:
    # The same URL answers the page, JSON or CSV by `Accept`: a cache must key on it.
    for path in ("/sparql", "/sparql?query=" + quote("ASK {}")):
        response = client.get(path, headers=BROWSER)
        assert response.mimetype == "text/html"
        assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")], path
