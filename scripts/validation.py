"""Validate a dataset folder: SHACL shapes and data-quality checks (`*-violation.rq`).

Two SHACL engines give the same results (tests/test_shacl_engine.py checks it result for result):

- `fast` (the default): `ldkit.pipeline.shacl` compiles the shapes to SPARQL and runs them on one
  pyoxigraph store of data + ontology (no rdflib copy of the data); a shape it cannot compile
  exactly is validated by pySHACL instead (the report's `engines` says which shape went where);
- `pyshacl`: the reference. The data and the ontology are merged into one in-memory rdflib graph;
  on large graphs the node shapes are split over forked processes.

Either way the ontology's `rdfs:subClassOf` axioms make a shape on a class apply to its
subclasses. The `*-violation.rq` checks run on pyoxigraph (the fast engine's store, or forked
processes of their own on large data, beside the shapes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ldkit.pipeline import shacl
from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import Folder
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


@dataclasses.dataclass(frozen=True)
class Violation:
    """One result of validation, in words a maintainer can act on."""

    focus: str
    path: str | None
    constraint: str
    message: str
    severity: str = "Violation"
    shape: str | None = None
    value: str | None = None
    files: tuple[str, ...] = ()

    def as_text(self) -> str:
        where = ", ".join(self.files) or "(no file)"
        lines = [f"{where}: {self.focus}"]
        detail = f"  {self.path}: " if self.path else "  "
        detail += f"{self.message} [{self.constraint}"
        detail += f", shape {self.shape}]" if self.shape else "]"
        lines.append(detail)
        if self.value is not None:
            lines.append(f"  value: {self.value}")
        return "\n".join(lines)


@dataclasses.dataclass
class ValidationReport:
    """The outcome of validating a folder."""

    conforms: bool
    violations: list[Violation]
    report: Graph
    checked: tuple[str, ...]  # what ran: "shapes", "checks"
    # which engine checked each shape with targets: {"fast": [...], "pyshacl": {shape: reason}}
    engines: dict[str, object] = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "conforms": self.conforms,
            "checked": list(self.checked),
            "violations": [dataclasses.asdict(v) for v in self.violations],
            "engines": self.engines,
        }


def validate_folder(folder: Folder, engine: str = "fast") -> ValidationReport:
    """Validate the data of `folder` against its shapes and its data-quality checks.

    `engine` is "fast" (compiled SPARQL on pyoxigraph, pySHACL for what it cannot compile) or
    "pyshacl" (pySHACL for every shape); both give the same results.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r} (one of {', '.join(ENGINES)})")
    checks = check_files(folder)
    checked = tuple(
        name
        for name, present in (("shapes", folder.shapes.present), ("checks", bool(checks)))
        if present
    )
    report = Graph()
    _bind(report)
    violations: list[Violation] = []
    engines: dict[str, object] = {}
    data = [folder.data.quads, folder.ontology.quads]
    with _checks_aside(folder, checks) as pending:
        store: shacl.engine.DataStore | None = None
        if folder.shapes.present:
            shapes = to_graph(folder.shapes.quads)
            if engine == "fast":
                outcome = shacl.validate(data, shapes, lambda part: run_pyshacl(data, part))
                results, store = outcome.results, outcome.store
                engines = {
                    "fast": sorted(str(s) for s, e in outcome.engines.items() if e == "fast"),
                    "pyshacl": {str(s): r for s, r in sorted(outcome.reasons.items(), key=str)},
                }
            else:
                results = run_pyshacl(data, shapes)
                engines = {"fast": [], "pyshacl": "all shapes (--engine pyshacl)"}
            report += results
            violations += describe_results(results, folder, shapes)
        if checks:
            shared = store.store if store is not None and store.union else None
            violations += pending() if pending else run_checks(folder, checks, shared)
    conforms = not any(v.severity == "Violation" for v in violations)
    _summarise(report, conforms)
    return ValidationReport(conforms, violations, report, checked, engines)


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
    for prefix, namespace in shapes.namespaces():
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
                severity=_local_name(severity) or "Violation",
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
    if isinstance(term, Literal):
        return term.n3()
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


# --- data-quality checks -------------------------------------------------------------------------

# What the forked checks processes inherit from their parent (copy-on-write), and their store.
_FORK_CHECKS: tuple[Folder, list[Path]] | None = None
_WORKER_STORE: ox.Store | None = None


@contextlib.contextmanager
def _checks_aside(
    folder: Folder, checks: list[Path]
) -> Iterator[Callable[[], list[Violation]] | None]:
    """On large data and several cores, run the checks in forked processes (each builds its
    store once) while the caller validates the shapes; yields how to wait for their violations
    (None: the caller runs them)."""
    size = len(folder.data.quads) + len(folder.ontology.quads)
    cores = os.cpu_count() or 1
    if not checks or size < PARALLEL_THRESHOLD or cores < 2:
        yield None
        return
    global _FORK_CHECKS
    _FORK_CHECKS = (folder, checks)
    try:
        with multiprocessing.get_context("fork").Pool(min(cores, len(checks))) as pool:
            pending = pool.map_async(_forked_check, range(len(checks)), chunksize=1)
            _FORK_CHECKS = None  # the workers have their copy
            yield lambda: [v for part in pending.get() for v in part]
    finally:
        _FORK_CHECKS = None


def _forked_check(index: int) -> list[Violation]:
    global _WORKER_STORE
    assert _FORK_CHECKS is not None
    folder, checks = _FORK_CHECKS
    if _WORKER_STORE is None:
        _WORKER_STORE = _checks_store(folder)
    return run_checks(folder, [checks[index]], _WORKER_STORE)


def _checks_store(folder: Folder) -> ox.Store:
    store = ox.Store()
    store.extend(folder.data.quads)
    store.extend(folder.ontology.quads)
    return store


def check_files(folder: Folder) -> list[Path]:
    """The `*-violation.rq` queries of the folder (beside the ontology or the shapes)."""
    found: list[Path] = []
    for directory in (folder.settings.ontology_dir, folder.settings.shapes_dir):
        if directory.is_dir():
            found += sorted(directory.rglob("*-violation.rq"))
    return found


def run_checks(
    folder: Folder, checks: Iterable[Path], store: ox.Store | None = None
) -> list[Violation]:
    """Run each check over data + ontology; every row it returns is a violation.

    `store` may hold data + ontology already, in their graphs (the checks read their union).
    """
    if store is None:
        store = _checks_store(folder)
    found = []
    for path in checks:
        query = path.read_text(encoding="utf-8")
        message = _header(query, "message") or f"returned by {path.name}"
        try:
            rows = store.query(query, use_default_graph_as_union=True)
        except SyntaxError as error:
            found.append(Violation(folder.relative(path), None, path.stem, f"bad query: {error}"))
            continue
        for row in rows:  # type: ignore[union-attr]
            found.append(_check_violation(folder, path, message, row))
    return found


def _check_violation(folder: Folder, path: Path, message: str, row: ox.QuerySolution) -> Violation:
    values = [row[i] for i in range(len(row))]  # type: ignore[arg-type]
    focus = values[0] if values else None
    files: tuple[str, ...] = ()
    if isinstance(focus, ox.NamedNode | ox.BlankNode):
        files = tuple(sorted(folder.relative(p) for p in folder.subject_files.get(focus, ())))
    rest = " ".join(str(v) for v in values[1:] if v is not None)
    return Violation(
        focus=str(focus) if focus is not None else "",
        path=None,
        constraint=path.stem,
        message=f"{message} {rest}".strip(),
        files=files,
    )


def _header(query: str, key: str) -> str | None:
    """A grlc-style `#+ key: value` header line of a query file."""
    for line in query.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+") and ":" in stripped:
            name, value = stripped[2:].split(":", 1)
            if name.strip() == key:
                return value.strip()
    return None
