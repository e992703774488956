"""The ontology documents itself: `/ontology` (and its version IRI) answer 303 to its document.

The HTML lists every class and property of the ontology graph (ours and the reused terms the
data uses) with labels and definitions in both languages, domain and range, the SHACL
constraints of `shapes/` on each class, how many instances or triples use it (VoID partitions)
and a link to its instances; the RDF is the ontology graph of the build.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response

from ldkit.server import urls
from ldkit.server.formats import HTML, PLAIN_JSON, RESOURCE_FORMATS
from ldkit.server.namespaces import DCTERMS, OWL
from ldkit.server.pages import dereference, reading
from ldkit.server.pages.base import Reader, base_context, not_found, reader, respond, settings
from ldkit.server.pages.constraints import Requirement, requirements
from ldkit.server.pages.labels import Labels
from ldkit.server.pages.listings import class_counts, property_counts
from ldkit.server.pages.resource_view import prefixes_for
from ldkit.server.pages.terms import Context, Value, show, show_iri

blueprint = Blueprint("ontology", __name__)

CLASS_TYPES = ("owl:Class", "rdfs:Class")


@dataclasses.dataclass
class Term:
    """One class or property as documented."""

    iri: str
    anchor: str
    kind: str  # "class" or "property"
    labels: list[Value]
    definitions: list[Value]
    domains: list[Value]
    ranges: list[Value]
    constraints: list[Requirement]  # what the shapes ask of its instances (of its users)
    used: int
    instances_href: str | None
    deprecated: bool = False
    replaced_by: list[Value] = dataclasses.field(default_factory=list)
    notes: list[Value] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "deprecated": self.deprecated,
            "replaced_by": [v.iri for v in self.replaced_by],
            "notes": [v.as_json() for v in self.notes],
            "iri": self.iri,
            "kind": self.kind,
            "labels": [v.as_json() for v in self.labels],
            "definitions": [v.as_json() for v in self.definitions],
            "domain": [v.iri for v in self.domains],
            "range": [v.iri for v in self.ranges],
            "constraints": [r.as_json() for r in self.constraints],
            "used": self.used,
        }


@blueprint.route(urls.ONTOLOGY_PATH, methods=["GET"])
def ontology() -> Response:
    """The ontology IRI: 303 to its document."""
    return dereference.see_other(urls.ONTOLOGY_PATH)


@blueprint.route(f"{urls.ONTOLOGY_PATH}/<string:version>", methods=["GET"])
def ontology_version(version: str) -> Response:
    """The version IRI: 303 to the ontology's document when it is the current version."""
    config = settings()
    current = reading.select(
        f"SELECT ?v WHERE {{ {reading.iri(config.base_iri + 'ontology')} owl:versionIRI ?v }}"
    )
    if not any(r["v"].value == f"{config.base_iri}ontology/{version}" for r in current):
        return not_found(f"{config.base_iri}ontology/{version}")
    return dereference.see_other(f"{urls.ONTOLOGY_PATH}/{version}", urls.ONTOLOGY_PATH)


@blueprint.route(f"{urls.ONTOLOGY_PATH}.<string:extension>", methods=["GET"])
def ontology_document(extension: str) -> Response:
    """The ontology in one format: its documentation, its JSON twin or the ontology graph."""
    fmt = dereference.suffix_format(extension)
    if fmt is None:
        return dereference.not_acceptable()
    config = settings()
    if fmt not in (HTML, PLAIN_JSON):
        graph = reading.iri(config.ontology_graph)
        triples = reading.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        )
        return dereference.rdf_response(triples, fmt, prefixes_for(config), config.row_limit)
    who = reader()
    terms = documented_terms(who)
    alternates = [
        (f.label, f"{urls.ONTOLOGY_PATH}.{f.extension}", f.media_type)
        for f in RESOURCE_FORMATS[1:5]
    ]
    ontology_iri = config.base_iri + "ontology"
    labels = Labels(who.chain)
    labels.fetch([ontology_iri])
    context = {
        **base_context(who),
        "ontology": show_iri(ontology_iri, Context(config.base_iri, labels, who.lang, who.chosen)),
        "classes": [t for t in terms if t.kind == "class"],
        "properties": [t for t in terms if t.kind == "property"],
    }
    twin = {"ontology": ontology_iri, "terms": [t.as_json() for t in terms]}
    return respond("ontology.html", context, twin, alternates=alternates)


def documented_terms(who: Reader) -> list[Term]:
    """Every class and property of the ontology graph, documented for `who`."""
    config = settings()
    graph = reading.iri(config.ontology_graph)
    rows = reading.select(
        f"SELECT ?t ?kind ?p ?v WHERE {{ GRAPH {graph} {{"
        " ?t a ?type . FILTER(isIRI(?t))"
        " BIND(IF(?type IN (owl:Class, rdfs:Class), 'class', 'property') AS ?kind)"
        " FILTER(?type IN (owl:Class, rdfs:Class, owl:ObjectProperty, owl:DatatypeProperty,"
        " rdf:Property, owl:AnnotationProperty))"
        " OPTIONAL { ?t ?p ?v FILTER(?p IN (rdfs:label, skos:definition, rdfs:comment,"
        " rdfs:domain, rdfs:range, owl:deprecated, dcterms:isReplacedBy, rdfs:seeAlso,"
        " skos:changeNote)) } } }"
    )
    facts: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    kinds: dict[str, str] = {}
    for row in rows:
        term = row["t"].value
        kinds.setdefault(term, row["kind"].value)
        if "p" in row and row["v"] not in facts[term][row["p"].value]:
            facts[term][row["p"].value].append(row["v"])
    labels = Labels(who.chain)
    mentioned = (
        v.value
        for f in facts.values()
        for p in f.values()
        for v in p
        if isinstance(v, ox.NamedNode)
    )
    labels.fetch([*kinds, *mentioned])
    context = Context(config.base_iri, labels, who.lang, who.chosen)
    used = dict(class_counts()) | property_counts()
    constraints = requirements(config, who.chain, kinds)
    prefixes = prefixes_for(config)
    terms = [
        _term(iri, kinds[iri], facts[iri], context, used, constraints, prefixes) for iri in kinds
    ]
    terms.sort(key=lambda t: t.labels[0].text.lower() if t.labels else t.iri)
    return terms


def _term(
    iri: str,
    kind: str,
    facts: dict[str, list[Any]],
    context: Context,
    used: dict[str, int],
    constraints: dict[str, list[Requirement]],
    prefixes: dict[str, str],
) -> Term:
    def shown(prop: str) -> list[Value]:
        values = [show(v, context) for v in facts.get(prop, [])]
        return sorted(values, key=lambda v: (v.lang != context.lang, v.text))

    rdfs, skos = "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#"
    definitions = shown(skos + "definition") or shown(rdfs + "comment")
    count = used.get(iri, 0)
    deprecated = any(v.value == "true" for v in facts.get(str(OWL.deprecated), []))
    replacements = shown(str(DCTERMS.isReplacedBy)) or shown(rdfs + "seeAlso")
    return Term(
        iri=iri,
        anchor=urls.term_anchor(iri, context.base_iri + "ontology"),
        kind=kind,
        labels=shown(rdfs + "label"),
        definitions=definitions,
        domains=shown(rdfs + "domain"),
        ranges=shown(rdfs + "range"),
        constraints=constraints.get(iri, []),
        used=count,
        instances_href=urls.class_url(iri, prefixes, context.link_lang)
        if kind == "class" and count
        else None,
        deprecated=deprecated,
        replaced_by=replacements if deprecated else [],
        notes=shown(skos + "changeNote") if deprecated else [],
    )
