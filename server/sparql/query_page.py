"""The query page: an editor, the competency questions, and answers as an HTML table."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pyoxigraph as ox
from flask import Response, render_template

from ldkit.server import urls
from ldkit.server.formats import GRAPH_ANSWER_FORMATS, RESULTS_FORMATS, by_key
from ldkit.server.http_headers import READ_VARY
from ldkit.server.running import current_store
from ldkit.server.sparql import query_text
from ldkit.server.sparql.examples import read_examples
from ldkit.server.sparql.execution import execute_query
from ldkit.server.sparql.protocol import Operation, ProtocolError

DEFAULT_QUERY = (
    "SELECT ?subject ?predicate ?object\nWHERE {\n  ?subject ?predicate ?object\n}\nLIMIT 25"
)


@dataclasses.dataclass(frozen=True)
class Cell:
    """One term as shown in the table: its text, an optional link and a note (lang, type)."""

    text: str
    href: str | None = None
    note: str = ""
    kind: str = "literal"


@dataclasses.dataclass
class Table:
    """The answer of the page's query, ready for the template."""

    columns: list[str] = dataclasses.field(default_factory=list)
    rows: list[list[Cell | None]] = dataclasses.field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False


def render(operation: Operation, endpoint: str) -> Response:
    """The page, with the answer (or the error) of the operation's query when there is one."""
    store = current_store()
    context: dict[str, Any] = {
        "query": operation.text if operation.kind == "query" else DEFAULT_QUERY,
        "examples": read_examples(store.settings.queries_dir),
        "languages": store.settings.languages,
        "title": store.settings.label(store.settings.title),
        "endpoint": endpoint,
        "row_limit": store.settings.row_limit,
        "table": None,
        "error": None,
        "downloads": [],
        "alternates": [
            (f"Service description ({f.label})", urls.service_description_url(f.key), f.media_type)
            for f in GRAPH_ANSWER_FORMATS
        ],
    }
    status = 200
    if operation.kind == "query":
        status = _run(operation, endpoint, context)
    html = render_template("sparql.html", **context)
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = READ_VARY  # the same URL answers JSON, CSV or Turtle by `Accept`
    response.headers["Link"] = ", ".join(
        f'<{urls.service_description_url(f.key)}>; rel="alternate"; type="{f.media_type}"'
        for f in GRAPH_ANSWER_FORMATS
    )
    return response


def _run(operation: Operation, endpoint: str, context: dict[str, Any]) -> int:
    form = query_text.query_form(operation.text)
    is_graph = form in ("CONSTRUCT", "DESCRIBE")
    offered = GRAPH_ANSWER_FORMATS if is_graph else RESULTS_FORMATS
    context["downloads"] = [(f.label, urls.query_url(operation.text, f.key)) for f in offered]
    fmt = by_key("application/n-triples" if is_graph else "application/sparql-results+json")
    assert fmt is not None
    started = time.perf_counter()
    try:
        outcome = execute_query(current_store(), operation, fmt, endpoint)
    except ProtocolError as error:
        context["error"] = error.message
        return error.status
    context["elapsed_ms"] = (time.perf_counter() - started) * 1000
    base = current_store().settings.base_iri
    body = outcome.answer.body
    table = _graph_table(body, base) if is_graph else _results_table(body, base)
    table.truncated = outcome.answer.truncated
    context["table"] = table
    return 200


def _results_table(body: bytes, base: str) -> Table:
    document = json.loads(body)
    if "boolean" in document:
        return Table(boolean=bool(document["boolean"]))
    columns = document["head"]["vars"]
    rows = [
        [_json_cell(binding.get(name), base) for name in columns]
        for binding in document["results"]["bindings"]
    ]
    return Table(columns, rows)


def _graph_table(body: bytes, base: str) -> Table:
    rows: list[list[Cell | None]] = [
        [_term_cell(t.subject, base), _term_cell(t.predicate, base), _term_cell(t.object, base)]
        for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
    ]
    return Table(["subject", "predicate", "object"], rows)


def _json_cell(value: dict[str, Any] | None, base: str) -> Cell | None:
    if value is None:
        return None
    if value["type"] == "uri":
        return _iri_cell(value["value"], base)
    if value["type"] == "bnode":
        return Cell(f"_:{value['value']}", kind="bnode")
    if value["type"] == "triple":
        return Cell(json.dumps(value["value"]), kind="triple")
    note = f"@{value['xml:lang']}" if "xml:lang" in value else _short(value.get("datatype", ""))
    return Cell(value["value"], note=note)


def _term_cell(term: Any, base: str) -> Cell:
    if isinstance(term, ox.NamedNode):
        return _iri_cell(term.value, base)
    if isinstance(term, ox.BlankNode):
        return Cell(f"_:{term.value}", kind="bnode")
    if isinstance(term, ox.Literal):
        note = f"@{term.language}" if term.language else _short(term.datatype.value)
        return Cell(term.value, note=note)
    return Cell(str(term), kind="triple")


def _iri_cell(iri: str, base: str) -> Cell:
    local = urls.resource_url(iri, base)
    return Cell(iri, href=local or urls.followable(iri), kind="local" if local else "iri")


def _short(datatype: str) -> str:
    if not datatype or datatype.endswith("XMLSchema#string"):
        return ""
    return "^^xsd:" + datatype.rsplit("#", 1)[1] if "XMLSchema#" in datatype else f"^^<{datatype}>"
