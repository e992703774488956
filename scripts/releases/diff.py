"""The semantic diff of two versions of a dataset's ontology and shapes, and who each change breaks.

Each graph holds one version's ontology and shapes together. The ontology's own terms (IRIs in
its namespace with an rdf:type) are compared term by term; the shapes are compared by what they
constrain (see `shape_diff`), never by blank-node identity. Every change says whom it breaks:

- term added: safe. Term removed: breaking for consumers, and for producers when the data uses
  it; a term the new version still declares, deprecated, is "term deprecated" instead. A rename
  is a removal or deprecation with `dcterms:isReplacedBy` (or the new term's `dcterms:replaces`):
  the detail says "renamed to X" when X is new in this version, "replaced by X" when it was there
  already, "see X" for an `rdfs:seeAlso`. Deprecated and undeprecated: safe (the uses are
  counted, so a maintainer sees how much data still says the old term).
- label changed (rdfs:label, skos:prefLabel), per language: safe. Definition changed
  (skos:definition, rdfs:comment), per language: breaking for consumers, as the meaning changed;
  a definition in a language that had none is safe.
- hierarchy changed (rdfs:subClassOf, rdfs:subPropertyOf to IRIs): a superclass or
  superproperty removed breaks consumers; one added is safe.
- range changed: narrowed (the new range a subclass of the old in the new version, one more
  range, a different datatype) breaks producers; widened (the old range a subclass of the new,
  one range fewer, a datatype to rdfs:Literal) is safe; any other change breaks consumers.
  Domain changed: breaks consumers.
- kind changed (class, object, datatype or annotation property): breaking for consumers.

With the data, `uses` counts the distinct subjects using a term as predicate or as rdf:type
object, and for a shape change breaking producers the focus nodes its targets select.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ldkit.pipeline.iri_text import show_iri
from ldkit.pipeline.releases.shape_diff import (
    CONSUMERS,
    IMPACTS,
    PRODUCERS,
    SAFE,
    SHAPE_KINDS,
    ConstraintChange,
    Show,
    Target,
    shape_changes,
)
from ldkit.server.namespaces import DCTERMS, OWL, PREFIXES, RDF, RDFS, SKOS, XSD

ADDED = "term added"
REMOVED = "term removed"
DEPRECATED = "term deprecated"
UNDEPRECATED = "term undeprecated"
LABEL = "label changed"
DEFINITION = "definition changed"
HIERARCHY = "hierarchy changed"
DOMAIN = "domain changed"
RANGE = "range changed"
KIND = "kind changed"
# fmt: off
TERM_KINDS = (
    ADDED, REMOVED, DEPRECATED, UNDEPRECATED, LABEL, DEFINITION, HIERARCHY, DOMAIN, RANGE, KIND,
)
# fmt: on
CHANGE_KINDS = (*TERM_KINDS, *SHAPE_KINDS)
FORMATS = ("table", "markdown", "json")

TEXTS = (
    (RDFS.label, "label", LABEL),
    (SKOS.prefLabel, "prefLabel", LABEL),
    (SKOS.definition, "definition", DEFINITION),
    (RDFS.comment, "comment", DEFINITION),
)
PARENTS = ((RDFS.subClassOf, "superclass"), (RDFS.subPropertyOf, "superproperty"))
TERM_KIND_NAMES: dict[Node, str] = {
    OWL.Class: "class",
    RDFS.Class: "class",
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "datatype property",
    OWL.AnnotationProperty: "annotation property",
    RDF.Property: "property",
}
SECTIONS = {PRODUCERS: "Breaking for producers", CONSUMERS: "Breaking for consumers", SAFE: "Safe"}


@dataclasses.dataclass(frozen=True)
class Change:
    """One change between two versions, and whom it breaks.

    `subject` is a term's IRI, or for a shape the key of what it constrains
    ("cm:Meeting / schema:startDate"); `impact` one of IMPACTS; `uses` how many things of the
    data the change touches (None when no data was given).
    """

    kind: str
    subject: str
    detail: str
    impact: str
    uses: int | None = None


def diff(old: Graph, new: Graph, namespace: str, data: Graph | None = None) -> list[Change]:
    """Every change from `old` to `new` (ontology and shapes), breaking first."""
    prefixes = graph_prefixes(old, new)

    def show(iri: str) -> str:
        return show_iri(iri, prefixes)

    changes = [
        c for found in _term_changes(old, new, namespace, show) for c in _counted(found, data)
    ]
    renamed = {
        str(term): str(replacement)
        for term in own_terms(old, namespace)
        if isinstance(replacement := _replacement(new, term), URIRef)
    }
    changes += [_shape_change(c, data) for c in shape_changes(old, new, show, renamed)]
    return sorted(changes, key=_order)


def breaking(changes: list[Change]) -> bool:
    """Whether any change breaks producers or consumers."""
    return any(c.impact != SAFE for c in changes)


def graph_prefixes(*graphs: Graph) -> dict[str, str]:
    """ldkit's prefixes, then those the graphs bind, for showing IRIs compactly."""
    prefixes = dict(PREFIXES)
    for graph in graphs:
        for prefix, namespace in graph.namespaces():
            if prefix and str(namespace) not in prefixes.values():
                prefixes.setdefault(prefix, str(namespace))
    return prefixes


def _order(change: Change) -> tuple[int, str, str, str]:
    return (IMPACTS.index(change.impact), change.subject, change.kind, change.detail)


# --- Terms ------------------------------------------------------------------------------------


def own_terms(graph: Graph, namespace: str) -> set[URIRef]:
    """The terms `graph` declares in `namespace`: IRIs in it with an rdf:type."""
    return {
        s
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(namespace) and str(s) != namespace
    }


def _term_changes(old: Graph, new: Graph, namespace: str, show: Show) -> Iterator[Change]:
    before, after = own_terms(old, namespace), own_terms(new, namespace)
    for term in sorted(after - before):
        replaced = _replaced(new, term)
        detail = f"replaces {show(str(replaced))}" if replaced is not None else "added"
        yield Change(ADDED, str(term), detail, SAFE)
    for term in sorted(before - after):
        replacement = _replacement(new, term) or _replacement(old, term)
        detail = f"renamed to {show(str(replacement))}" if replacement is not None else "removed"
        yield Change(REMOVED, str(term), detail, CONSUMERS)
    for term in sorted(before & after):
        yield from _deprecation(old, new, term, show)
        if _renamed_now(old, new, term):
            continue  # its axioms moved to the new name: the rename says it all
        yield from _kind(old, new, term)
        yield from _texts(old, new, term)
        yield from _hierarchy(old, new, term, show)
        yield from _domain_and_range(old, new, term, show)


def _renamed_now(old: Graph, new: Graph, term: URIRef) -> bool:
    """Whether `term` became, in `new`, a deprecated tombstone pointing at its new name."""
    renamed = _deprecated(new, term) and _replacement(new, term) is not None
    return renamed and not _deprecated(old, term)


def _replacement(graph: Graph, term: URIRef) -> Node | None:
    """The term that replaces `term` in `graph`, if one is named."""
    return graph.value(term, DCTERMS.isReplacedBy) or graph.value(None, DCTERMS.replaces, term)


def _replaced(graph: Graph, term: URIRef) -> Node | None:
    """The term that `term` replaces in `graph`, if one is named."""
    return graph.value(term, DCTERMS.replaces) or graph.value(None, DCTERMS.isReplacedBy, term)


def _deprecated(graph: Graph, term: URIRef) -> bool:
    """Only the boolean true deprecates (any other value is `deprecated-not-boolean`'s error)."""
    return (term, OWL.deprecated, Literal(True)) in graph


def _deprecation(old: Graph, new: Graph, term: URIRef, show: Show) -> Iterator[Change]:
    was, now = _deprecated(old, term), _deprecated(new, term)
    if now and not was:
        replacement = _replacement(new, term)
        detail = "deprecated"
        if replacement is not None:  # renamed when its replacement is new in this version
            verb = "replaced by" if (replacement, RDF.type, None) in old else "renamed to"
            detail = f"{verb} {show(str(replacement))}"
        elif considered := sorted(str(t) for t in new.objects(term, RDFS.seeAlso)):
            detail = f"see {', '.join(show(t) for t in considered)}"
        yield Change(DEPRECATED, str(term), detail, SAFE)
    elif was and not now:
        yield Change(UNDEPRECATED, str(term), "no longer deprecated", SAFE)


def _kind_names(graph: Graph, term: URIRef) -> frozenset[str]:
    names = {TERM_KIND_NAMES[t] for t in graph.objects(term, RDF.type) if t in TERM_KIND_NAMES}
    if len(names) > 1:  # rdf:Property beside an OWL kind of property says nothing more
        names.discard("property")
    return frozenset(names)


def _kind(old: Graph, new: Graph, term: URIRef) -> Iterator[Change]:
    was, now = _kind_names(old, term), _kind_names(new, term)
    if was != now:
        detail = f"kind {', '.join(sorted(was)) or 'none'} → {', '.join(sorted(now)) or 'none'}"
        yield Change(KIND, str(term), detail, CONSUMERS)


def _by_language(graph: Graph, term: URIRef, predicate: URIRef) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for value in graph.objects(term, predicate):
        if isinstance(value, Literal):
            found.setdefault(value.language or "", set()).add(str(value))
    return found


def _texts(old: Graph, new: Graph, term: URIRef) -> Iterator[Change]:
    for predicate, name, kind in TEXTS:
        before, after = _by_language(old, term, predicate), _by_language(new, term, predicate)
        for language in sorted(before.keys() | after.keys()):
            was, now = before.get(language, set()), after.get(language, set())
            if was != now:
                where = f"{name}@{language}" if language else name
                detail = f"{where} {_quoted(was)} → {_quoted(now)}"
                impact = CONSUMERS if kind == DEFINITION and was else SAFE
                yield Change(kind, str(term), detail, impact)


def _quoted(texts: set[str]) -> str:
    return ", ".join(f'"{t}"' for t in sorted(texts)) or "none"


def _iris(graph: Graph, term: URIRef, predicate: URIRef) -> frozenset[URIRef]:
    return frozenset(o for o in graph.objects(term, predicate) if isinstance(o, URIRef))


def _hierarchy(old: Graph, new: Graph, term: URIRef, show: Show) -> Iterator[Change]:
    for predicate, name in PARENTS:
        was, now = _iris(old, term, predicate), _iris(new, term, predicate)
        for parent in sorted(was - now):
            yield Change(HIERARCHY, str(term), f"{name} {show(parent)} removed", CONSUMERS)
        for parent in sorted(now - was):
            yield Change(HIERARCHY, str(term), f"{name} {show(parent)} added", SAFE)


def _domain_and_range(old: Graph, new: Graph, term: URIRef, show: Show) -> Iterator[Change]:
    was, now = _iris(old, term, RDFS.domain), _iris(new, term, RDFS.domain)
    if was != now:
        yield Change(
            DOMAIN, str(term), f"domain {_listed(was, show)} → {_listed(now, show)}", CONSUMERS
        )
    was, now = _iris(old, term, RDFS.range), _iris(new, term, RDFS.range)
    if was != now:
        how, impact = _range_move(was, now, new)
        detail = f"range {_listed(was, show)} → {_listed(now, show)} ({how})"
        yield Change(RANGE, str(term), detail, impact)


def _listed(iris: frozenset[URIRef], show: Show) -> str:
    return ", ".join(sorted(show(str(i)) for i in iris)) or "none"


def _range_move(was: frozenset[URIRef], now: frozenset[URIRef], new: Graph) -> tuple[str, str]:
    """How a range moved, narrowed, widened or changed, and whom that breaks."""
    if len(was) == len(now) == 1:
        (before,), (after,) = was, now
        if before in new.transitive_objects(after, RDFS.subClassOf):
            return "narrowed", PRODUCERS
        if after in new.transitive_objects(before, RDFS.subClassOf):
            return "widened", SAFE
        if _is_datatype(new, before) and _is_datatype(new, after):
            return ("widened", SAFE) if after == RDFS.Literal else ("narrowed", PRODUCERS)
    if now > was:  # one more range, and values must be of every one
        return "narrowed", PRODUCERS
    if now < was:
        return "widened", SAFE
    return "changed", CONSUMERS


def _is_datatype(graph: Graph, iri: URIRef) -> bool:
    return (
        str(iri).startswith(str(XSD))
        or iri in (RDFS.Literal, RDF.langString)
        or (iri, RDF.type, RDFS.Datatype) in graph
    )


# --- Uses in the data -------------------------------------------------------------------------


def term_uses(data: Graph, iri: str) -> int:
    """How many distinct subjects of `data` use a term as predicate or as rdf:type object."""
    term = URIRef(iri)
    return len(set(data.subjects(term, None)) | set(data.subjects(RDF.type, term)))


def focus_nodes(data: Graph, targets: frozenset[Target]) -> set[Node]:
    """The focus nodes of `data` that targets select (rdf:type only, no inference)."""
    found: set[Node] = set()
    for target in targets:
        if target.kind == "class":
            found |= set(data.subjects(RDF.type, target.term))
        elif target.kind == "subjects of":
            found |= set(data.subjects(target.term, None))
        elif target.kind == "objects of":
            found |= set(data.objects(None, target.term))
        elif (target.term, None, None) in data or (None, None, target.term) in data:
            found.add(target.term)
    return found


def _counted(change: Change, data: Graph | None) -> list[Change]:
    """The change with the uses of its term counted; a removed term that data uses breaks its
    consumers and its producers both: one change for each."""
    if data is None:
        return [change]
    counted = dataclasses.replace(change, uses=term_uses(data, change.subject))
    if change.kind == REMOVED and counted.uses and change.impact != PRODUCERS:
        return [counted, dataclasses.replace(counted, impact=PRODUCERS)]
    return [counted]


def _shape_change(change: ConstraintChange, data: Graph | None) -> Change:
    uses = None
    if data is not None and change.impact == PRODUCERS and change.targets:
        uses = len(focus_nodes(data, change.targets))
    return Change(change.kind, change.key, change.detail, change.impact, uses)


# --- Rendering --------------------------------------------------------------------------------


def render(
    changes: list[Change],
    fmt: str,
    labels: Callable[[str], str] | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> str:
    """The changes as a plain-text table, Markdown sections or JSON (`fmt` one of FORMATS).

    `labels` maps a term's IRI to a label that Markdown and JSON show beside it; `prefixes`
    (such as `graph_prefixes(old, new)`) shows IRIs compactly, ldkit's own prefixes by default.
    """
    shown = prefixes if prefixes is not None else PREFIXES
    ordered = sorted(changes, key=_order)
    if fmt == "table":
        return _table(ordered, shown)
    if fmt == "markdown":
        return _markdown(ordered, shown, labels)
    if fmt == "json":
        return json.dumps(
            [_record(c, shown, labels) for c in ordered], indent=2, ensure_ascii=False
        )
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def _is_iri(subject: str) -> bool:
    return " / " not in subject


def _compact(subject: str, prefixes: Mapping[str, str]) -> str:
    return show_iri(subject, prefixes) if _is_iri(subject) else subject


def _table(changes: list[Change], prefixes: Mapping[str, str]) -> str:
    if not changes:
        return "No changes."
    rows = [("IMPACT", "KIND", "SUBJECT", "DETAIL", "USES")]
    rows += [
        (c.impact, c.kind, _compact(c.subject, prefixes), c.detail, _uses(c.uses)) for c in changes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = (
        "  ".join([*(v.ljust(w) for v, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )
    return "\n".join(line.rstrip() for line in lines)


def _uses(uses: int | None) -> str:
    return "" if uses is None else str(uses)


def _markdown(
    changes: list[Change], prefixes: Mapping[str, str], labels: Callable[[str], str] | None
) -> str:
    sections = []
    for impact, title in SECTIONS.items():
        lines = [_bullet(c, prefixes, labels) for c in changes if c.impact == impact]
        sections.append(f"### {title}\n\n" + ("\n".join(lines) or "None."))
    return "\n\n".join(sections) + "\n"


def _bullet(
    change: Change, prefixes: Mapping[str, str], labels: Callable[[str], str] | None
) -> str:
    subject = f"`{_compact(change.subject, prefixes)}`"
    if labels is not None and _is_iri(change.subject):
        subject += f" ({labels(change.subject)})"
    uses = ""
    if change.uses is not None:
        uses = f" ({change.uses} {'thing' if change.uses == 1 else 'things'})"
    return f"- **{change.kind}** {subject} — {change.detail}{uses}"


def _record(
    change: Change, prefixes: Mapping[str, str], labels: Callable[[str], str] | None
) -> dict[str, object]:
    record: dict[str, object] = dataclasses.asdict(change)
    record["subject"] = _compact(change.subject, prefixes)
    record["iri"] = change.subject if _is_iri(change.subject) else None
    if labels is not None and _is_iri(change.subject):
        record["label"] = labels(change.subject)
    return record
