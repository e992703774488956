"""The SPARQL 1.1 Protocol endpoint at `/sparql`: queries, updates and the service description."""

from __future__ import annotations

from flask import Blueprint, Request, Response, request

from ldkit.server import urls
from ldkit.server.formats import (
    GRAPH_ANSWER_FORMATS,
    HTML,
    RDF_FORMATS,
    RESULTS_FORMATS,
    Format,
    choose,
)
from ldkit.server.http_headers import (
    CORS_HEADERS,
    READ_VARY,
    PlainAnswer,
    finish_any,
    finish_read,
    gzip_for,
    is_conditional,
    no_store,
    read_validators,
)
from ldkit.server.running import current_store
from ldkit.server.sparql import query_page, query_text
from ldkit.server.sparql.execution import execute_query, execute_update
from ldkit.server.sparql.protocol import Operation, ProtocolError, read_operation
from ldkit.server.sparql.service_description import describe_service, serialise
from ldkit.server.stores.base import Store

blueprint = Blueprint("sparql", __name__)


@blueprint.route(urls.SPARQL_PATH, methods=["GET", "POST"])
@blueprint.route(f"{urls.SPARQL_PATH}/", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query or an update, or describe the service when there is neither."""
    try:
        operation = read_operation(request)
        if operation.kind == "update":
            execute_update(operation, request, endpoint_iri(request))
            return no_store(Response(status=204))
        if operation.kind == "query":
            facts, fmt = _query_format(operation, request)
            if fmt is HTML:
                return query_page.render(operation, endpoint_iri(request))
            return answer_query(current_store(), request, operation, facts, fmt)
        return _describe(operation)
    except ProtocolError as error:
        return error_response(error)


def answer_directly(store: Store, asked: Request) -> Response | PlainAnswer | None:
    """The answer to a query sent by GET (errors included), or None when it is the view's to
    give (the HTML query page, the service description): the steps of `endpoint`, with the
    store given instead of read from Flask's app context."""
    try:
        operation = read_operation(asked)
        if operation.kind != "query":
            return None
        facts, fmt = _query_format(operation, asked)
        if fmt is HTML:
            return None
        if not is_conditional(asked.environ) and not facts.volatile:  # a 304 is werkzeug's
            return plain_answer(store, asked, operation, facts, fmt)
        response = answer_query(store, asked, operation, facts, fmt)
    except ProtocolError as error:
        response = error_response(error)
    return finish_any(response, asked)


def _query_format(operation: Operation, asked: Request) -> tuple[query_text.QueryFacts, Format]:
    facts = query_text.read_query(operation.text)
    offered = GRAPH_ANSWER_FORMATS if facts.form in ("CONSTRUCT", "DESCRIBE") else RESULTS_FORMATS
    return facts, choose_format(operation, asked, (*offered, HTML))


def answer_query(
    store: Store, asked: Request, operation: Operation, facts: query_text.QueryFacts, fmt: Format
) -> Response:
    """The query's answer in `fmt`, with its timing, truncation and cache headers."""
    outcome = execute_query(store, operation, fmt, endpoint_iri(asked), facts)
    answer = outcome.answer
    response = Response(answer.body, status=200, content_type=_content_type(fmt))
    response.headers["Server-Timing"] = f"query;dur={outcome.seconds * 1000:.1f}"
    if answer.truncated:
        response.headers.extend(_truncation(store))
    if facts.volatile:  # the same query answers otherwise next time: no validator, never kept
        response.headers["Vary"] = READ_VARY
        return no_store(response)
    return finish_read(response, asked, outcome.version, fmt.key, store.writable)


def plain_answer(
    store: Store, asked: Request, operation: Operation, facts: query_text.QueryFacts, fmt: Format
) -> PlainAnswer:
    """The 200 of `answer_query` then `finish_answer`, as a plain header list: the headers a
    version and format always get are made once (`read_validators`), not set one by one."""
    outcome = execute_query(store, operation, fmt, endpoint_iri(asked), facts)
    answer = outcome.answer
    gzipped = gzip_for(asked.environ, answer.body)
    body = answer.body if gzipped is None else gzipped
    headers = [("Content-Type", _content_type(fmt))]
    if gzipped is not None:
        headers.append(("Content-Encoding", "gzip"))
    headers += [
        ("Content-Length", str(len(body))),
        ("Server-Timing", f"query;dur={outcome.seconds * 1000:.1f}"),
        ("Vary", READ_VARY),
        *read_validators(outcome.version, fmt.key, store.writable, gzipped is not None),
        *CORS_HEADERS.items(),
    ]
    if answer.truncated:
        headers += _truncation(store)
    return PlainAnswer("200 OK", headers, body)


def _truncation(store: Store) -> list[tuple[str, str]]:
    warning = f'199 ldkit "answer cut at the row limit of {store.settings.row_limit}"'
    return [("X-Ldkit-Truncated", "true"), ("Warning", warning)]


def _describe(operation: Operation) -> Response:
    fmt = choose_format(operation, request, (*RDF_FORMATS[:4], HTML))
    endpoint = endpoint_iri(request)
    if fmt is HTML:
        return query_page.render(operation, endpoint)
    store = current_store()
    graph = describe_service(store.settings, endpoint, store.writable)
    response = Response(serialise(graph, fmt), content_type=_content_type(fmt))
    return finish_read(response, request, store.version(), f"sd-{fmt.key}", store.writable)


def choose_format(operation: Operation, asked: Request, offered: tuple[Format, ...]) -> Format:
    """The format asked by `?format=`/`?_format=`, else by `Accept`; 406 when none fits."""
    named = operation.param("format") or operation.param("_format")
    accept = asked.headers.get("Accept")
    fmt = choose(named, accept, offered)
    if fmt is None:
        choices = ", ".join(f.media_type for f in offered)
        asked_for = f"format '{named}'" if named else f"Accept: {accept}"
        raise ProtocolError(406, f"cannot answer {asked_for}; this answer is offered as {choices}")
    return fmt


def endpoint_iri(asked: Request) -> str:
    """The endpoint's own URL: the service description's sd:endpoint and the base IRI.

    Always this server's (`Settings.endpoint` is the remote store a server may run over).
    """
    return f"{asked.scheme}://{asked.host}{asked.root_path}{asked.path}"


def error_response(error: ProtocolError) -> Response:
    """A plain-text error with its status (the query page shows errors in place instead)."""
    response = Response(
        error.message + "\n", status=error.status, content_type="text/plain; charset=utf-8"
    )
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ldkit"'
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return no_store(response)


def _content_type(fmt: Format) -> str:
    textual = fmt.media_type.startswith("text/") or fmt.media_type.endswith(("json", "xml"))
    return f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type
