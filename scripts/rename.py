"""Rename a term of the ontology: NEW takes OLD's place everywhere, OLD stays as a tombstone.

`ldkit rename OLD NEW` declares NEW with OLD's statement block (labels, definition, axioms),
keeps OLD in the ontology deprecated (`owl:deprecated true`, `dcterms:isReplacedBy NEW`, a dated
`skos:changeNote`, its type, labels, definitions and `rdfs:isDefinedBy`, so its IRI still
resolves and old data still reads), and rewrites every other mention of OLD in the ontology,
data, shapes, queries and expected answers to NEW. NEW is always one of the ontology's own terms
(under its namespace): OLD's statements are never given to another vocabulary's IRI. OLD may be a
reused term (`schema:audience` to `cm:intendedAudience`, to stop using it): then its block becomes
NEW's and no tombstone is written, since a term of another vocabulary is not ours to deprecate.

The rewrite is textual, not a reserialisation: the files are written by hand, with comments,
grouping and prefixes that rdflib or oxigraph would drop or reorder, so a diff would show the
whole file. Every form of the name is rewritten (prefixed by any prefix the file declares, `<full
IRI>`, the bare IRI of a CSV answer), as a whole name, in literals too (a SPARQL constraint's
text names terms), and the new text is parsed again before anything is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline.deprecation import deprecated_terms
from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.iri_text import (
    TEXT_SUFFIXES,
    declared_prefixes,
    files_prefixes,
    iri_pattern,
    replace_iri,
    show_iri,
    show_term,
)
from ldkit.pipeline.loading import Folder, InputError, read_folder
from ldkit.server.formats import rdf_format_for_path
from ldkit.server.namespaces import DCTERMS, OWL, RDF, RDFS, SKOS
from ldkit.server.pages.ontology_doc import own_namespace
from ldkit.server.settings import Settings

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
OWL_DEPRECATED = ox.NamedNode(str(OWL.deprecated))
# What the tombstone keeps of OLD: what a page shows and where it is defined, never its axioms.
KEPT = (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.comment, RDFS.isDefinedBy)


class RenameError(InputError):
    """A rename that cannot be done as asked: the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class Change:
    """One file's text before and after the rename."""

    path: Path
    shown: str  # the path as a person reads it
    before: str
    after: str

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            f"a/{self.shown}",
            f"b/{self.shown}",
        )
        return "".join(lines)


def resolve_term(name: str, prefixes: dict[str, str]) -> str:
    """The IRI of `cm:serves`, `<https://...>` or `https://...`; RenameError when unknown."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if re.match(r"^[a-z][a-z0-9+.-]*://", name, re.IGNORECASE):
        return name
    prefix, _, local = name.partition(":")
    if not _ or prefix not in prefixes:
        raise RenameError(f"{name}: not a prefixed name with a known prefix, nor a full IRI")
    return prefixes[prefix] + local


def plan_rename(settings: Settings, old_name: str, new_name: str) -> list[Change]:
    """Every file that the rename changes, with its new text (nothing is written)."""
    folder = read_folder(settings)
    prefixes = files_prefixes([*folder.ontology.files, *folder.shapes.files])
    old, new = resolve_term(old_name, prefixes), resolve_term(new_name, prefixes)
    namespace = _own_namespace(folder)
    declaring = _declaring_file(folder, old, new, prefixes, namespace)
    tombstone = old.startswith(namespace)  # another vocabulary's term is not ours to deprecate
    changes = []
    for path in _text_files(settings):
        before = path.read_text(encoding="utf-8")
        if path == declaring and tombstone:
            after = _rewrite_declaration(folder, before, old, new)
        else:
            after = replace_iri(before, old, new)
        if after != before:
            changes.append(Change(path, folder.relative(path), before, after))
    for change in changes:
        _check_parses(change, settings)
    return changes


def write_changes(changes: list[Change]) -> None:
    """Write the new text of every changed file."""
    for change in changes:
        change.path.write_text(change.after, encoding="utf-8")


def _declaring_file(
    folder: Folder, old: str, new: str, prefixes: dict[str, str], namespace: str
) -> Path:
    """The ontology file that declares OLD; RenameError when none does, OLD is deprecated already,
    NEW exists or is not in the ontology's `namespace`."""
    typed = ox.NamedNode(str(RDF.type))
    subjects = {q.subject for q in folder.ontology.quads if q.predicate == typed}
    shown_old, shown_new = show_iri(old, prefixes), show_iri(new, prefixes)
    if not new.startswith(namespace):
        raise RenameError(
            f"{shown_new} is not a term of this ontology (its terms are under {namespace}):"
            " a rename gives OLD's statements to a term of ours, never to another vocabulary's"
        )
    if ox.NamedNode(new) in subjects:
        raise RenameError(f"{shown_new} is declared in the ontology already: pick another name")
    if ox.NamedNode(old) not in subjects:
        raise RenameError(f"{shown_old} is not declared in {folder.settings.ontology_dir.name}/")
    if old in deprecated_terms(folder):
        raise RenameError(f"{shown_old} is deprecated already: rename its replacement instead")
    files = folder.subject_files.get(ox.NamedNode(old), set())
    declaring = sorted(p for p in files if p in folder.ontology.files and p.suffix == ".ttl")
    if not declaring:
        raise RenameError(f"{shown_old} is declared in no Turtle file of the ontology")
    return declaring[0]


def _own_namespace(folder: Folder) -> str:
    """The namespace of the ontology's own terms, as its documentation and `ldkit diff` read it."""
    header = ox.NamedNode(folder.settings.ontology_iri)
    graph = to_graph(q for q in folder.ontology.quads if q.subject == header)
    return own_namespace(graph, folder.settings.ontology_iri)


def _text_files(settings: Settings) -> list[Path]:
    found: list[Path] = []
    for directory in (settings.ontology_dir, settings.data_dir, settings.shapes_dir):
        if directory.is_dir():
            found += [p for p in directory.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES]
    if settings.queries_dir.is_dir():
        found += [p for p in settings.queries_dir.iterdir() if p.suffix in (".rq", ".csv")]
    return sorted(p for p in found if "cache" not in p.parts)


def _rewrite_declaration(folder: Folder, text: str, old: str, new: str) -> str:
    """The declaring file: OLD's block becomes NEW's, followed by OLD's tombstone."""
    prefixes = declared_prefixes(text)
    start, end = _block(text, old)
    return (
        replace_iri(text[:end], old, new, prefixes)
        + "\n"
        + _tombstone(folder, prefixes, old, new)
        + replace_iri(text[end:], old, new, prefixes)
    )


def _block(text: str, old: str) -> tuple[int, int]:
    """Where OLD's statement block is: from the line naming it first to the line ending in '.'."""
    pattern = iri_pattern(old, declared_prefixes(text))
    for line in re.finditer(r"^\S.*$", text, re.MULTILINE):
        found = pattern.match(line.group(0))
        if found and line.group(0)[found.end() :][:1].isspace():
            closing = re.compile(r"\s\.[ \t]*(#.*)?$", re.MULTILINE).search(text, line.start())
            if closing:
                return line.start(), text.index("\n", closing.start()) + 1
    raise RenameError(f"no statement block starting with {show_iri(old)} at the start of a line")


def _tombstone(folder: Folder, prefixes: dict[str, str], old: str, new: str) -> str:
    """OLD, deprecated and replaced by NEW, in the file's Turtle style."""
    today = dt.date.today().isoformat()
    kept: list[tuple[ox.NamedNode, Term]] = [
        (q.predicate, q.object)
        for q in folder.ontology.quads
        if q.subject == ox.NamedNode(old) and q.predicate.value in {str(p) for p in KEPT}
    ]
    note = ox.Literal(f"Renamed to {show_iri(new, prefixes)} on {today}.", language="en")
    kept += [
        (OWL_DEPRECATED, ox.Literal("true", datatype=ox.NamedNode(XSD_BOOLEAN))),
        (ox.NamedNode(str(DCTERMS.isReplacedBy)), ox.NamedNode(new)),
        (ox.NamedNode(str(SKOS.changeNote)), note),
    ]
    return f"# Deprecated on {today}: replaced by {show_iri(new, prefixes)}.\n" + _turtle_block(
        old, kept, prefixes
    )


def _turtle_block(
    subject: str, statements: list[tuple[ox.NamedNode, Term]], prefixes: dict[str, str]
) -> str:
    """`s a T ;\\n    p o , o ;\\n    p o .` as the repository writes Turtle."""
    grouped: dict[str, list[str]] = {}
    for predicate, value in statements:
        name = "a" if predicate.value == str(RDF.type) else show_iri(predicate.value, prefixes)
        grouped.setdefault(name, []).append(_object(value, prefixes))
    lines = []
    for name, values in grouped.items():
        line = f"{name} {' , '.join(values)}"
        lines.append(line if len(line) < 96 else f"{name} " + " ,\n        ".join(values))
    return f"{show_iri(subject, prefixes)} " + " ;\n    ".join(lines) + " .\n"


def _object(value: Term, prefixes: dict[str, str]) -> str:
    if isinstance(value, ox.Literal) and value.datatype.value == XSD_BOOLEAN:
        return value.value
    return show_term(value, prefixes)


def _check_parses(change: Change, settings: Settings) -> None:
    """Refuse a rewrite that would not parse: the files are left as they are."""
    fmt = rdf_format_for_path(change.path.name)
    if fmt is None or not isinstance(fmt.oxigraph, ox.RdfFormat):
        return
    try:
        ox.parse(change.after.encode("utf-8"), format=fmt.oxigraph, base_iri=settings.base_iri)
    except SyntaxError as error:
        raise RenameError(
            f"the rewrite of {change.shown} would not parse (line {error.lineno or '?'}: "
            f"{error.msg}); nothing was written"
        ) from None
