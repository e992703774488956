"""The SPARQL 1.1 Graph Store HTTP Protocol at `/sparql/graph` (`?default` or `?graph=IRI`).

Reading is open to all; PUT, POST and DELETE need the update token, like SPARQL updates.
`?default` is the store's own default graph, not the union that queries see.
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, request

from ldkit.server import urls
from ldkit.server.formats import GRAPH_ANSWER_FORMATS, by_key, choose
from ldkit.server.http_headers import finish_read, no_store
from ldkit.server.running import current_store
from ldkit.server.sparql.endpoint import error_response
from ldkit.server.sparql.execution import authorise_write, execute_graph_operation
from ldkit.server.sparql.protocol import ProtocolError, parse_params, read_body
from ldkit.server.stores.base import ReadGraphJob, WriteGraphJob

blueprint = Blueprint("graph_store", __name__)

MAX_GRAPH_BYTES = 64 * 1024 * 1024


@blueprint.route(urls.GRAPH_STORE_PATH, methods=["GET", "PUT", "POST", "DELETE"])
def graph() -> Response:
    """Read, replace, add to or delete one graph of the dataset."""
    try:
        params = parse_params(request.query_string, "query string")
        target = _target(params)
        if request.method in ("GET", "HEAD"):  # HEAD is a GET without the body, never a write
            return _read(target, dict(params))
        return _write(target)
    except ProtocolError as error:
        return error_response(error)


def _target(params: list[tuple[str, str]]) -> str | None:
    graphs = [value for key, value in params if key == "graph"]
    has_default = any(key == "default" for key, _ in params)
    if len(graphs) + has_default != 1:
        raise ProtocolError(400, "name one graph: '?default' or '?graph=IRI'")
    return graphs[0] if graphs else None


def _read(target: str | None, params: dict[str, str]) -> Response:
    named = params.get("format") or params.get("_format")
    offered = GRAPH_ANSWER_FORMATS
    fmt = choose(named, request.headers.get("Accept"), offered)
    if fmt is None:
        raise ProtocolError(
            406, "graphs are offered as " + ", ".join(f.media_type for f in offered)
        )
    store = current_store()
    job = ReadGraphJob(target, fmt.media_type, store.settings.row_limit)
    outcome = execute_graph_operation(job)
    response = Response(outcome.answer.body, content_type=fmt.media_type)
    if outcome.answer.truncated:
        response.headers["X-Ldkit-Truncated"] = "true"
    return finish_read(response, request, outcome.version, f"g-{fmt.key}", store.writable)


def _write(target: str | None) -> Response:
    authorise_write(request)
    job = WriteGraphJob(target, request.method, base_iri=target or request.base_url)
    if request.method in ("PUT", "POST"):
        fmt = by_key(request.mimetype or "", GRAPH_ANSWER_FORMATS)
        if fmt is None:
            raise ProtocolError(
                415, "send a graph as " + ", ".join(f.media_type for f in GRAPH_ANSWER_FORMATS)
            )
        body = read_body(request, MAX_GRAPH_BYTES)
        job = dataclasses.replace(job, format=fmt.media_type, body=body)
    outcome = execute_graph_operation(job)
    return no_store(Response(status=201 if outcome.answer.created else 204))
