"""Serialising query answers with a row cap: what a query process sends back.

pyoxigraph serialises a whole `QuerySolutions` or nothing, so a capped SELECT is written as SPARQL
JSON here and converted by pyoxigraph's own serialisers to the other result formats. Triples go
straight through `pyoxigraph.serialize`, which takes any iterable.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyoxigraph as ox

from ldkit.server.formats import Format
from ldkit.server.sparql.query_text import star_order

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def term_json(term: Any) -> dict[str, Any]:
    """One RDF term in the SPARQL 1.1 JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING):
            value["datatype"] = term.datatype.value
        return value
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }


def solutions_body(
    solutions: ox.QuerySolutions, fmt: Format, limit: int, query: str = ""
) -> tuple[bytes, int, bool]:
    """The serialised solutions, how many rows were written and whether the cap cut them; the
    columns of a `SELECT *` of `query` in the order its variables first appear."""
    names = star_order(query, [variable.value for variable in solutions.variables])
    return bindings_body(
        names, ({n: solution[n] for n in names} for solution in solutions), fmt, limit
    )


def bindings_body(
    names: list[str], solutions: Iterable[Mapping[str, Any]], fmt: Format, limit: int
) -> tuple[bytes, int, bool]:
    """As `solutions_body`, for rows given as variable -> term (None or absent: unbound).

    At most `limit + 1` rows are taken from `solutions`, so a stream is read no further.
    """
    rows: list[dict[str, Any]] = []
    for solution in itertools.islice(solutions, limit + 1):
        rows.append({n: term_json(solution[n]) for n in names if solution.get(n) is not None})
    truncated = len(rows) > limit
    del rows[limit:]
    document = {"head": {"vars": names}, "results": {"bindings": rows}}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return _convert(body, fmt), len(rows), truncated


def boolean_body(answer: bool, fmt: Format) -> bytes:
    """An ASK answer in a results format (CSV and TSV write `true`/`false` under `_askResult`)."""
    if fmt.oxigraph in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV):
        return f"_askResult\n{str(answer).lower()}\n".encode()
    document = {"head": {}, "boolean": answer}
    return _convert(json.dumps(document).encode(), fmt)


def _convert(json_body: bytes, fmt: Format) -> bytes:
    """SPARQL JSON results rewritten in another results format by pyoxigraph's serialisers."""
    target = fmt.oxigraph
    if not isinstance(target, ox.QueryResultsFormat) or target == ox.QueryResultsFormat.JSON:
        return json_body
    parsed = ox.parse_query_results(json_body, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=target) or b""


class _Counter:
    """An iterable of at most `limit` triples that remembers whether more were left."""

    def __init__(self, triples: Iterable[ox.Triple], limit: int) -> None:
        self._triples = iter(triples)
        self._limit = limit
        self.count = 0
        self.truncated = False

    def __iter__(self) -> Iterator[ox.Triple]:
        for triple in self._triples:
            if self.count >= self._limit:
                self.truncated = True
                return
            self.count += 1
            yield triple


def triples_body(
    triples: Iterable[ox.Triple], fmt: Format, limit: int, prefixes: dict[str, str]
) -> tuple[bytes, int, bool]:
    """Serialised triples (at most `limit`), how many and whether the cap cut them."""
    counter = _Counter(triples, limit)
    target = fmt.oxigraph
    assert isinstance(target, ox.RdfFormat), fmt
    wants_prefixes = target in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML)
    body = ox.serialize(counter, format=target, prefixes=prefixes if wants_prefixes else None)
    return body or b"", counter.count, counter.truncated
