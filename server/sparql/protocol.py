"""Reading a SPARQL 1.1 Protocol request: which operation, which text, which dataset.

Parameters are decoded here, strictly as UTF-8, from the URL and from form bodies: bytes that are
not UTF-8 are a 400, not a replacement character quietly sent to the engine.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Request

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 1024 * 1024


class ProtocolError(Exception):
    """A request the protocol does not allow, with the HTTP status to answer."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after  # seconds, when the same request may succeed soon


@dataclasses.dataclass(frozen=True)
class Operation:
    """One request read: a query, an update or none (a service-description request)."""

    kind: str  # "query", "update" or "none"
    text: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str | None:
        """The first value of a parameter from the URL or the form body."""
        return next((value for key, value in self.params if key == name), None)


def decode_utf8(data: bytes, what: str) -> str:
    """Bytes as UTF-8 text, or a 400 naming what could not be read."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the {what} is not valid UTF-8: {error}") from error


def parse_params(data: bytes, what: str) -> list[tuple[str, str]]:
    """URL-encoded parameters, decoded strictly as UTF-8."""
    try:
        return parse_qsl(decode_utf8(data, what), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the {what} is not valid UTF-8: {error}") from error


def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or 413 when it is larger than `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise ProtocolError(413, f"the request body is larger than {limit} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise ProtocolError(413, f"the request body is larger than {limit} bytes")
    return body


def read_operation(request: Request) -> Operation:
    """The operation a GET or POST to the endpoint asks for."""
    params = parse_params(request.query_string, "query string")
    if request.method == "POST":
        return _from_post(request, params)
    if any(key == "update" for key, _ in params):
        raise ProtocolError(400, "an update must be sent with POST, not GET")
    return _operation(params, _only(params, "query"), "query")


def _from_post(request: Request, params: list[tuple[str, str]]) -> Operation:
    in_url = next((key for key, _ in params if key in ("query", "update")), None)
    if in_url:  # which one to run? The protocol sends a POST's operation in its body only.
        raise ProtocolError(400, f"a POST carries its {in_url} in its body, not in the URL")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(400, f"the body must be UTF-8, not {charset}")
    body = read_body(request)
    if request.mimetype == FORM_TYPE:
        form = parse_params(body, "form body")
        query, update = _only(form, "query"), _only(form, "update")
        if query is not None and update is not None:
            raise ProtocolError(400, "a request carries either a query or an update, not both")
        if query is None and update is None:
            raise ProtocolError(400, "the form has no 'query' and no 'update' parameter")
        return _operation(params + form, query or update, "query" if query else "update")
    if request.mimetype in (QUERY_TYPE, UPDATE_TYPE):
        kind = "query" if request.mimetype == QUERY_TYPE else "update"
        return _operation(params, decode_utf8(body, kind), kind)
    raise ProtocolError(
        415,
        f"POST a query as {QUERY_TYPE}, an update as {UPDATE_TYPE}, or either as {FORM_TYPE}"
        f" (got {request.mimetype or 'no Content-Type'})",
    )


def _only(params: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in params if key == name]
    if len(values) > 1:
        raise ProtocolError(400, f"the request has {len(values)} '{name}' parameters; send one")
    return values[0] if values else None


def _operation(params: list[tuple[str, str]], text: str | None, kind: str) -> Operation:
    if text is None:
        return Operation("none", params=tuple(params))
    prefix = "" if kind == "query" else "using-"
    default = "default-graph-uri" if kind == "query" else "using-graph-uri"
    return Operation(
        kind,
        text,
        _graph_iris(params, default),
        _graph_iris(params, f"{prefix}named-graph-uri"),
        tuple(params),
    )


def _graph_iris(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    """The graphs a dataset parameter names: absolute IRIs (400 naming the parameter otherwise);
    an empty value, as an HTML form sends for a field left blank, names none."""
    found = tuple(value.strip() for key, value in params if key == name and value.strip())
    for iri in found:
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise ProtocolError(
                400, f"{name} {iri[:200]!r} is not an absolute IRI: {error}"
            ) from None
    return found
