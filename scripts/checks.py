"""SPARQL checks: queries whose every row is a finding, run on pyoxigraph.

Two kinds share this runner: the dataset's own `*-violation.rq` (always errors, over data and
ontology) and the ontology checks that ship with ldkit (`pipeline.ontology_checks`, each with a
severity from the profile). A check's `#+ message:` may name the row's variables (`{?term}`),
and put in square brackets a part said only when its variables have values (`[ (replaced by
{?replacement})]`); without variables, the row's other columns follow the message, as the
dataset's checks expect.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline.findings import Violation
from ldkit.pipeline.iri_text import show_term
from ldkit.pipeline.loading import Folder
from ldkit.server.namespaces import PREFIXES

# Above this many triples, data checks run in forked processes beside the shapes.
PARALLEL_THRESHOLD = 150_000

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_VARIABLE = re.compile(r"\{\?(\w+)\}")
_OPTIONAL_PART = re.compile(r"\[([^\[\]]*)\]")


@dataclasses.dataclass(frozen=True)
class Check:
    """One SPARQL check, ready to run."""

    id: str
    query: str
    message: str
    severity: str = "error"
    # "data": over data + ontology (their union); "ontology": over the ontology (default graph)
    # with the shapes in <urn:ldkit:shapes>.
    scope: str = "data"
    source: str = ""  # the file, as named in a bad-query finding
    # The dataset's checks: a finding's message is followed by the row's other columns.
    columns_follow: bool = True


def header(query: str, key: str) -> str | None:
    """A grlc-style `#+ key: value` header line of a query file."""
    for line in query.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+") and ":" in stripped:
            name, value = stripped[2:].split(":", 1)
            if name.strip() == key:
                return value.strip()
    return None


def check_files(folder: Folder) -> list[Path]:
    """The `*-violation.rq` queries of the folder (beside the ontology or the shapes)."""
    found: list[Path] = []
    for directory in (folder.settings.ontology_dir, folder.settings.shapes_dir):
        if directory.is_dir():
            found += sorted(directory.rglob("*-violation.rq"))
    return found


def dataset_checks(folder: Folder) -> list[Check]:
    """The folder's own `*-violation.rq` checks: every row is an error."""
    found = []
    for path in check_files(folder):
        query = path.read_text(encoding="utf-8")
        message = header(query, "message") or f"returned by {path.name}"
        found.append(Check(path.stem, query, message, source=folder.relative(path)))
    return found


def data_store(folder: Folder) -> ox.Store:
    """A store of the data and the ontology, in their graphs (checks read their union)."""
    store = ox.Store()
    store.extend(folder.data.quads)
    store.extend(folder.ontology.quads)
    return store


def run_checks(
    folder: Folder,
    checks: Sequence[Check],
    store: ox.Store | None = None,
    default_graph: ox.NamedNode | None = None,
    prefixes: Mapping[str, str] = PREFIXES,
) -> list[Violation]:
    """Run each check on `store` (by default data + ontology, queried as their union);
    `prefixes` name the terms of its findings."""
    if store is None:
        store = data_store(folder)
    found = []
    for check in checks:
        try:
            if default_graph is None:
                rows = store.query(check.query, use_default_graph_as_union=True)
            else:
                rows = store.query(check.query, default_graph=default_graph)
        except SyntaxError as error:
            found.append(Violation(check.source, None, check.id, f"bad query: {error}"))
            continue
        variables = [v.value for v in rows.variables]  # type: ignore[union-attr]
        for row in rows:  # type: ignore[union-attr]
            found.append(_finding(folder, check, dict(zip(variables, row, strict=True)), prefixes))
    return found


def _finding(
    folder: Folder, check: Check, named: dict[str, Term | None], prefixes: Mapping[str, str]
) -> Violation:
    values = list(named.values())
    focus = values[0] if values else None
    files: tuple[str, ...] = ()
    if isinstance(focus, ox.NamedNode | ox.BlankNode):
        files = tuple(sorted(folder.relative(p) for p in folder.subject_files.get(focus, ())))
    if not check.columns_follow:
        message = _said(check.message, named, prefixes)
        shown = show_term(focus, prefixes) if focus is not None else ""
    else:  # the dataset's checks: the other columns follow the message, by name
        rest = "; ".join(
            f"{name}: {term.value if isinstance(term, ox.Literal) else term}"
            for name, term in list(named.items())[1:]
            if term is not None
        )
        message = f"{check.message} ({rest})" if rest else check.message
        shown = str(focus) if focus is not None else ""
    node = str(focus) if isinstance(focus, ox.NamedNode | ox.BlankNode) else None
    return Violation(shown, None, check.id, message, check.severity, files=files, node=node)


def _said(message: str, named: dict[str, Term | None], prefixes: Mapping[str, str]) -> str:
    """The message with the row's values in it; a bracketed part whose values are missing is
    left out."""

    def part(match: re.Match[str]) -> str:
        bound = all(named.get(name) is not None for name in _VARIABLE.findall(match.group(1)))
        return match.group(1) if bound else ""

    whole = _OPTIONAL_PART.sub(part, message)
    return _VARIABLE.sub(lambda m: _shown(named.get(m.group(1)), prefixes), whole)


def _shown(term: Term | None, prefixes: Mapping[str, str]) -> str:
    return "(none)" if term is None else show_term(term, prefixes)


# --- checks in forked processes ----------------------------------------------------------------

# What the forked checks processes inherit from their parent (copy-on-write), and their store.
_FORK_CHECKS: tuple[Folder, Sequence[Check], Mapping[str, str]] | None = None
_WORKER_STORE: ox.Store | None = None


@contextlib.contextmanager
def checks_aside(
    folder: Folder, checks: Sequence[Check], prefixes: Mapping[str, str] = PREFIXES
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
    _FORK_CHECKS = (folder, checks, prefixes)
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
    folder, checks, prefixes = _FORK_CHECKS
    if _WORKER_STORE is None:
        _WORKER_STORE = data_store(folder)
    return run_checks(folder, [checks[index]], _WORKER_STORE, prefixes=prefixes)
