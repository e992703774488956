"""The SPARQL 1.1 Protocol endpoint at `/sparql`: queries, updates and the service description."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ldkit.server import urls
from ldkit.server.formats import (
    GRAPH_ANSWER_FORMATS,
    HTML,
    RDF_FORMATS,
    RESULTS_FORMATS,
    Format,
    choose,
)
from ldkit.server.http_headers import add_cors, add_page_policy, finish_read, no_store
from ldkit.server.running import current_store
from ldkit.server.sparql import query_page, query_text
from ldkit.server.sparql.execution import execute_query, execute_update
from ldkit.server.sparql.protocol import Operation, ProtocolError, read_operation
from ldkit.server.sparql.service_description import describe_service, serialise

blueprint = Blueprint("sparql", __name__)


@blueprint.after_request
def _every_response(response: Response) -> Response:
    return add_page_policy(add_cors(response, request))


@blueprint.route(urls.SPARQL_PATH, methods=["GET", "POST"])
@blueprint.route(f"{urls.SPARQL_PATH}/", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query or an update, or describe the service when there is neither."""
    try:
        operation = read_operation(request)
        if operation.kind == "update":
            execute_update(operation, request, endpoint_iri())
            return no_store(Response(status=204))
        if operation.kind == "query":
            return _answer_query(operation)
        return _describe(operation)
    except ProtocolError as error:
        return error_response(error)


def _answer_query(operation: Operation) -> Response:
    facts = query_text.read_query(operation.text)
    offered = GRAPH_ANSWER_FORMATS if facts.form in ("CONSTRUCT", "DESCRIBE") else RESULTS_FORMATS
    fmt = choose_format(operation, (*offered, HTML))
    endpoint = endpoint_iri()
    if fmt is HTML:
        return query_page.render(operation, endpoint)
    outcome = execute_query(operation, fmt, endpoint, facts)
    answer = outcome.answer
    response = Response(answer.body, status=200, content_type=_content_type(fmt))
    response.headers["Server-Timing"] = f"query;dur={outcome.seconds * 1000:.1f}"
    if answer.truncated:
        response.headers["X-Ldkit-Truncated"] = "true"
        response.headers["Warning"] = (
            f'199 ldkit "answer cut at the row limit of {current_store().settings.row_limit}"'
        )
    store = current_store()
    return finish_read(response, request, outcome.version, fmt.key, store.writable)


def _describe(operation: Operation) -> Response:
    fmt = choose_format(operation, (*RDF_FORMATS[:4], HTML))
    if fmt is HTML:
        return query_page.render(operation, endpoint_iri())
    store = current_store()
    graph = describe_service(store.settings, endpoint_iri(), store.writable)
    response = Response(serialise(graph, fmt), content_type=_content_type(fmt))
    return finish_read(response, request, store.version(), f"sd-{fmt.key}", store.writable)


def choose_format(operation: Operation, offered: tuple[Format, ...]) -> Format:
    """The format asked by `?format=`/`?_format=`, else by `Accept`; 406 when none fits."""
    named = operation.param("format") or operation.param("_format")
    accept = request.headers.get("Accept")
    fmt = choose(named, accept, offered)
    if fmt is None:
        choices = ", ".join(f.media_type for f in offered)
        asked = f"format '{named}'" if named else f"Accept: {request.headers.get('Accept')}"
        raise ProtocolError(406, f"cannot answer {asked}; this answer is offered as {choices}")
    return fmt


def endpoint_iri() -> str:
    """The endpoint's own URL: the service description's sd:endpoint and the base IRI.

    Always this server's (`Settings.endpoint` is the remote store a server may run over).
    """
    return f"{request.scheme}://{request.host}{request.root_path}{request.path}"


def error_response(error: ProtocolError) -> Response:
    """A plain-text error with its status (the query page shows errors in place instead)."""
    response = Response(
        error.message + "\n", status=error.status, content_type="text/plain; charset=utf-8"
    )
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ldkit"'
    if error.status == 503:
        response.headers["Retry-After"] = "1"
    return no_store(response)


def _content_type(fmt: Format) -> str:
    textual = fmt.media_type.startswith("text/") or fmt.media_type.endswith(("json", "xml"))
    return f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type
