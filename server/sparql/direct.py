"""Queries sent by GET answered before Flask: the endpoint's own steps, without its routing.

Most of what a SPARQL endpoint is asked is `GET /sparql?query=...` for results or RDF. The
wrapper `answering_queries(app, store)` (in `create_app`, inside the replay) answers those with
`endpoint.answer_directly`: the same reading of the request, the same checks (SERVICE and LOAD,
nesting), the same job through the store (the answer cache, the time limit, the row cap) and the
same headers as the view, with the store given instead of read from Flask's app context.
Everything else — another path or method, HEAD, the HTML query page, the service description,
an update sent by GET — goes on to Flask, which answers it as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response
from werkzeug.exceptions import InternalServerError

from ldkit.server import urls
from ldkit.server.http_headers import finish_any
from ldkit.server.sparql.endpoint import answer_directly
from ldkit.server.stores.base import Store

log = logging.getLogger("ldkit")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ENDPOINT_PATHS = frozenset((urls.SPARQL_PATH, f"{urls.SPARQL_PATH}/"))


def answering_queries(app: WSGIApp, store: Store) -> WSGIApp:
    """`app` with the protocol's GET queries answered without going through Flask."""

    def answered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") not in ENDPOINT_PATHS
            or "query=" not in environ.get("QUERY_STRING", "")
        ):
            return app(environ, start_response)
        asked = Request(environ)
        try:
            response = answer_directly(store, asked)
        except Exception:  # as Flask does: the traceback logged once, werkzeug's 500 page
            log.exception("Exception on %s [GET]", environ.get("PATH_INFO"))
            error = InternalServerError()
            page = Response(error.get_body(environ), error.code, error.get_headers(environ))
            response = finish_any(page, asked)
        if response is None:
            return app(environ, start_response)
        return response(environ, start_response)

    return answered
