"""Run SPARQL on a built dataset from the command line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox

from ldkit.server.formats import by_key
from ldkit.server.settings import Settings


@dataclasses.dataclass
class Answer:
    """A query's answer: solutions, a boolean or triples, and the variables of solutions."""

    kind: str  # "solutions", "boolean" or "triples"
    variables: list[str]
    rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]
    boolean: bool | None = None
    triples: list[ox.Triple] = dataclasses.field(default_factory=list)


def open_built_store(settings: Settings) -> ox.Store:
    """The built store of the folder, opened read-only."""
    return ox.Store.read_only(str(settings.build_dir / "store"))


def run_query(store: ox.Store, query: str) -> Answer:
    """Run `query` with the default graph as the union of all graphs; SyntaxError when bad."""
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return Answer("boolean", [], [], boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [[solution[v] for v in variables] for solution in result]
        return Answer("solutions", variables, rows)
    return Answer("triples", [], [], triples=list(result))


def serialize_answer(store: ox.Store, query: str, key: str) -> bytes:
    """The answer to `query` in the format named `key` (json, xml, csv, tsv, ttl, nt...)."""
    fmt = by_key(key)
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        if fmt is None or not isinstance(fmt.oxigraph, ox.RdfFormat):
            raise ValueError(f"a graph answer cannot be written as {key}")
        return result.serialize(format=fmt.oxigraph)  # type: ignore[return-value]
    if fmt is None or not isinstance(fmt.oxigraph, ox.QueryResultsFormat):
        raise ValueError(f"a table or boolean answer cannot be written as {key}")
    return result.serialize(format=fmt.oxigraph)  # type: ignore[return-value]


def read_query_argument(argument: str) -> str:
    """A query given on the command line, or read from a file when written `@file.rq`."""
    if argument.startswith("@"):
        return Path(argument[1:]).read_text(encoding="utf-8")
    return argument
