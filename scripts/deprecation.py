"""Deprecated terms: which the ontology marks, where the competency questions still use them,
and `ldkit deprecate`, which marks one.

A term is deprecated by `owl:deprecated true` on it in the ontology; `dcterms:isReplacedBy`
names its one replacement, `rdfs:seeAlso` what to consider when there is no single one. The data
and the shapes are checked by SPARQL (`deprecated-term-in-data`, `deprecated-term-referenced`);
the queries are text, so they are read here.

`ldkit deprecate TERM` adds to TERM's statement block `owl:deprecated true`, its replacement
(`--replaced-by`) or what to consider (`--see`) and a dated `skos:changeNote`; the rest of the
block stays, axioms included, so that the release that deprecates TERM changes nothing a
consumer relies on (removing them later is a change `ldkit diff` calls breaking). With
`--migrate`, every other mention of TERM in data, shapes and queries becomes its replacement.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import NamedTuple

import pyoxigraph as ox

from ldkit.pipeline.findings import Violation
from ldkit.pipeline.iri_text import (
    declared_prefixes,
    files_prefixes,
    replace_iri,
    show_iri,
    uses_iri,
)
from ldkit.pipeline.loading import Folder, read_folder
from ldkit.pipeline.turtle_edits import (
    Change,
    EditRefused,
    check_parses,
    declaring_file,
    deprecated_comment,
    deprecation_statements,
    extended_block,
    own_terms_namespace,
    resolve_term,
    statement_block,
    text_files,
)
from ldkit.server.namespaces import DCTERMS, OWL, RDFS
from ldkit.server.settings import Settings

DEPRECATED = ox.NamedNode(str(OWL.deprecated))
REPLACED_BY = ox.NamedNode(str(DCTERMS.isReplacedBy))
SEE_ALSO = ox.NamedNode(str(RDFS.seeAlso))
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
CHECK_ID = "deprecated-term-in-queries"


class Instead(NamedTuple):
    """What to use instead of a deprecated term: its replacement, or what to consider."""

    replacement: str | None = None
    consider: str | None = None

    def said(self, prefixes: Mapping[str, str]) -> str:
        """ " (replaced by cm:x)", " (see cm:y)", both, or nothing when none is named."""
        parts = [(" (replaced by {})", self.replacement), (" (see {})", self.consider)]
        return "".join(text.format(show_iri(iri, prefixes)) for text, iri in parts if iri)


def deprecated_terms(folder: Folder) -> dict[str, Instead]:
    """Each deprecated term of the ontology, and what to use instead of it."""
    marked = {
        q.subject.value
        for q in folder.ontology.quads
        if q.predicate == DEPRECATED
        and isinstance(q.subject, ox.NamedNode)
        and q.object == TRUE  # anything else is `deprecated-not-boolean`'s error
    }
    found = dict.fromkeys(sorted(marked), Instead())
    for q in folder.ontology.quads:
        term = q.subject.value  # type: ignore[union-attr]
        if term in found and q.predicate in (REPLACED_BY, SEE_ALSO):
            field = "replacement" if q.predicate == REPLACED_BY else "consider"
            found[term] = found[term]._replace(**{field: q.object.value})  # type: ignore[union-attr]
    return found


def deprecated_in_queries(
    folder: Folder, severity: str, prefixes: Mapping[str, str]
) -> list[Violation]:
    """A finding for each query of `queries/` naming a deprecated term."""
    terms = deprecated_terms(folder)
    directory = folder.settings.queries_dir
    if not terms or not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        for term, instead in terms.items():
            if uses_iri(text, term):
                message = f"names the deprecated {show_iri(term, prefixes)}{instead.said(prefixes)}"
                where = folder.relative(path)
                found.append(Violation(where, None, CHECK_ID, message, severity, files=(where,)))
    return found


@dataclasses.dataclass(frozen=True)
class Deprecation:
    """What `ldkit deprecate` changes, and the files that still name the term after it."""

    changes: list[Change]
    still_used: list[str]


def plan_deprecation(
    settings: Settings,
    name: str,
    replaced_by: str | None = None,
    see: tuple[str, ...] = (),
    why: str = "",
    migrate: bool = False,
) -> Deprecation:
    """The deprecation of the term `name` (nothing is written); EditRefused when it cannot be."""
    folder = read_folder(settings)
    prefixes = files_prefixes([*folder.ontology.files, *folder.shapes.files])
    term = resolve_term(name, prefixes)
    shown = show_iri(term, prefixes)
    namespace = own_terms_namespace(folder)
    if not term.startswith(namespace):
        raise EditRefused(
            f"{shown} is not a term of this ontology (under {namespace}): not ours to deprecate"
        )
    declaring = declaring_file(folder, term, shown)
    known = deprecated_terms(folder)
    if term in known:
        raise EditRefused(f"{shown} is deprecated already")
    replacement = _other_term(folder, replaced_by, term, namespace, known, prefixes)
    considered = [_other_term(folder, t, term, namespace, known, prefixes) for t in see]
    if migrate and replacement is None:
        raise EditRefused(
            "--migrate moves the uses of a term to its replacement: name it with --replaced-by"
        )
    instead = [(REPLACED_BY, ox.NamedNode(replacement))] if replacement else []
    instead += [(SEE_ALSO, ox.NamedNode(iri)) for iri in considered if iri]
    reason = why.strip()
    if reason and reason[-1] not in ".!?":
        reason += "."
    note = " ".join(("Deprecated on {date}.", reason[:1].upper() + reason[1:])).strip()
    advice = [f"replaced by {show_iri(replacement, prefixes)}"] if replacement else []
    advice += [f"see {', '.join(show_iri(iri, prefixes) for iri in considered if iri)}"] * bool(see)
    comment = "; ".join(advice) or "no replacement named"
    changes, still_used = [], []
    for path in text_files(settings):
        before = path.read_text(encoding="utf-8")
        after = before
        if path == declaring:
            start, end = statement_block(before, term)
            added = deprecation_statements(instead, note)
            block = extended_block(before[start:end], added, declared_prefixes(before))
            after = before[:start] + deprecated_comment(comment) + block + before[end:]
        elif migrate and replacement and path not in folder.ontology.files:
            after = replace_iri(before, term, replacement)
        if after != before:
            changes.append(Change(path, folder.relative(path), before, after))
        if path != declaring and uses_iri(after, term):
            still_used.append(folder.relative(path))
    for change in changes:
        check_parses(change, settings)
    return Deprecation(changes, still_used)


def _other_term(
    folder: Folder,
    name: str | None,
    term: str,
    namespace: str,
    deprecated: Mapping[str, Instead],
    prefixes: dict[str, str],
) -> str | None:
    """The IRI of a replacement or of a term to consider: one of ours must be declared and not
    deprecated (a typo would point old data nowhere); another vocabulary's is taken as named."""
    if name is None:
        return None
    iri = resolve_term(name, prefixes)
    shown = show_iri(iri, prefixes)
    if iri == term:
        raise EditRefused(f"{shown} cannot replace itself")
    if iri.startswith(namespace):
        declaring_file(folder, iri, shown)  # EditRefused when it is not declared
        if iri in deprecated:
            raise EditRefused(f"{shown} is deprecated too: name what replaces it")
    return iri
