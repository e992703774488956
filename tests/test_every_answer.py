"""Whatever answers — a view, an error, Flask's own OPTIONS — the answer carries the site's
headers: CORS for any origin, the page policy on HTML and on errors, and errors never stored.

A browser client of another origin could read `/sparql` but not pass the preflight of a page's
RDF (no `Access-Control-Allow-Origin` on OPTIONS); an unknown path answered werkzeug's 404 page
without the site's headers, and a 405 on `/sparql` had no CORS header.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from ldkit.server.settings import Settings

PREFLIGHT = {
    "Origin": "https://reader.example",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "accept, if-none-match",
}


@pytest.fixture(scope="module")
def client(built_settings: Settings) -> Iterator[FlaskClient]:
    from ldkit.server.app import create_app

    app = create_app(built_settings, pool_size=1)
    yield app.test_client()
    app.extensions["ldkit_store"].close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/id/organisation/iom",
        "/id/organisation/iom.ttl",
        "/-/search.json?q=iom",
        "/ontology",
        "/shapes.ttl",
        "/.well-known/void",
        "/sparql",
        "/sparql/graph",
    ],
)
def test_a_preflight_is_answered_on_every_route(client: FlaskClient, path: str) -> None:
    answer = client.options(path, headers=PREFLIGHT)
    assert answer.status_code in (200, 204), path
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in answer.headers["Access-Control-Allow-Methods"]
    allowed = answer.headers["Access-Control-Allow-Headers"].lower()
    assert "accept" in allowed and "if-none-match" in allowed


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/nothing-here", 404),
        ("GET", "/dumps/no-such-dump.ttl.gz", 404),
        ("PUT", "/sparql", 405),
        ("GET", "/-/classes/schema:Event?_page=zz", 400),
        ("HEAD", "/nothing-here?_format=text%2F%2A", 406),  # no page has it: not a 500
    ],
)
def test_an_error_carries_the_site_s_headers_and_is_never_stored(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    answer = client.open(path, method=method)
    assert answer.status_code == status
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    if answer.mimetype == "text/html":
        assert "default-src" in answer.headers["Content-Security-Policy"]


def test_an_unknown_path_gets_the_site_s_own_404_page(client: FlaskClient) -> None:
    page = client.get("/nothing-here")
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'href="/-/search' in text  # it offers a search, as an unknown thing's page does
    twin = client.get("/nothing-here.json")
    assert twin.status_code == 404 and twin.get_json()["error"] == "not found"


@pytest.mark.parametrize(
    "path, accept",
    [
        ("/id/organisation/iom.html", "text/html"),
        ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
    ],
)
def test_a_failed_if_match_is_an_empty_412_never_stored(
    client: FlaskClient, path: str, accept: str
) -> None:
    for _ in range(2):  # the second from memory (the replay) must say the same
        answer = client.get(path, headers={"If-Match": '"not-this-one"', "Accept": accept})
        assert answer.status_code == 412
        assert answer.data == b""
        assert answer.headers["Cache-Control"] == "no-store"
        assert client.get(path, headers={"Accept": accept}).status_code == 200


@pytest.mark.parametrize(
    "path, accept",
    [
        ("/id/organisation/iom.html", "text/html"),
        ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
    ],
)
def test_if_unmodified_since_is_read_as_rfc_9110_says(
    client: FlaskClient, path: str, accept: str
) -> None:
    """A client that read the answer at some date asks to go on only if it has not changed."""
    fresh = client.get(path, headers={"Accept": accept})
    modified, etag = fresh.headers["Last-Modified"], fresh.headers["ETag"]
    long_ago = "Mon, 01 Jan 2001 00:00:00 GMT"
    changed = client.get(path, headers={"If-Unmodified-Since": long_ago, "Accept": accept})
    assert changed.status_code == 412 and changed.data == b""
    assert changed.headers["Cache-Control"] == "no-store"
    for headers in (
        {"If-Unmodified-Since": modified},  # unchanged since: go on
        {"If-Unmodified-Since": "not a date"},  # ignored
        {"If-Unmodified-Since": long_ago, "If-Match": etag},  # If-Match decides
    ):
        assert client.get(path, headers={**headers, "Accept": accept}).status_code == 200, headers
