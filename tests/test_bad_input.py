"""Bad bytes get a 4xx, never a 5xx, and one log line without a traceback (issue 15).

Against `ldkit serve` on loopback, over the repository's build: bad percent-escapes, control
characters and non-UTF-8 text in path and query string, over-long names, lines and headers,
broken chunked bodies, bad `_page`, `_lang` and `_format`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ldkit.server.settings import Settings
from tests.helpers.servers import HTTP_STACKS, RunningServer, logged_server, raw_request

BAD_TARGETS = [
    # the paths of issue 15: each was a 500 (the path went raw into the `Link` header)
    "/id/%E9",
    "/id/x%01",
    "/ontology/%80",
    "/-/classes/%E9",
    "/id/organisation/iom.rdf%00",
    "/id/%c0%ae",
    "/id/%zz",
    "/id/50%",
    "/id/a%0Ab",
    "/id/a%7Fb",
    "/sparql/graph?graph=%E9",
    "/sparql?query=ASK%7B%7D&x=%00",
    "/sparql?query=%E9",
    "/?x=%zz",
    "/-/search?q=%c0%ae",
    "/dumps/" + "a" * 300,  # was a 500: file name too long
    "/id/" + "a" * 300,
    "/-/classes/schema:Event?_page=zz",
    "/-/classes/schema:Event?_page=0",
    "/-/classes/schema:Event?_page=-1",
    "/id/place/casablanca.html?_page=%EF%BC%91",
    "/?_lang=" + "x" * 300,
    "/-/search?q=x&_lang=%C3%A9",
    "/-/classes/schema:Event?_format=zz",
    "/id/place/casablanca.html?_format=zz",
    "/-/timeline?_format=%00",
]

HEAD = b"Host: 127.0.0.1\r\nConnection: close\r\n"
CHUNKED = HEAD + b"Transfer-Encoding: chunked\r\nContent-Type: application/sparql-query\r\n\r\n"
BAD_REQUESTS = {
    "request line of 10 kB": b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\n" + HEAD + b"\r\n",
    "header of 10 kB": b"GET / HTTP/1.1\r\n" + HEAD + b"X-A: " + b"a" * 10_000 + b"\r\n\r\n",
    "200 headers": b"GET / HTTP/1.1\r\n"
    + HEAD
    + b"".join(b"X-%d: a\r\n" % n for n in range(200))
    + b"\r\n",
    "chunk size zz": b"POST /sparql HTTP/1.1\r\n" + CHUNKED + b"zz\r\nASK{}\r\n0\r\n\r\n",
    "chunk extension of 100 kB": b"POST /sparql/graph?default HTTP/1.1\r\n"
    + CHUNKED
    + b"5;"
    + b"a" * 100_000
    + b"\r\nASK{}\r\n0\r\n\r\n",
    "NUL in the raw path": b"GET /id/a\x00b HTTP/1.1\r\n" + HEAD + b"\r\n",
    "latin-1 byte in the raw path": b"GET /id/\xe9 HTTP/1.1\r\n" + HEAD + b"\r\n",
    "control byte in the raw query": b"GET /?q=\x01 HTTP/1.1\r\n" + HEAD + b"\r\n",
    "NUL in a header": b"GET / HTTP/1.1\r\n" + HEAD + b"Accept-Language: a\x00b\r\n\r\n",
    "Content-Length zz": b"POST /sparql HTTP/1.1\r\n" + HEAD + b"Content-Length: zz\r\n\r\n",
    "Content-Length and chunked": b"POST /sparql HTTP/1.1\r\n"
    + HEAD
    + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "NUL in the method": b"G\x00T / HTTP/1.1\r\n" + HEAD + b"\r\n",
    "HTTP/9.9": b"GET / HTTP/9.9\r\n" + HEAD + b"\r\n",
    "absolute URL not UTF-8": b"GET http://127.0.0.1/id/%E9 HTTP/1.1\r\n" + HEAD + b"\r\n",
    "TLS hello": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
    # RFC 9112: a 400 for HTTP/1.1 without a Host, or with one that is not a host (they were 200,
    # and the page wrote that host into its canonical link).
    "no Host in HTTP/1.1": b"GET /id/organisation/iom.html HTTP/1.1\r\nConnection: close\r\n\r\n",
    "Host with a space": b"GET / HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
    "two Host lines": b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n"
    + b"Connection: close\r\n\r\n",
    "Host with a path": b"GET / HTTP/1.1\r\nHost: a.example/x\r\nConnection: close\r\n\r\n",
}


@pytest.fixture(scope="module", params=HTTP_STACKS)
def server(
    built_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[RunningServer]:
    log_dir = tmp_path_factory.mktemp("bad-input")
    with logged_server(built_settings, log_dir, request.param) as running:
        yield running


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_bad_bytes_in_a_url_are_a_4xx(server: RunningServer, target: str) -> None:
    for method in ("GET", "HEAD", "POST"):
        status, headers, _ = server.request(method, target)
        assert 400 <= status < 500, (method, target, status)


@pytest.mark.parametrize("name", BAD_REQUESTS)
def test_malformed_http_is_a_4xx(server: RunningServer, name: str) -> None:
    status = raw_request(server.port, BAD_REQUESTS[name])
    assert 400 <= status < 500, (name, status)


def test_a_chunk_without_its_crlf_is_never_a_5xx(server: RunningServer) -> None:
    """gunicorn refuses it (400); granian answers the query of the chunk it could read."""
    data = b"POST /sparql HTTP/1.1\r\n" + CHUNKED + b"5\r\nASK{}XX\r\n0\r\n\r\n"
    assert 200 <= raw_request(server.port, data) < 500


def test_a_path_that_is_text_still_reaches_its_page(server: RunningServer) -> None:
    """Non-ASCII text in a path is fine: a 404 page whose `Link` header is percent-escaped."""
    status, headers, _ = server.request("GET", "/id/%E6%97%A5%C3%A9")
    assert status == 404
    assert "/id/%E6%97%A5%C3%A9.json" in headers["link"] or "%E6%97%A5" in headers["link"]
    status, _, _ = server.request("GET", "/sparql?query=ASK%7B%0A%09%7D")  # tab, LF: a query
    assert status == 200
    assert server.request("GET", "/-/classes/schema:Event?_page=0001")[0] == 200  # zeros: page 1
    assert server.request("GET", "/-/classes/schema:Event?_lang=de-CH")[0] == 200  # falls back
    assert server.request("GET", "/dumps/dataset.ttl.gz")[0] == 200
    obs_text = b"GET / HTTP/1.1\r\n" + HEAD + b"Accept: \xff\xfe\r\n\r\n"  # legal, if odd
    assert raw_request(server.port, obs_text) == 200


def test_bad_input_is_logged_in_one_line_without_a_traceback(server: RunningServer) -> None:
    for target in BAD_TARGETS:
        server.request("GET", target)
    for data in BAD_REQUESTS.values():
        raw_request(server.port, data)
    assert server.alive()
    log = server.log_text()
    assert "Traceback" not in log
    assert "Exception on" not in log and "[ERROR]" not in log
    refused = [line for line in log.splitlines() if "a control character in the path" in line]
    assert refused and all("400" in line for line in refused)  # one line each time, saying 400
