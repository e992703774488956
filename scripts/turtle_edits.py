"""Editing the dataset's hand-written files in place: found by text, checked by parsing.

The files are written by hand, with comments, grouping and prefixes that rdflib or oxigraph
would drop or reorder, so edits are textual (a diff shows only what changed): a term's statement
block is found by its first line, a new block is written in the repository's Turtle style, and
the new text of every file is parsed again before anything is written. `ldkit rename` and `ldkit
deprecate` edit this way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.iri_text import (
    TEXT_SUFFIXES,
    declared_prefixes,
    iri_pattern,
    show_iri,
    show_term,
)
from ldkit.pipeline.loading import Folder, InputError
from ldkit.server.formats import rdf_format_for_path
from ldkit.server.namespaces import OWL, RDF, RDFS, SKOS
from ldkit.server.pages.ontology_doc import own_namespace
from ldkit.server.settings import Settings

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
OWL_DEPRECATED = ox.NamedNode(str(OWL.deprecated))
CHANGE_NOTE = ox.NamedNode(str(SKOS.changeNote))
# What a tombstone keeps of a term: what a page shows and where it is defined, never its axioms.
KEPT = frozenset(
    str(p)
    for p in (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.comment, RDFS.isDefinedBy)
)


class EditRefused(InputError):
    """An edit that cannot be done as asked: the message says why and what to do."""


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
    """The IRI of `cm:serves`, `<https://...>` or `https://...`; EditRefused when unknown."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if re.match(r"^[a-z][a-z0-9+.-]*://", name, re.IGNORECASE):
        return name
    prefix, _, local = name.partition(":")
    if not _ or prefix not in prefixes:
        raise EditRefused(f"{name}: not a prefixed name with a known prefix, nor a full IRI")
    return prefixes[prefix] + local


def write_changes(changes: list[Change]) -> None:
    """Write the new text of every changed file."""
    for change in changes:
        change.path.write_text(change.after, encoding="utf-8")


def text_files(settings: Settings) -> list[Path]:
    found: list[Path] = []
    for directory in (settings.ontology_dir, settings.data_dir, settings.shapes_dir):
        if directory.is_dir():
            found += [p for p in directory.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES]
    if settings.queries_dir.is_dir():
        found += [p for p in settings.queries_dir.iterdir() if p.suffix in (".rq", ".csv")]
    return sorted(p for p in found if "cache" not in p.parts)


CLOSING = re.compile(r"\s\.[ \t]*(#.*)?$", re.MULTILINE)  # a block's last ' .', and a comment


def statement_block(text: str, old: str) -> tuple[int, int]:
    """Where the statement block of `old` is: from the line naming it first to the line ending
    in '.'."""
    pattern = iri_pattern(old, declared_prefixes(text))
    for line in re.finditer(r"^\S.*$", text, re.MULTILINE):
        found = pattern.match(line.group(0))
        if found and line.group(0)[found.end() :][:1].isspace():
            closing = CLOSING.search(text, line.start())
            if closing:
                return line.start(), text.index("\n", closing.start()) + 1
    raise EditRefused(f"no statement block starting with {show_iri(old)} at the start of a line")


def turtle_block(
    subject: str, statements: list[tuple[ox.NamedNode, Term]], prefixes: dict[str, str]
) -> str:
    """`s a T ;\\n    p o , o ;\\n    p o .` as the repository writes Turtle."""
    lines = _predicate_lines(statements, prefixes)
    return f"{show_iri(subject, prefixes)} " + " ;\n    ".join(lines) + " .\n"


def extended_block(
    block: str, statements: Sequence[tuple[ox.NamedNode, Term]], prefixes: dict[str, str]
) -> str:
    """A statement block with `statements` added before its closing '.' (a comment after the
    '.' stays where it was)."""
    closing = list(CLOSING.finditer(block))[-1]
    comment = f" {closing.group(1)}" if closing.group(1) else ""
    added = " ;\n    ".join(_predicate_lines(statements, prefixes))
    return block[: closing.start()] + f" ;\n    {added} .{comment}" + block[closing.end() :]


def _predicate_lines(
    statements: Sequence[tuple[ox.NamedNode, Term]], prefixes: dict[str, str]
) -> list[str]:
    """`p o , o` for each predicate, in the order first given; long ones one object a line."""
    grouped: dict[str, list[str]] = {}
    for predicate, value in statements:
        name = "a" if predicate.value == str(RDF.type) else show_iri(predicate.value, prefixes)
        grouped.setdefault(name, []).append(_object(value, prefixes))
    lines = []
    for name, values in grouped.items():
        line = f"{name} {' , '.join(values)}"
        lines.append(line if len(line) < 96 else f"{name} " + " ,\n        ".join(values))
    return lines


def _object(value: Term, prefixes: dict[str, str]) -> str:
    if isinstance(value, ox.Literal) and value.datatype.value == XSD_BOOLEAN:
        return value.value
    return show_term(value, prefixes)


def check_parses(change: Change, settings: Settings) -> None:
    """Refuse a rewrite that would not parse: the files are left as they are."""
    fmt = rdf_format_for_path(change.path.name)
    if fmt is None or not isinstance(fmt.oxigraph, ox.RdfFormat):
        return
    try:
        ox.parse(change.after.encode("utf-8"), format=fmt.oxigraph, base_iri=settings.base_iri)
    except SyntaxError as error:
        raise EditRefused(
            f"the rewrite of {change.shown} would not parse (line {error.lineno or '?'}: "
            f"{error.msg}); nothing was written"
        ) from None


def tombstone(
    folder: Folder,
    prefixes: dict[str, str],
    term: str,
    instead: Sequence[tuple[ox.NamedNode, Term]],
    note: str,
    comment: str,
) -> str:
    """`term` deprecated, in the file's Turtle style: its type, labels, definitions and
    `rdfs:isDefinedBy` (never its axioms), `owl:deprecated true`, what to use `instead`, and a
    dated `skos:changeNote` (`note`, "{date}" in it the day's date), under a comment line."""
    kept: list[tuple[ox.NamedNode, Term]] = [
        (q.predicate, q.object)
        for q in folder.ontology.quads
        if q.subject == ox.NamedNode(term) and q.predicate.value in KEPT
    ]
    kept += deprecation_statements(instead, note)
    return deprecated_comment(comment) + turtle_block(term, kept, prefixes)


def deprecated_comment(comment: str) -> str:
    """The dated comment line above a deprecated term: `# Deprecated on 2026-12-04: ...`."""
    return f"# Deprecated on {dt.date.today().isoformat()}: {comment}.\n"


def deprecation_statements(
    instead: Sequence[tuple[ox.NamedNode, Term]], note: str
) -> list[tuple[ox.NamedNode, Term]]:
    """`owl:deprecated true`, what to use `instead`, and the dated change note (`note`, its
    "{date}" the day's date)."""
    today = dt.date.today().isoformat()
    deprecated = ox.Literal("true", datatype=ox.NamedNode(XSD_BOOLEAN))
    dated = ox.Literal(note.replace("{date}", today), language="en")
    return [(OWL_DEPRECATED, deprecated), *instead, (CHANGE_NOTE, dated)]


def own_terms_namespace(folder: Folder) -> str:
    """The namespace of the ontology's own terms, as its documentation and `ldkit diff` read it."""
    header = ox.NamedNode(folder.settings.ontology_iri)
    graph = to_graph(q for q in folder.ontology.quads if q.subject == header)
    return own_namespace(graph, folder.settings.ontology_iri)


def declaring_file(folder: Folder, term: str, shown: str) -> Path:
    """The Turtle file of the ontology that declares `term`; EditRefused when none does."""
    typed = ox.NamedNode(str(RDF.type))
    if not any(
        q.subject == ox.NamedNode(term) and q.predicate == typed for q in folder.ontology.quads
    ):
        raise EditRefused(f"{shown} is not declared in {folder.settings.ontology_dir.name}/")
    files = folder.subject_files.get(ox.NamedNode(term), set())
    declaring = sorted(p for p in files if p in folder.ontology.files and p.suffix == ".ttl")
    if not declaring:
        raise EditRefused(f"{shown} is declared in no Turtle file of the ontology")
    return declaring[0]
