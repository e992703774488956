"""What a request must be before any view reads it: its path and query string as UTF-8 text.

`guard(app)` wraps the WSGI app once (in `create_app`). A request without a Host header (in
HTTP/1.1) or with one that is no host name is answered 400, as RFC 9112 asks: pages write their
host into canonical links and the service description. A path or query string with a broken
percent-escape (`%zz`, a lone `%`), bytes that are not UTF-8 once unescaped (`%E9`, `%c0%ae`) or
control characters (NUL, `%01`; in the query string tab, CR and LF stay allowed, since a SPARQL
query holds them) is answered 400 here, with one log line: no view, and no header built from the
path, ever sees it. A body that cannot be read (bad chunked encoding, a client gone mid-body) is
a 400 too, raised where the view reads it. A target over MAX_TARGET bytes is a 414 and a
header over MAX_HEADER bytes a 431, whichever HTTP server runs the app (`pipeline/serve.py`
gives gunicorn the same limits; granian has none of its own).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import IO, Any
from urllib.parse import unquote_to_bytes

from werkzeug.exceptions import BadRequest

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger("ldkit.server.requests")

BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
PATH_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
QUERY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ESCAPED_QUERY_CONTROL = re.compile(r"%(0[0-8BbCcEeFf]|1[0-9A-Fa-f]|7[Ff])")
ESCAPED_HIGH_BYTE = re.compile(r"%[89A-Fa-f][0-9A-Fa-f]")
# RFC 3986's host (a registered name or an IP literal) and port; two Host lines joined by a
# server (`a, b`) or a space are not one.
HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+;=%-]+)(:[0-9]*)?")
LOGGED_CHARACTERS = 200  # of the refused request line, escaped
MAX_TARGET = 8190  # bytes of path and query string: a GET query of 8 kB
MAX_HEADER = 8190  # bytes of one header's value


def guard(app: WSGIApp) -> WSGIApp:
    """`app` behind the checks of this module."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        problem = refusal(environ)
        if problem is not None:
            return _refuse(environ, start_response, "400 Bad Request", problem)
        over = over_limits(environ)
        if over is not None:
            return _refuse(environ, start_response, *over)
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = RequestBody(stream, _request_line(environ))
        return app(environ, start_response)

    return guarded


def refusal(environ: dict[str, Any]) -> str | None:
    """Why the request's host, path or query string is refused, or None when they are sound."""
    host = environ.get("HTTP_HOST")
    if host is None:
        if environ.get("SERVER_PROTOCOL") == "HTTP/1.1":
            return "no Host header (HTTP/1.1 requires one)"
    elif not HOST.fullmatch(host):
        return "the Host header is not a host name (or an address) with an optional port"
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw_uri, str) and BROKEN_ESCAPE.search(raw_uri):
        return "a broken percent-escape in the URL"
    path = environ.get("PATH_INFO", "")
    if not path.isascii():
        path = _text(_wsgi_bytes(path))
        if path is None:
            return "the path is not UTF-8 text"
    if PATH_CONTROLS.search(path):
        return "a control character in the path"
    query_string = environ.get("QUERY_STRING", "")
    if BROKEN_ESCAPE.search(query_string):
        return "a broken percent-escape in the query string"
    if ESCAPED_QUERY_CONTROL.search(query_string) or QUERY_CONTROLS.search(query_string):
        return "a control character in the query string"
    # Only bytes from 0x80 can break UTF-8: an ASCII query string without such escapes is text
    # (the common case, checked without unescaping it).
    if (ESCAPED_HIGH_BYTE.search(query_string) or not query_string.isascii()) and _text(
        unquote_to_bytes(_wsgi_bytes(query_string))
    ) is None:
        return "the query string is not UTF-8 text"
    return None


def over_limits(environ: dict[str, Any]) -> tuple[str, str] | None:
    """The status and reason when the target or a header is over its limit, else None."""
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_TARGET:
        return "414 URI Too Long", f"the URL is over {MAX_TARGET} bytes"
    for name, value in environ.items():
        if name.startswith("HTTP_") and isinstance(value, str) and len(value) > MAX_HEADER:
            return "431 Request Header Fields Too Large", f"a header is over {MAX_HEADER} bytes"
    return None


class RequestBody:
    """The request body, whose read failures are the client's (400), not the server's."""

    def __init__(self, stream: IO[bytes], request_line: str) -> None:
        self._stream = stream
        self._request_line = request_line

    def read(self, size: int | None = -1) -> bytes:
        return self._call(self._stream.read, -1 if size is None else size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._call(self._stream.readline, -1 if size is None else size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(self._call(self._stream.readlines, hint))

    def __iter__(self) -> RequestBody:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def _call(self, method: Callable[[int], Any], size: int) -> Any:
        try:
            return method(size)
        # The HTTP server's reader fails with its own errors on a body that breaks HTTP
        # (gunicorn's ParseException for a chunk size `zz`, OSError for a client gone mid-body).
        except Exception as error:
            problem = f"the request body could not be read ({ascii(str(error)[:80])})"
            log.warning("400 %s: %s", self._request_line, problem)
            raise BadRequest(problem) from None


def _wsgi_bytes(text: str) -> bytes:
    """A WSGI string's bytes (PEP 3333 carries them as latin-1 text)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # a server that decoded the bytes itself
        return text.encode("utf-8", "surrogateescape")


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _request_line(environ: dict[str, Any]) -> str:
    """The method and target of a request for the log, escaped and cut short."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    return f"{environ.get('REQUEST_METHOD', '?')} {ascii(str(target)[:LOGGED_CHARACTERS])}"


def _refuse(
    environ: dict[str, Any], start_response: Callable[..., Any], status: str, problem: str
) -> Iterable[bytes]:
    log.warning("%s %s: %s", status[:3], _request_line(environ), problem)
    body = f"{status[4:]}: {problem}.\n".encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Access-Control-Allow-Origin", "*"),
        ],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
