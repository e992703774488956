"""Run compiled shapes on a pyoxigraph store; pySHACL for the shapes the compiler cannot do.

`validate(parts, shapes)` loads the data and ontology quads into one in-memory store (queried as
the merged set of triples pySHACL sees, see `build_store`), runs every
check, and returns an rdflib graph of `sh:ValidationResult`s with the fields pySHACL gives
(sh:focusNode, sh:resultPath, sh:value, sh:sourceShape, sh:sourceConstraintComponent,
sh:sourceConstraint, sh:resultSeverity, sh:resultMessage), plus which engine checked each shape.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Sequence

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ldkit.pipeline.graphs import TermConverter
from ldkit.pipeline.shacl.compile import Compiler
from ldkit.pipeline.shacl.shapes import (
    MEMBER,
    PATTERN,
    TARGETS,
    WELL_TYPED,
    Check,
    Registry,
    Unsupported,
    top_shapes,
    whole_graph_unsupported,
)

_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
_FALSE = ox.Literal("false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))

# Validates the given shapes (the others' targets removed) with pySHACL; returns its results.
Fallback = Callable[[Graph], Graph]


@dataclasses.dataclass
class EngineReport:
    """The results graph, and which engine checked each shape with targets (and why)."""

    results: Graph
    engines: dict[Node, str]  # shape -> "fast" | "pyshacl"
    reasons: dict[Node, str]  # shape -> why pySHACL (for the shapes it checked)
    store: DataStore | None = None  # the data the checks ran on

    def summary(self) -> str:
        fast = sum(1 for e in self.engines.values() if e == "fast")
        slow = len(self.engines) - fast
        text = f"{fast} shapes checked by the fast engine, {slow} by pySHACL"
        if self.reasons:
            text += ": " + "; ".join(f"{s} ({r})" for s, r in sorted(self.reasons.items(), key=str))
        return text


def plan(shapes: Graph) -> tuple[Compiler, dict[Node, list[Check]], dict[Node, str]]:
    """Compile every shape with targets: its checks, or why it falls back to pySHACL."""
    compiler = Compiler(shapes)
    checks: dict[Node, list[Check]] = {}
    reasons: dict[Node, str] = {}
    whole = whole_graph_unsupported(shapes)
    for shape in top_shapes(shapes):
        if whole:
            reasons[shape] = whole
            continue
        try:
            checks[shape] = compiler.compile_top(shape)
        except Unsupported as error:
            reasons[shape] = str(error)
    return compiler, checks, reasons


@dataclasses.dataclass
class DataStore:
    """Data + ontology in a pyoxigraph store, and how to query it as one set of triples."""

    store: ox.Store
    union: bool  # query with the union of all graphs as the default graph (repeats triples)
    exact: bool = False  # no triple repeated: counting without DISTINCT is exact

    def query(self, query: str, **options: object) -> object:
        return self.store.query(query, use_default_graph_as_union=self.union, **options)  # type: ignore[arg-type]


_XSD = "http://www.w3.org/2001/XMLSchema#"
# Datatypes whose literals an oxigraph store keeps as values: their datatype (derived integer
# types become xsd:integer) or their lexical form ("05" becomes "5") may come back changed.
_VALUE_TYPES = frozenset(
    _XSD + name
    for name in [
        "integer",
        "decimal",
        "double",
        "float",
        "boolean",
        "date",
        "time",
        "dateTime",
        "dateTimeStamp",
        "duration",
        "dayTimeDuration",
        "yearMonthDuration",
        "gYear",
        "gYearMonth",
        "gMonth",
        "gMonthDay",
        "gDay",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    ]
)


def rewritten_literals(parts: Iterable[Sequence[ox.Quad]], limit: int = 5) -> list[str]:
    """Literals of the data that an oxigraph store would not give back as they are (a few)."""
    originals = sorted(str(o) for found in literal_rewrites(parts).values() for o in found)
    return originals[:limit]


def literal_rewrites(parts: Iterable[Sequence[ox.Quad]]) -> dict[ox.Literal, list[ox.Literal]]:
    """Each literal an oxigraph store gives back changed ("3"^^xsd:decimal), and the literals of
    the data it stands for ("3.0"^^xsd:decimal; more than one when the store merges them)."""
    candidates = {
        o
        for part in parts
        for q in part
        if isinstance(o := q.object, ox.Literal)
        and not o.language
        and o.datatype.value in _VALUE_TYPES
    }
    if not candidates:
        return {}
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:ldkit:literal")
    ordered = list(candidates)
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:ldkit:{i}"), predicate, literal)
        for i, literal in enumerate(ordered)
    )
    found: dict[ox.Literal, list[ox.Literal]] = {}
    for quad in scratch.quads_for_pattern(None, predicate, None):
        original = ordered[int(quad.subject.value.rsplit(":", 1)[1])]  # type: ignore[union-attr]
        if quad.object != original:
            found.setdefault(quad.object, []).append(original)  # type: ignore[arg-type]
    return found


def build_store(parts: Iterable[Sequence[ox.Quad]], exact_counts: bool = False) -> DataStore:
    """One in-memory store of the quads, queried as pySHACL sees them: one set of triples.

    The quads keep their graphs and the checks read the union of the graphs. A triple stated in
    two graphs then comes twice, which the compiled checks do not mind (they select distinct
    rows and count distinct values). When `exact_counts` (a SPARQL constraint counts or sums
    without DISTINCT) and some triple is in several graphs, every triple goes to the default
    graph instead, and the checks read it alone.
    """
    store = ox.Store()
    for part in parts:
        store.extend(part)
    if not exact_counts:
        return DataStore(store, union=True)
    distinct = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        use_default_graph_as_union=True,
    )
    assert isinstance(distinct, ox.QuerySolutions)
    count = next(iter(distinct))["n"]
    if isinstance(count, ox.Literal) and int(count.value) == len(store):
        return DataStore(store, union=True, exact=True)
    # Quads built in Python: a SPARQL INSERT would rewrite some literals (derived numeric types).
    store = ox.Store()
    default = ox.DefaultGraph()
    for part in parts:
        store.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in part)
    return DataStore(store, union=False, exact=True)


def validate(
    parts: Iterable[Sequence[ox.Quad]],
    shapes: Graph,
    fallback: Fallback,
    store: DataStore | None = None,
) -> EngineReport:
    """Validate the merged `parts` against `shapes`: compiled checks, pySHACL for the rest."""
    parts = [part if isinstance(part, Sequence) else list(part) for part in parts]
    compiler, checks, reasons = plan(shapes)
    rewrites = literal_rewrites(parts) if checks else {}
    if rewrites:
        checks, moved = _exact_despite(rewrites, _rewritten_paths(parts, rewrites), checks)
        reasons |= moved
    results = Graph()
    engines: dict[Node, str] = {s: "fast" for s in checks} | {s: "pyshacl" for s in reasons}
    if checks:
        exact = any(c.exact_counts for cs in checks.values() for c in _all(cs))
        if store is None or (exact and store.union and not store.exact):
            store = build_store(parts, exact_counts=exact)
        functions = _functions(compiler.registry)
        converter = TermConverter()
        for shape_checks in checks.values():
            for check in shape_checks:
                for found in _run(store, check, functions, converter):
                    _write(results, shapes, found)
        _restore(results, rewrites, converter)
    if reasons:
        results += fallback(only_targets_of(shapes, set(reasons)))
    return EngineReport(results, engines, reasons, store)


# Constraints that read a literal's lexical form or compare terms: a literal the store rewrote
# ("3.0" stored as "3", an xsd:byte as an xsd:integer) would change their answer.
READS_LEXICAL_FORMS = frozenset(
    SH[name]
    for name in (
        "PatternConstraintComponent",
        "MinLengthConstraintComponent",
        "MaxLengthConstraintComponent",
        "InConstraintComponent",
        "HasValueConstraintComponent",
        "EqualsConstraintComponent",
        "DisjointConstraintComponent",
        "SPARQLConstraintComponent",
    )
)
# sh:datatype reads the datatype, which only some rewrites change (an xsd:byte to xsd:integer)
READS_DATATYPES = READS_LEXICAL_FORMS | {SH.DatatypeConstraintComponent}


def _rewritten_paths(
    parts: Iterable[Sequence[ox.Quad]], rewrites: dict[ox.Literal, list[ox.Literal]]
) -> set[Node]:
    """The properties whose values hold a literal the store rewrote."""
    originals = {original for found in rewrites.values() for original in found}
    return {
        URIRef(q.predicate.value)
        for part in parts
        for q in part
        if isinstance(q.object, ox.Literal) and q.object in originals
    }


def _exact_despite(
    rewrites: dict[ox.Literal, list[ox.Literal]],
    paths: set[Node],
    checks: dict[Node, list[Check]],
) -> tuple[dict[Node, list[Check]], dict[Node, str]]:
    """The shapes the store still answers exactly although it rewrote some literals, and why
    the others go to pySHACL: those reading lexical forms where a rewritten literal may be a
    value (its property's path, a complex path, the focus node, a SPARQL constraint), or all
    when two literals became one (counts would then differ)."""
    example = min(str(o) for found in rewrites.values() for o in found)
    if any(len(found) > 1 for found in rewrites.values()):
        why = f"the data holds literals pyoxigraph stores as one value, e.g. {example}"
        return {}, {shape: why for shape in checks}
    why = f"it reads literals as written, which pyoxigraph stores rewritten, e.g. {example}"
    retyped = any(
        stored.datatype != original.datatype
        for stored, found in rewrites.items()
        for original in found
    )
    sensitive = READS_DATATYPES if retyped else READS_LEXICAL_FORMS

    def reads_rewritten(check: Check) -> bool:
        simple = isinstance(check.path, URIRef) and check.path not in paths
        return check.component in sensitive and not simple

    moved = {
        shape: why for shape, found in checks.items() if any(map(reads_rewritten, _all(found)))
    }
    return {s: c for s, c in checks.items() if s not in moved}, moved


def _restore(
    results: Graph, rewrites: dict[ox.Literal, list[ox.Literal]], converter: TermConverter
) -> None:
    """Results name the literals as the data writes them, not as the store gave them back."""
    back = {converter.term(stored): converter.term(found[0]) for stored, found in rewrites.items()}
    for subject, predicate, obj in list(results):
        if obj in back and predicate in (SH.value, SH.focusNode):
            results.remove((subject, predicate, obj))
            results.add((subject, predicate, back[obj]))


def _all(checks: list[Check]) -> Iterable[Check]:
    for check in checks:
        yield check
        yield from _all(check.details)


def only_targets_of(shapes: Graph, keep: set[Node]) -> Graph:
    """The shapes graph with the targets of every other shape removed (pySHACL's share)."""
    tops = set(top_shapes(shapes))
    implicit = {RDF.type}
    graph = Graph()
    for prefix, namespace in shapes.namespaces():
        graph.bind(prefix, namespace)
    for s, p, o in shapes:
        if s in tops and s not in keep:
            if p in (*TARGETS, SH.target):
                continue
            if p in implicit and o not in (SH.NodeShape, SH.PropertyShape):
                continue  # an implicit class target (the shape is also a class)
        graph.add((s, p, o))
    return graph


# --- custom SPARQL functions: where pySHACL's Python semantics must be matched exactly -----------


def _functions(registry: Registry) -> dict[ox.NamedNode, Callable[..., ox.Literal | None]]:
    convert = TermConverter().term

    @functools.lru_cache(maxsize=65536)
    def well_typed(term: ox.Literal) -> ox.Literal:
        from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

        literal = convert(term)
        assert isinstance(literal, Literal) and literal.datatype is not None
        if getattr(literal, "ill_typed", None) is True:
            return _FALSE
        actual = DatatypeConstraintComponent._assert_actual_datatype  # noqa: SLF001
        return _TRUE if actual(None, literal, literal.datatype) else _FALSE  # type: ignore[arg-type]

    def well_typed_fn(term: object) -> ox.Literal:
        return well_typed(term) if isinstance(term, ox.Literal) else _FALSE

    def pattern_fn(term: object, index: ox.Literal) -> ox.Literal:
        from pyshacl.constraints.core.string_based_constraints import PatternConstraintComponent

        if not isinstance(term, ox.NamedNode | ox.Literal):
            return _FALSE  # blank nodes never match
        text = PatternConstraintComponent.value_node_to_string(convert(term))
        matcher = registry.patterns[int(index.value)]
        return _TRUE if matcher.match(text) or matcher.search(text) else _FALSE

    def member_fn(term: object, index: ox.Literal) -> ox.Literal:
        if not isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
            return _FALSE
        return _TRUE if convert(term) in registry.members[int(index.value)] else _FALSE

    return {
        ox.NamedNode(WELL_TYPED): well_typed_fn,
        ox.NamedNode(PATTERN): pattern_fn,
        ox.NamedNode(MEMBER): member_fn,
    }


# --- running a check and writing its results -----------------------------------------------------


@dataclasses.dataclass
class _Found:
    """One result before it is written: what pySHACL's make_v_result receives."""

    check: Check
    focus: Node
    path: Node | None
    value: Node | None
    bindings: dict[str, Node] | None
    details: list[_Found]


def _run(
    store: DataStore,
    check: Check,
    functions: dict[ox.NamedNode, Callable[..., ox.Literal | None]],
    converter: TermConverter,
) -> list[_Found]:
    solutions = store.query(check.query, custom_functions=functions)  # type: ignore[arg-type]
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    convert = converter.term
    seen: set[tuple[object, ...]] = set()
    found = []
    for row in solutions:
        bound = {n: convert(row[n]) for n in names if row[n] is not None}  # type: ignore[arg-type]
        focus = bound.pop("this")
        path: Node | None = check.path
        value: Node | None = None
        bindings: dict[str, Node] | None = None
        if check.value == "value":
            value = bound["value"]
        elif check.value == "this":
            value = focus
        elif check.value == "sparql":
            row_path = bound.pop("path", None)
            path = row_path or check.path
            value = bound.pop("value", None)
            if value is None and check.path is None:
                value = focus
            key = (focus, path, value, frozenset(bound.items()))
            if key in seen:
                continue
            seen.add(key)
            bindings = {"this": focus, **({"path": row_path} if row_path is not None else {})}
            if value is not None:
                bindings["value"] = value
            bindings.update(bound)
        found.append(_Found(check, focus, path, value, bindings, []))
    if found and check.details:
        # sh:node: the nested shape's results for each failing value, under every result of it
        nested: dict[Node, list[_Found]] = {}
        for detail in check.details:
            for result in _run(store, detail, functions, converter):
                nested.setdefault(result.focus, []).append(result)
        for result in found:
            result.details = nested.get(result.value, []) if result.value is not None else []
    return found


def _write(results: Graph, shapes: Graph, found: _Found) -> BNode:
    node = BNode()
    add = results.add
    check = found.check
    add((node, RDF.type, SH.ValidationResult))
    add((node, SH.sourceConstraintComponent, check.component))
    add((node, SH.sourceShape, check.shape))
    add((node, SH.resultSeverity, check.severity))
    add((node, SH.focusNode, found.focus))
    if found.value is not None:
        add((node, SH.value, found.value))
    if found.path is not None:
        add((node, SH.resultPath, found.path))
        if isinstance(found.path, BNode):
            _copy(shapes, found.path, results)
    if check.constraint is not None:
        add((node, SH.sourceConstraint, check.constraint))
    for described in (check.shape, check.constraint):  # blank nodes come with their triples
        if isinstance(described, BNode):
            _copy(shapes, described, results)
    for message in _messages(check, found.bindings):
        add((node, SH.resultMessage, message))
    for detail in found.details:
        add((node, SH.detail, _write(results, shapes, detail)))
    return node


def _messages(check: Check, bindings: dict[str, Node] | None) -> list[Node]:
    """pySHACL's result messages: the constraint's (SPARQL), the shape's, or a generic one."""
    messages: list[Node] = []
    shape_messages = list(check.messages)
    if check.extra_messages:
        for m in check.extra_messages:
            if m in shape_messages:
                continue
            messages.append(Literal(_format(str(m), bindings)) if bindings is not None else m)
    elif not shape_messages:
        shape_messages = [Literal(check.generic)] if check.generic else []
    for m in shape_messages:
        messages.append(Literal(_format(str(m), bindings)) if bindings is not None else m)
    return messages


def _format(message: str, bindings: dict[str, Node] | None) -> str:
    for name, value in (bindings or {}).items():
        text = str(value)
        message = re.sub(f"{{[?$]{name}}}", lambda _m: text, message)  # noqa: B023
    return message


def _copy(source: Graph, node: Node, target: Graph) -> None:
    for p, o in source.predicate_objects(node):  # type: ignore[arg-type]
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy(source, o, target)


__all__ = [
    "EngineReport",
    "Fallback",
    "DataStore",
    "build_store",
    "only_targets_of",
    "plan",
    "validate",
]
