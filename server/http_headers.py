"""HTTP done once: CORS, validators, caching, compression, CSP, and the 303 of every thing."""

from __future__ import annotations

import functools
import gzip
import hashlib
from datetime import datetime

from flask import Request, Response
from werkzeug.http import http_date, parse_accept_header

from ldkit.server import urls
from ldkit.server.formats import RESOURCE_FORMATS, choose
from ldkit.server.stores.base import DatasetVersion, Store

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
    goes along to pages. The caller adds the page headers (`finish_page`).
    """
    fmt = choose(request.args.get("_format"), request.headers.get("Accept"), RESOURCE_FORMATS)
    if fmt is None:
        return not_acceptable(request)
    lang = request.args.get("_lang") or None
    target = urls.document_url(document_path or thing_path, fmt.extension, lang)
    response = Response(status=303, headers={"Location": target})
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
    """CSP, CORS, `Vary` and validators for any answer of the pages (`no-store` but for 200)."""
    response.vary.update(("Accept", "Accept-Language"))
    add_page_policy(add_cors(response, request))
    if response.status_code != 200:
        response.headers["Cache-Control"] = "no-store"
        return response
    variant = hashlib.sha256(
        f"{request.full_path}|{request.headers.get('Accept-Language', '')}".encode()
    ).hexdigest()[:16]
    return finish_read(response, request, store.version(), variant, store.writable)


def add_cors(response: Response, request: Request) -> Response:
    """Let any origin read SPARQL answers; answer preflight requests."""
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    return response


def add_page_policy(response: Response) -> Response:
    """A strict Content-Security-Policy (and friends) on HTML pages."""
    if response.mimetype == "text/html":
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
        headers["Vary"] = "Accept, Accept-Encoding"
    compressed = compress(response, request)
    if request.method not in ("GET", "HEAD"):
        headers["Cache-Control"] = "no-store"
        return response
    response.set_etag(f"{version.tag}-{variant}{'-gz' if compressed else ''}")
    headers["Last-Modified"] = _http_date(version.modified)
    headers["Cache-Control"] = "no-cache" if writable else "public, max-age=300"
    if any(name in request.environ for name in CONDITIONAL_REQUEST_HEADERS):
        response.make_conditional(request)  # turns it into a 304 in place when still fresh
    return response


@functools.lru_cache(maxsize=64)
def _http_date(moment: datetime) -> str:
    """`Last-Modified`'s text for a dataset version, formatted once per version."""
    return http_date(moment)


def compress(response: Response, request: Request) -> bool:
    """Gzip the body when the client accepts it and it is worth it."""
    if not _accepts_gzip(request.environ.get("HTTP_ACCEPT_ENCODING", "")):
        return False
    if response.direct_passthrough or response.status_code != 200:
        return False
    body = response.get_data()
    if len(body) < COMPRESSIBLE_MIN_BYTES:
        return False
    response.set_data(gzip.compress(body, compresslevel=5))
    response.headers["Content-Encoding"] = "gzip"
    return True


@functools.lru_cache(maxsize=64)
def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (`gzip;q=0` refuses it)."""
    if "gzip" not in header.lower():
        return False
    return parse_accept_header(header).quality("gzip") > 0


def no_store(response: Response) -> Response:
    """Errors and writes are never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response
