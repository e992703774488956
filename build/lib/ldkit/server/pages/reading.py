"""Reading the store for the pages: SELECT rows and CONSTRUCT triples, through the store interface.

Pages never open the store: they send a `QueryJob` through `store.run(job)` like the SPARQL
endpoint does (so they work the same over the embedded store and a remote one), ask for SPARQL
JSON results or N-Triples, and parse the bytes with pyoxigraph. Answers are cached by the store
per dataset version, so a page seen twice costs no query.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from ldkit.server.namespaces import PREFIXES
from ldkit.server.running import current_store
from ldkit.server.sparql.protocol import ProtocolError
from ldkit.server.stores.base import QueryJob

Row = dict[str, Any]  # variable name -> pyoxigraph term

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def select(query: str) -> list[Row]:
    """The rows of a SELECT query over the union of the graphs, each a dict of terms."""
    body = _run(query, "application/sparql-results+json")
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def construct(query: str) -> list[ox.Triple]:
    """The triples of a CONSTRUCT query over the union of the graphs, without repeats."""
    body = _run(query, "application/n-triples")
    return list(dict.fromkeys(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))


def ask(query: str) -> bool:
    """The answer of an ASK query."""
    body = _run(query, "application/sparql-results+json")
    answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return bool(answer)


def iri(value: str) -> str:
    """An IRI written for a query (`<...>`); ValueError when it is not an IRI."""
    return str(ox.NamedNode(value))


def literal(text: str) -> str:
    """A string written for a query, escaped as N-Triples escapes it."""
    return str(ox.Literal(text))


def _run(query: str, media_type: str) -> bytes:
    store = current_store()
    job = QueryJob(
        SPARQL_PREFIXES + query, media_type, store.settings.row_limit, store.settings.base_iri
    )
    outcome = store.run(job, cacheable=True)
    if outcome.answer.status >= 400:
        raise ProtocolError(outcome.answer.status, outcome.answer.body.decode("utf-8", "replace"))
    return outcome.answer.body
