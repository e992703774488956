"""Validate a dataset folder: SHACL shapes and data-quality checks (`*-violation.rq`).

Two SHACL engines give the same results (tests/test_shacl_engine.py checks it result for result):

- `fast` (the default): `pipeline.shacl` compiles the shapes to SPARQL and runs them on one
  pyoxigraph store of data + ontology (no rdflib copy of the data); a shape it cannot compile
  exactly is validated by pySHACL instead (the report's `engines` says which shape went where);
- `pyshacl`: the reference. The data and the ontology are merged into one in-memory rdflib graph;
  on large graphs the node shapes are split over forked processes.

Either way the ontology's `rdfs:subClassOf` axioms make a shape on a class apply to its
subclasses. The `*-violation.rq` checks and ldkit's ontology checks of data (`pipeline.checks`,
`pipeline.ontology_checks`) run on pyoxigraph (the fast engine's store, or forked processes of
their own on large data, beside the shapes); the ontology checks of the ontology and the shapes
run on a small store of their own. Every finding has a severity (`pipeline.findings`): only errors
make the data fail to conform.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Mapping, Sequence

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ldkit.pipeline import shacl
from ldkit.pipeline.checks import Check, check_files, checks_aside, dataset_checks, run_checks
from ldkit.pipeline.deprecation import deprecated_in_queries
from ldkit.pipeline.findings import (
    SEVERITIES,
    Violation,
    at_least,
    check_results,
    counts,
    severity_of_shacl,
)
from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.iri_text import files_prefixes
from ldkit.pipeline.loading import Folder
from ldkit.pipeline.ontology_checks import load_checks, profile, run_ontology_checks
from ldkit.server.namespaces import PREFIXES, RDF, SH

# Above this many triples, validation forks one process per core, each with part of the shapes.
PARALLEL_THRESHOLD = 150_000

ENGINES = ("fast", "pyshacl")

NODE_SHAPE_TARGETS = (
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
)


@dataclasses.dataclass
class ValidationReport:
    """The outcome of validating a folder."""

    conforms: bool
    violations: list[Violation]
    report: Graph
    checked: tuple[str, ...]  # what ran: "shapes", "checks", "ontology checks"
    # which engine checked each shape with targets: {"fast": [...], "pyshacl": {shape: reason}}
    engines: dict[str, object] = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "conforms": self.conforms,
            "checked": list(self.checked),
            "counts": counts(self.violations),
            "violations": [dataclasses.asdict(v) for v in self.violations],
            "engines": self.engines,
        }

    def fails(self, fail_on: str = "error") -> bool:
        """True when a finding is as severe as `fail_on` ("error", "warning" or "info")."""
        return any(at_least(v.severity, fail_on) for v in self.violations)


def validate_folder(
    folder: Folder, engine: str = "fast", ontology_checks: bool = True
) -> ValidationReport:
    """Validate `folder`: its shapes, its own `*-violation.rq` checks and ldkit's ontology checks.

    `engine` is "fast" (compiled SPARQL on pyoxigraph, pySHACL for what it cannot compile) or
    "pyshacl" (pySHACL for every shape); both give the same results. `ontology_checks=False`
    leaves ldkit's ontology checks out (the benchmark's reference run).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r} (one of {', '.join(ENGINES)})")
    own = dataset_checks(folder)
    shipped = load_checks(folder.settings) if ontology_checks and folder.ontology.present else []
    prefixes = files_prefixes([*folder.ontology.files, *folder.shapes.files])
    data_checks = own + [c for c in shipped if c.scope == "data"]
    checked = tuple(
        name
        for name, present in (
            ("shapes", folder.shapes.present),
            ("checks", bool(own)),
            ("ontology checks", bool(shipped)),
        )
        if present
    )
    report = Graph()
    _bind(report)
    violations: list[Violation] = []
    engines: dict[str, object] = {}
    with checks_aside(folder, data_checks, prefixes) as pending:
        store: shacl.engine.DataStore | None = None
        if folder.shapes.present:
            shapes = to_graph(folder.shapes.quads)
            results, store, engines = _validate_shapes(folder, shapes, engine)
            report += results
            violations += describe_results(results, folder, shapes)
        found = _ontology_findings(folder, shipped, prefixes)
        if data_checks:
            shared = store.store if store is not None and store.union else None
            found += (
                pending() if pending else run_checks(folder, data_checks, shared, prefixes=prefixes)
            )
    violations += found
    report += check_results(found)
    conforms = not any(v.severity == "error" for v in violations)
    _summarise(report, conforms)
    return ValidationReport(conforms, violations, report, checked, engines)


def _validate_shapes(
    folder: Folder, shapes: Graph, engine: str
) -> tuple[Graph, shacl.engine.DataStore | None, dict[str, object]]:
    """The SHACL results of the folder's shapes, the fast engine's store, and who checked what."""
    data = [folder.data.quads, folder.ontology.quads]
    if engine == "pyshacl":
        return (
            run_pyshacl(data, shapes),
            None,
            {"fast": [], "pyshacl": "all shapes (--engine pyshacl)"},
        )
    outcome = shacl.validate(data, shapes, lambda part: run_pyshacl(data, part))
    engines: dict[str, object] = {
        "fast": sorted(str(s) for s, e in outcome.engines.items() if e == "fast"),
        "pyshacl": {str(s): r for s, r in sorted(outcome.reasons.items(), key=str)},
    }
    return outcome.results, outcome.store, engines


def _ontology_findings(
    folder: Folder, shipped: list[Check], prefixes: Mapping[str, str]
) -> list[Violation]:
    """The ontology checks on the ontology and shapes, and the queries' deprecated terms."""
    if not shipped:
        return []
    found = run_ontology_checks(folder, shipped, prefixes)
    severity = profile(folder.settings)["deprecated-term-in-queries"]
    if severity in SEVERITIES:
        found += deprecated_in_queries(folder, severity, prefixes)
    return found


def run_shapes(
    data: Sequence[Sequence[ox.Quad]],
    shapes: Graph,
    processes: int | None = None,
    engine: str = "fast",
) -> Graph:
    """The SHACL results graph of the merged `data` against `shapes` (no inference)."""
    if engine == "pyshacl":
        return run_pyshacl(data, shapes, processes)
    return shacl.validate(data, shapes, lambda part: run_pyshacl(data, part, processes)).results


def run_pyshacl(
    data: Sequence[Sequence[ox.Quad]], shapes: Graph, processes: int | None = None
) -> Graph:
    """pySHACL's results graph of the merged `data` against `shapes` (no inference).

    Small graphs are validated here. Large ones are validated by one forked process per core:
    each builds its own rdflib graph (the slow part) and checks its share of the node shapes.
    """
    processes = processes or (os.cpu_count() or 1)
    if processes < 2 or sum(len(part) for part in data) < PARALLEL_THRESHOLD:
        return _pyshacl(_merged(data), shapes)
    node_shapes = sorted(
        set(shapes.subjects(RDF.type, SH.NodeShape))
        | {s for p in NODE_SHAPE_TARGETS for s in shapes.subjects(p, None)},
        key=str,
    )
    groups = [node_shapes[i::processes] for i in range(processes)]
    global _FORK_DATA, _FORK_SHAPES
    _FORK_DATA, _FORK_SHAPES = data, shapes
    try:
        with multiprocessing.get_context("fork").Pool(len(groups)) as pool:
            parts = pool.map(_validate_group, groups)
    finally:
        _FORK_DATA = _FORK_SHAPES = None
    merged = Graph()
    for part in parts:
        merged.parse(data=part, format="nt")
    return merged


def _merged(data: Sequence[Sequence[ox.Quad]]) -> Graph:
    graph = Graph()
    for part in data:
        to_graph(part, graph)
    return graph


# What forked validation processes inherit from their parent (copy-on-write).
_FORK_DATA: Sequence[Sequence[ox.Quad]] | None = None
_FORK_SHAPES: Graph | None = None


def _validate_group(group: list[Node]) -> str:
    """In a forked process: validate with only `group`'s node shapes keeping their targets."""
    assert _FORK_DATA is not None and _FORK_SHAPES is not None
    keep = set(group)
    shapes = Graph()
    for triple in _FORK_SHAPES:
        if triple[1] in NODE_SHAPE_TARGETS and triple[0] not in keep:
            continue
        shapes.add(triple)
    return _pyshacl(_merged(_FORK_DATA), shapes).serialize(format="nt")


def _pyshacl(data: Graph, shapes: Graph) -> Graph:
    _conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        inplace=True,
        allow_warnings=True,
    )
    graph = Graph()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        _copy_closure(results, result, graph)
    return graph


def _copy_closure(source: Graph, node: Node, target: Graph) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_closure(source, o, target)


def _summarise(report: Graph, conforms: bool) -> None:
    """Give the results one sh:ValidationReport, as the SHACL report format wants."""
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(conforms)))
    for result in set(report.subjects(RDF.type, SH.ValidationResult)):
        report.add((node, SH.result, result))


def describe_results(results: Graph, folder: Folder, shapes: Graph) -> list[Violation]:
    """Turn SHACL results into violations naming resource, property, constraint and file."""
    names = Graph()
    _bind(names)
    declared = [*shapes.namespaces()]  # then the prefixes the folder's files declare
    for part in (folder.shapes, folder.ontology, folder.data):
        declared += [(prefix, URIRef(namespace)) for prefix, namespace in part.prefixes.items()]
    for prefix, namespace in declared:
        if prefix:
            names.bind(prefix, namespace, override=False)
    show = names.namespace_manager.normalizeUri
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        component = results.value(result, SH.sourceConstraintComponent)
        shape = results.value(result, SH.sourceShape)
        value = results.value(result, SH.value)
        severity = results.value(result, SH.resultSeverity)
        found.append(
            Violation(
                focus=_show(focus, show),
                path=_show(path, show) if path is not None else None,
                constraint=_local_name(component),
                message=_pick_message(results, result, shapes),
                severity=severity_of_shacl(severity),
                shape=_show(shape, show) if isinstance(shape, URIRef) else None,
                value=_show(value, show) if value is not None else None,
                files=_files_of(folder, focus),
            )
        )
    return sorted(found, key=lambda v: (v.files, v.focus, v.path or "", v.constraint))


def _pick_message(results: Graph, result: Node, shapes: Graph) -> str:
    """The most specific English message of a result.

    pySHACL repeats a node shape's own message on results of the constraints inside it (a
    SPARQL constraint, say); the constraint's message says more, so it wins.
    """
    messages = [m for m in results.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    english = sorted(str(m) for m in messages if m.language in (None, "en")) or sorted(
        str(m) for m in messages
    )
    shape = results.value(result, SH.sourceShape)
    general = {str(m) for m in shapes.objects(shape, SH.message)} if shape is not None else set()
    specific = [m for m in english if m not in general]
    return (specific or english or ["(no message)"])[0]


def _show(term: Node | None, show) -> str:  # type: ignore[no-untyped-def]
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return str(show(term))
    if isinstance(term, Literal):  # its datatype prefixed as the IRIs are
        if term.datatype is None or term.language:
            return term.n3()
        return f"{Literal(str(term)).n3()}^^{show(term.datatype)}"
    return "[]"  # a blank node (e.g. a complex path)


def _local_name(term: Node | None) -> str:
    if term is None:
        return ""
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _files_of(folder: Folder, focus: Node | None) -> tuple[str, ...]:
    if isinstance(focus, URIRef):
        key: ox.NamedNode | ox.BlankNode = ox.NamedNode(str(focus))
    elif isinstance(focus, BNode):
        key = ox.BlankNode(str(focus))
    else:
        return ()
    return tuple(sorted(folder.relative(p) for p in folder.subject_files.get(key, ())))


def _bind(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)


__all__ = ["Violation", "ValidationReport", "check_files", "validate_folder"]
