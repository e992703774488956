"""HTTP done once: CORS, validators, caching, compression, CSP, and the 303 of every thing."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Request, Response
from markupsafe import escape
from werkzeug.http import http_date, parse_accept_header, parse_date, quote_etag
from werkzeug.wrappers import Response as BaseResponse

from ldkit.server import urls
from ldkit.server.formats import RESOURCE_FORMATS, choose
from ldkit.server.stores.base import DatasetVersion, Store

AnyResponse = TypeVar("AnyResponse", bound=BaseResponse)
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link, X-Ldkit-Truncated, Server-Timing",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type, If-None-Match",
    "Access-Control-Max-Age": "86400",
}
COMPRESSIBLE_MIN_BYTES = 1024
READ_VARY = "Accept, Accept-Encoding"  # what a read answer's bytes depend on
# A request without any of these cannot get a 304 or a 412 (and ldkit offers no ranges), so
# `make_conditional` is skipped for it: the answer is the same, without the date parsing.
CONDITIONAL_REQUEST_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)


def see_other(request: Request, thing_path: str, document_path: str | None = None) -> Response:
    """The 303 from a thing to its document in the negotiated format (406 when none fits).

    `?_format=` first, else `Accept` with its q-values (none, or `*/*`: the HTML page); `_lang`
    and `_page` go along to pages. The body is the short hypertext note with a link to the
    document that RFC 9110 (15.4.4) asks of a 303. The caller adds the page headers
    (`finish_page`).
    """
    fmt = choose(request.args.get("_format"), request.headers.get("Accept"), RESOURCE_FORMATS)
    if fmt is None:
        return not_acceptable(request)
    lang, page = request.args.get("_lang") or None, request.args.get("_page") or None
    target = urls.document_url(document_path or thing_path, fmt.extension, lang, page)
    link = escape(target)
    note = f'<!doctype html>\n<title>See Other</title>\n<p>See <a href="{link}">{link}</a>.</p>\n'
    response = Response(note, status=303, headers={"Location": target}, mimetype="text/html")
    response.vary.add("Accept")
    return response


def not_acceptable(request: Request) -> Response:
    """406 with the list of what is on offer."""
    offered = ", ".join(f.media_type for f in RESOURCE_FORMATS)
    asked = request.args.get("_format") or request.headers.get("Accept", "")
    response = Response(
        f"cannot answer {asked}; this resource is offered as {offered}\n",
        status=406,
        content_type="text/plain; charset=utf-8",
    )
    response.vary.add("Accept")
    return response


def finish_page(response: Response, request: Request, store: Store) -> Response:
    """`Vary` and validators for any answer of the pages (`no-store` but for 200); CORS and the
    page policy come after, with every answer's (`finish_any`, the app's after-request hook)."""
    response.vary.update(("Accept", "Accept-Language"))
    if response.status_code != 200:
        response.headers["Cache-Control"] = "no-store"
        return response
    variant = hashlib.sha256(
        f"{request.full_path}|{request.headers.get('Accept-Language', '')}".encode()
    ).hexdigest()[:16]
    return finish_read(response, request, store.version(), variant, store.writable)


def finish_any(response: Response, request: Request) -> Response:
    """What every answer carries, whatever made it (a view, an error, Flask's own `OPTIONS`, the
    direct path): CORS, the page policy on HTML and errors, and an error is never stored."""
    if response.status_code >= 400:
        response.headers.setdefault("Cache-Control", "no-store")
    return add_page_policy(add_cors(response, request))


def add_cors(response: Response, request: Request) -> Response:
    """Let any origin read SPARQL answers; answer preflight requests."""
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    return response


def add_page_policy(response: Response) -> Response:
    """A strict Content-Security-Policy (and friends) on HTML pages and on errors (whose text
    may echo what was asked)."""
    if response.mimetype == "text/html" or response.status_code >= 400:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
    return response


def finish_read(
    response: Response, request: Request, version: DatasetVersion, variant: str, writable: bool
) -> Response:
    """Compress, then add ETag/Last-Modified/Cache-Control and answer 304 when still fresh."""
    headers = response.headers
    if "Vary" in headers:
        response.vary.update(("Accept", "Accept-Encoding"))
    else:
        headers["Vary"] = READ_VARY
    compressed = compress(response, request)
    if request.method not in ("GET", "HEAD"):
        headers["Cache-Control"] = "no-store"
        return response
    headers.update(read_validators(version, variant, writable, compressed))
    if is_conditional(request.environ):
        make_conditional(response, request.environ)
    return response


def make_conditional(response: AnyResponse, environ: dict[str, Any]) -> AnyResponse:
    """werkzeug's answer to a conditional request, in place: a 304 when still fresh, a 412 when
    an `If-Match` fails, or an `If-Unmodified-Since` (which werkzeug does not read); a 412 then
    carries no body and is never stored (werkzeug keeps both)."""
    if _modified_since(response, environ):
        response.status_code = 412
    else:
        response.make_conditional(environ)
    if response.status_code == 412:
        response.set_data(b"")
        for name in ("Content-Encoding", "ETag", "Last-Modified"):
            response.headers.pop(name, None)
        response.headers["Cache-Control"] = "no-store"
    return response


def _modified_since(response: AnyResponse, environ: dict[str, Any]) -> bool:
    """Whether `If-Unmodified-Since` fails (RFC 9110, 13.1.4): the answer changed after its date.
    It is ignored beside an `If-Match`, and when it is not a date."""
    since = parse_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
    modified = response.last_modified
    if "HTTP_IF_MATCH" in environ or since is None or modified is None:
        return False
    return modified > since


@functools.lru_cache(maxsize=256)
def read_validators(
    version: DatasetVersion, variant: str, writable: bool, compressed: bool
) -> tuple[tuple[str, str], ...]:
    """`ETag`, `Last-Modified` and `Cache-Control` of a read answer (made once per version and
    variant: a variant is a format, or a page's path and language)."""
    etag = f"{version.tag}-{variant}{'-gz' if compressed else ''}"
    return (
        ("ETag", quote_etag(etag)),
        ("Last-Modified", http_date(version.modified)),
        ("Cache-Control", "no-cache" if writable else "public, max-age=300"),
    )


def is_conditional(environ: dict[str, Any]) -> bool:
    """Whether a request could get a 304 or a 412: it carries a validator or a range header
    (werkzeug's `make_conditional` answers those; any other request gets its 200 as it is)."""
    return any(name in environ for name in CONDITIONAL_REQUEST_HEADERS)


def compress(response: Response, request: Request) -> bool:
    """Gzip the body when the client accepts it and it is worth it."""
    if not _accepts_gzip(request.environ.get("HTTP_ACCEPT_ENCODING", "")):
        return False  # the body is not read: it may be a stream
    if response.direct_passthrough or response.status_code != 200:
        return False
    gzipped = gzip_for(request.environ, response.get_data())
    if gzipped is None:
        return False
    response.set_data(gzipped)
    response.headers["Content-Encoding"] = "gzip"
    return True


def gzip_for(environ: dict[str, Any], body: bytes) -> bytes | None:
    """The body gzipped, when the client accepts gzip and the body is worth it; else None."""
    if len(body) < COMPRESSIBLE_MIN_BYTES:
        return None
    if not _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
        return None
    return gzip.compress(body, compresslevel=5)


@functools.lru_cache(maxsize=64)
def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (`gzip;q=0` refuses it)."""
    if "gzip" not in header.lower():
        return False
    return parse_accept_header(header).quality("gzip") > 0


@dataclasses.dataclass(frozen=True)
class PlainAnswer:
    """A finished answer as plain WSGI: status line, header list, body (no werkzeug objects).

    For the endpoint's hottest answer (a query's 200 sent by GET), whose headers are the same for
    every answer of a version and format but for the length and the timing.
    """

    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(self.status, self.headers)
        return [self.body]


def no_store(response: Response) -> Response:
    """Errors and writes are never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response
