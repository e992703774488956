"""Running protocol operations on the store: the safety checks, the job, the errors as HTTP.

Both the protocol views and the query page go through here, so a query refused, stopped or
failed is refused, stopped or failed the same way whatever asked for it.
"""

from __future__ import annotations

import hmac

from flask import Request, Response

from ldkit.server.formats import Format
from ldkit.server.running import current_store
from ldkit.server.sparql import query_text
from ldkit.server.sparql.protocol import Operation, ProtocolError
from ldkit.server.stores.base import (
    Job,
    Outcome,
    PoolBusy,
    QueryJob,
    ReadGraphJob,
    Store,
    StoreSlowToOpen,
    StoreUnavailable,
    TimeLimitExceeded,
    UpdateJob,
    WorkerLost,
    WriteGraphJob,
    WriteStopped,
)


def execute_query(
    store: Store,
    operation: Operation,
    fmt: Format,
    base_iri: str,
    facts: query_text.QueryFacts | None = None,
) -> Outcome:
    """Run a query for an answer in `fmt`; every failure is a ProtocolError with its status."""
    facts = facts or query_text.read_query(operation.text)
    _refuse_unsafe(facts, store.settings.service_allow_list)
    protocol_dataset = bool(operation.default_graphs or operation.named_graphs)
    job = QueryJob(
        query=operation.text,
        format=fmt.media_type,
        row_limit=store.settings.row_limit,
        base_iri=base_iri,
        default_graphs=tuple(operation.default_graphs) if protocol_dataset else None,
        named_graphs=tuple(operation.named_graphs),
        has_from=facts.has_from,
        prefixes=tuple(facts.prefixes.items()),
        lookups=not protocol_dataset and query_text.looks_up_only(operation.text, facts),
    )
    return _checked(store, job, cacheable=not facts.volatile)


def execute_update(operation: Operation, request: Request, base_iri: str) -> Outcome:
    """Apply an update for a client holding the update token."""
    store = current_store()
    authorise_write(request)
    facts = query_text.read_query(operation.text)
    _refuse_unsafe(facts, store.settings.service_allow_list)
    text = operation.text
    if operation.default_graphs or operation.named_graphs:
        if query_text.has_dataset_clause(facts):
            raise ProtocolError(
                400,
                "the update names its dataset with USING or WITH and the request with"
                " using-graph-uri/using-named-graph-uri: use one or the other",
            )
        text = query_text.add_using(text, operation.default_graphs, operation.named_graphs)
    return _checked(store, UpdateJob(text, base_iri))


def execute_graph_operation(job: ReadGraphJob | WriteGraphJob) -> Outcome:
    """Read or write one graph (Graph Store Protocol)."""
    return _checked(current_store(), job, cacheable=isinstance(job, ReadGraphJob))


def authorise_write(request: Request) -> None:
    """401 without a bearer token, 403 with a wrong one or when writes are disabled."""
    token = current_store().settings.update_token
    if not token:
        raise ProtocolError(403, "this endpoint is read-only: updates are disabled")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ProtocolError(401, "updates need an 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ProtocolError(403, "the update token is wrong")


def _refuse_unsafe(facts: query_text.QueryFacts, allowed: tuple[str, ...]) -> None:
    """400 for what must not reach the engine: remote access, nesting its parser cannot take."""
    try:
        query_text.check_nesting(facts)
        query_text.check_remote_access(facts.stream, allowed)
    except query_text.RefusedOperation as error:
        raise ProtocolError(400, str(error)) from error


# How a store that failed to answer is told to the client, for /sparql and every page alike.
STORE_FAILURES: dict[type[Exception], int] = {
    TimeLimitExceeded: 503,
    WriteStopped: 503,
    PoolBusy: 503,
    StoreSlowToOpen: 503,
    WorkerLost: 500,
    StoreUnavailable: 502,
}


def store_failure_response(error: Exception) -> Response:
    """A one-line answer for a store that failed (pages reach the store without `_checked`)."""
    response = Response(f"{error}\n", status=STORE_FAILURES[type(error)], mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _checked(store: Store, job: Job, cacheable: bool = False) -> Outcome:
    try:
        outcome = store.run(job, cacheable=cacheable)
    except tuple(STORE_FAILURES) as error:
        # Busy or still opening: the same request may pass in a second. A query stopped at the
        # time limit would be stopped again: no Retry-After invites it.
        retry = 1 if isinstance(error, PoolBusy | StoreSlowToOpen) else None
        raise ProtocolError(STORE_FAILURES[type(error)], str(error), retry) from error
    if outcome.answer.status >= 400:
        message = outcome.answer.body.decode("utf-8", "replace")
        if outcome.answer.status == 400 and isinstance(job, QueryJob | UpdateJob):
            text = job.query if isinstance(job, QueryJob) else job.update
            message = query_text.explain(message, text)
        raise ProtocolError(outcome.answer.status, message)
    return outcome
