"""The documentation of one version of the ontology, made from its graph in the reader's language.

Own terms (IRIs in the ontology's namespace) come first, as classes, object, datatype and
annotation properties, each with its definition, super- and subclasses or -properties, domain
and range, the properties it is the domain or range of, and its deprecation with the replacement.
Reused terms (the stubs of `reused-vocabularies.ttl`) come apart and short. Links to a term the
page documents go to its section; every label is picked in one language, with fallback.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ldkit.server import urls
from ldkit.server.namespaces import DCTERMS, OWL
from ldkit.server.pages.labels import Labels, pick, plain
from ldkit.server.pages.terms import Context, Value, format_date, show_iri
from ldkit.server.pages.versions import CURRENT, Version, version_of
from ldkit.server.settings import Settings

VANN = "http://purl.org/vocab/vann/"
KINDS = {  # rdf:type -> section, in the order the page shows them
    OWL.Class: "class",
    RDFS.Class: "class",
    OWL.ObjectProperty: "object",
    OWL.DatatypeProperty: "datatype",
    OWL.AnnotationProperty: "annotation",
    RDF.Property: "property",
}
SECTIONS = ("class", "object", "datatype", "annotation", "property")
LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
DEFINITIONS = (SKOS.definition, RDFS.comment, DCTERMS.description)


@dataclasses.dataclass
class Term:
    """One class or property as its section shows it."""

    iri: str
    anchor: str
    kind: str  # one of SECTIONS
    own: bool
    label: Value
    definition: Value | None
    supers: list[Value]
    subs: list[Value]
    domains: list[Value]
    ranges: list[Value]
    in_domain_of: list[Value]
    in_range_of: list[Value]
    deprecated: bool = False
    replaced_by: list[Value] = dataclasses.field(default_factory=list)
    notes: list[Value] = dataclasses.field(default_factory=list)
    used: int | None = None  # instances or triples in the data (the current version only)
    instances_href: str | None = None
    examples: list[Value] = dataclasses.field(default_factory=list)
    constraints: list[Any] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        iris = lambda values: [v.iri for v in values]  # noqa: E731
        return {
            "iri": self.iri,
            "kind": self.kind,
            "own": self.own,
            "label": self.label.as_json(),
            "definition": self.definition.as_json() if self.definition else None,
            "super": iris(self.supers),
            "sub": iris(self.subs),
            "domain": iris(self.domains),
            "range": iris(self.ranges),
            "in_domain_of": iris(self.in_domain_of),
            "in_range_of": iris(self.in_range_of),
            "deprecated": self.deprecated,
            "replaced_by": iris(self.replaced_by),
            "used": self.used,
            "examples": iris(self.examples),
            "constraints": [c.as_json() for c in self.constraints],
        }


@dataclasses.dataclass
class Documentation:
    """A version's documentation: metadata block, own terms by section, reused terms apart."""

    iri: str
    metadata: dict[str, Any]
    own: dict[str, list[Term]]  # section -> terms, by label
    reused_classes: list[Term]
    reused_properties: list[Term]
    namespaces: list[tuple[str, str]]

    @property
    def terms(self) -> list[Term]:
        return (
            [t for s in SECTIONS for t in self.own[s]]
            + self.reused_classes
            + self.reused_properties
        )

    def term(self, iri: str) -> Term | None:
        return next((t for t in self.terms if t.iri == iri), None)

    def as_json(self) -> dict[str, Any]:
        meta = {k: (v.as_json() if isinstance(v, Value) else v) for k, v in self.metadata.items()}
        for key in ("creators", "prior"):
            meta[key] = [v.as_json() for v in self.metadata.get(key, [])]
        return {"ontology": self.iri, "metadata": meta, "terms": [t.as_json() for t in self.terms]}


def document(
    version: Version,
    ontology_iri: str,
    base_iri: str,
    chain: tuple[str, ...],
    lang: str,
    link_lang: str | None,
) -> Documentation:
    """The documentation of `version` for a reader of `chain` (languages, most wanted first)."""
    graph = version.ontology
    labels = Labels(chain)
    for subject, predicate, value in graph.triples((None, None, None)):
        if predicate in LABELS and isinstance(value, Literal) and isinstance(subject, URIRef):
            labels.add(str(subject), str(value), value.language or "")
    namespace = own_namespace(graph, ontology_iri)
    kinds = _kinds(graph)
    context = Context(base_iri, labels, lang, link_lang)
    anchors = {iri: urls.term_anchor(iri, ontology_iri) for iri in kinds}

    def linked(iri: Node) -> Value:
        value = show_iri(str(iri), context)
        if str(iri) in anchors:
            value.href = f"#{anchors[str(iri)]}"
        return value

    def values(iris: Iterable[Node]) -> list[Value]:
        found = {str(i): linked(i) for i in iris if isinstance(i, URIRef)}
        return sorted(found.values(), key=lambda v: _sort_key(v.text))

    hierarchy = {"class": RDFS.subClassOf, "property": RDFS.subPropertyOf}
    terms = []
    for iri, kind in kinds.items():
        node = URIRef(iri)
        up = hierarchy["class" if kind == "class" else "property"]
        terms.append(
            Term(
                iri=iri,
                anchor=anchors[iri],
                kind=kind,
                own=iri.startswith(namespace),
                label=linked(node),
                definition=_text(graph, node, DEFINITIONS, chain),
                supers=values(graph.objects(node, up)),
                subs=values(graph.subjects(up, node)),
                domains=values(graph.objects(node, RDFS.domain)),
                ranges=values(graph.objects(node, RDFS.range)),
                in_domain_of=values(graph.subjects(RDFS.domain, node)),
                in_range_of=values(graph.subjects(RDFS.range, node)),
                deprecated=(node, OWL.deprecated, Literal(True)) in graph,
                replaced_by=values(graph.objects(node, DCTERMS.isReplacedBy)),
                notes=[n for n in [_text(graph, node, (SKOS.changeNote,), chain)] if n],
            )
        )
    terms.sort(key=lambda t: (_sort_key(t.label.text), t.iri))
    own: dict[str, list[Term]] = {s: [t for t in terms if t.own and t.kind == s] for s in SECTIONS}
    return Documentation(
        iri=ontology_iri,
        metadata=_metadata(graph, URIRef(ontology_iri), context, chain),
        own=own,
        reused_classes=[t for t in terms if not t.own and t.kind == "class"],
        reused_properties=[t for t in terms if not t.own and t.kind != "class"],
        namespaces=sorted(version.prefixes.items()),
    )


def _sort_key(text: str) -> str:
    """Alphabetical order as a reader expects it: "à la date du" among the a's."""
    return plain(text)


@functools.lru_cache(maxsize=16)
def documented_terms(version: Version) -> frozenset[str]:
    """The terms the documentation of `version` has a section for."""
    return frozenset(_kinds(version.ontology))


def term_href(settings: Settings, lang: str | None) -> Callable[[str], str]:
    """Where pages link a term: its section of the ontology's documentation when it has one,
    else its own IRI (its vocabulary documents it)."""
    current = version_of(settings, CURRENT)
    documented = documented_terms(current) if current is not None else frozenset()

    def href(iri: str) -> str:
        if iri in documented:
            return urls.ontology_url(iri, lang, settings.ontology_iri)
        return urls.followable(iri) or ""

    return href


def own_namespace_of(version: Version | None, ontology_iri: str) -> str:
    """The namespace of a version's own terms (`cm:`); `{ontology IRI}#` when none is built."""
    return own_namespace(version.ontology, ontology_iri) if version else f"{ontology_iri}#"


def own_namespace(graph: Graph, ontology_iri: str) -> str:
    """The ontology's own namespace: `vann:preferredNamespaceUri`, else its IRI and `#`."""
    declared = graph.value(URIRef(ontology_iri), URIRef(VANN + "preferredNamespaceUri"))
    return str(declared) if declared else f"{ontology_iri}#"


def _kinds(graph: Graph) -> dict[str, str]:
    found: dict[str, str] = {}
    for rdf_type, kind in KINDS.items():
        for term in graph.subjects(RDF.type, rdf_type):
            if isinstance(term, URIRef):
                current = found.get(str(term))
                if current is None or SECTIONS.index(kind) < SECTIONS.index(current):
                    found[str(term)] = kind
    return found


def _text(
    graph: Graph, node: Node, predicates: Iterable[URIRef], chain: tuple[str, ...]
) -> Value | None:
    """The first of `predicates` the node has, in the reader's language (with fallback)."""
    for predicate in predicates:
        texts: dict[str, list[str]] = {}
        for value in graph.objects(node, predicate):
            if isinstance(value, Literal):
                texts.setdefault(value.language or "", []).append(str(value))
        chosen = pick(texts, chain)
        if chosen:
            text, lang = chosen
            return Value(text, lang=lang)
    return None


def _named(iri: str, context: Context) -> Value:
    """An IRI by its label, or written in full when nothing labels it (a licence, a creator)."""
    value = show_iri(iri, context)
    if not value.lang:
        value.text = iri
    return value


def _metadata(
    graph: Graph, ontology: URIRef, context: Context, chain: tuple[str, ...]
) -> dict[str, Any]:
    def one(predicate: URIRef) -> str | None:
        value = graph.value(ontology, predicate)
        return str(value) if value is not None else None

    def day(predicate: URIRef) -> str | None:
        value = one(predicate)
        return format_date(value, context.lang) if value else None

    creators = [
        _named(str(c), context) if isinstance(c, URIRef) else Value(str(c))
        for c in graph.objects(ontology, DCTERMS.creator)
        if not isinstance(c, BNode)
    ]
    title = _text(graph, ontology, (DCTERMS.title, RDFS.label, SKOS.prefLabel), chain)
    version = one(OWL.versionInfo)
    version_iri = one(OWL.versionIRI)
    licence = graph.value(ontology, DCTERMS.license)
    meta: dict[str, Any] = {
        "title": title or Value(str(ontology)),
        "description": _text(graph, ontology, DEFINITIONS, chain),
        "version": version,
        "version_iri": version_iri,
        "prior": [show_iri(str(p), context) for p in graph.objects(ontology, OWL.priorVersion)],
        "issued": day(DCTERMS.issued),
        "created": day(DCTERMS.created),
        "modified": day(DCTERMS.modified),
        "licence": _named(str(licence), context) if isinstance(licence, URIRef) else None,
        "creators": creators,
        "prefix": one(URIRef(VANN + "preferredNamespacePrefix")),
        "namespace": one(URIRef(VANN + "preferredNamespaceUri")),
    }
    cited = one(DCTERMS.bibliographicCitation)
    year = (one(DCTERMS.modified) or one(DCTERMS.issued) or one(DCTERMS.created) or "")[:4]
    who = ", ".join(c.text for c in creators)
    meta["citation"] = cited or " ".join(
        part
        for part in (
            f"{who}." if who else "",
            f"({year})." if year else "",
            f"{meta['title'].text}.",
            f"Version {version}." if version else "",
            version_iri or str(ontology),
        )
        if part
    )
    return meta
