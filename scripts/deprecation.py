"""Deprecated terms: which the ontology marks, and where the competency questions still use them.

A term is deprecated by `owl:deprecated true` on it in the ontology; `dcterms:isReplacedBy`
names its one replacement, `rdfs:seeAlso` what to consider when there is no single one. The data
and the shapes are checked by SPARQL (`deprecated-term-in-data`, `deprecated-term-referenced`);
the queries are text, so they are read here.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def deprecated_terms(folder: Folder) -> dict[str, str | None]:
    """Each deprecated term of the ontology and its replacement (None when none is named)."""
    marked = {
        q.subject.value
        for q in folder.ontology.quads
        if q.predicate == DEPRECATED
        and isinstance(q.subject, ox.NamedNode)
        and q.object == TRUE  # anything else is `deprecated-not-boolean`'s error
    }
    found: dict[str, str | None] = dict.fromkeys(sorted(marked))
    for predicate in (SEE_ALSO, REPLACED_BY):  # a replacement wins over a "see also"
        for q in folder.ontology.quads:
            if q.predicate == predicate and q.subject.value in found:  # type: ignore[union-attr]
                found[q.subject.value] = q.object.value  # type: ignore[union-attr]
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
        for term, replacement in terms.items():
            if uses_iri(text, term):
                shown = show_iri(term, prefixes)
                instead = show_iri(replacement, prefixes) if replacement else "(none)"
                message = f"names the deprecated {shown} (replaced by {instead})"
                where = folder.relative(path)
                found.append(Violation(where, None, CHECK_ID, message, severity, files=(where,)))
    return found
