"""Deprecated terms: which the ontology marks, and where the competency questions still use them.

A term is deprecated by `owl:deprecated true` on it in the ontology; `dcterms:isReplacedBy`
names its one replacement, `rdfs:seeAlso` what to consider when there is no single one. The data
and the shapes are checked by SPARQL (`deprecated-term-in-data`, `deprecated-term-referenced`);
the queries are text, so they are read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pyoxigraph as ox

from ldkit.pipeline.findings import Violation
from ldkit.pipeline.iri_text import show_iri, uses_iri
from ldkit.pipeline.loading import Folder
from ldkit.server.namespaces import DCTERMS, OWL, RDFS

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
