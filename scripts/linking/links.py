"""The links of a dataset folder, the things they start from, and the provenance of their graphs.

A link is a triple whose predicate is a SKOS mapping property (or `owl:sameAs`) and whose object
is in the namespace of a known target. Links live in `data/links/{target}.trig`, one named graph
per batch with its provenance, but a link anywhere in `data/` counts.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from ldkit.pipeline.linking.targets import Target, target_of
from ldkit.pipeline.loading import read_folder
from ldkit.server.namespaces import SCHEMA
from ldkit.server.settings import Settings

LINK_PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch, OWL.sameAs)
IDENTITY = (str(SKOS.exactMatch), str(OWL.sameAs))  # links whose labels should agree
LABELS = (str(RDFS.label), str(SKOS.prefLabel))
ALIASES = (str(SKOS.altLabel), str(SCHEMA.alternateName))  # "OIM", searched as well
PROVENANCE = tuple(str(p) for p in (PROV.wasDerivedFrom, PROV.generatedAtTime, DCTERMS.description))


@dataclasses.dataclass(frozen=True)
class Link:
    """One link from a thing of ours to an IRI of a target."""

    thing: str
    predicate: str
    iri: str
    target: Target
    graph: str | None

    @property
    def item(self) -> str:
        """The target's IRI of the item linked to: `iri`, unless that is another way of writing
        it (its web page, https for http), which `ldkit link check` reports as miswritten."""
        return self.target.proper(self.iri) or self.iri

    @property
    def identity(self) -> bool:
        """True when the link says both IRIs name the same thing (their labels should agree)."""
        return self.predicate in IDENTITY


@dataclasses.dataclass
class Thing:
    """A resource of ours: its types and labels."""

    iri: str
    types: set[str] = dataclasses.field(default_factory=set)
    labels: set[tuple[str, str]] = dataclasses.field(default_factory=set)  # (language, text)
    aliases: set[tuple[str, str]] = dataclasses.field(default_factory=set)

    def labels_in(self, language: str) -> list[str]:
        """Our labels in one language."""
        return sorted(text for lang, text in self.labels if lang == language)

    def aliases_in(self, language: str) -> list[str]:
        """Our other names in one language (`skos:altLabel`, `schema:alternateName`)."""
        return sorted(text for lang, text in self.aliases if lang == language)


@dataclasses.dataclass
class LinkData:
    """Every link of a folder, every thing under the base, and what we know of each graph."""

    settings: Settings
    links: list[Link]
    things: dict[str, Thing]
    provenance: dict[str, dict[str, set[str]]]  # graph -> predicate -> values

    def linked(self, target: Target) -> set[str]:
        """The things with at least one link to `target`."""
        return {link.thing for link in self.links if link.target.key == target.key}

    def short(self, iri: str) -> str:
        """One of our IRIs relative to `{base}id/` (`place/casablanca`)."""
        return iri.removeprefix(f"{self.settings.base_iri}id/")


def read_links(settings: Settings) -> LinkData:
    """Read the data of the folder and gather its links, things and graph provenance."""
    quads = read_folder(settings).data.quads
    space = f"{settings.base_iri}id/"
    predicates = {str(p) for p in LINK_PREDICATES}
    links: set[Link] = set()
    things: dict[str, Thing] = {}
    provenance: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for quad in quads:
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(space):
            continue
        if isinstance(obj, ox.Triple):
            continue
        if predicate in PROVENANCE:
            provenance[subject.value][predicate].add(obj.value)
        _gather(things, subject.value, predicate, obj)
        target = target_of(obj.value) if isinstance(obj, ox.NamedNode) else None
        if predicate in predicates and target is not None:
            graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
            links.add(Link(subject.value, predicate, obj.value, target, graph))
    ordered = sorted(links, key=lambda link: (link.target.key, link.thing, link.iri))
    return LinkData(settings, ordered, things, provenance)


def _gather(
    things: dict[str, Thing],
    subject: str,
    predicate: str,
    obj: ox.NamedNode | ox.BlankNode | ox.Literal,
) -> None:
    if predicate == str(RDF.type) and isinstance(obj, ox.NamedNode):
        things.setdefault(subject, Thing(subject)).types.add(obj.value)
    elif predicate in LABELS and isinstance(obj, ox.Literal) and obj.language:
        things.setdefault(subject, Thing(subject)).labels.add((obj.language, obj.value))
    elif predicate in ALIASES and isinstance(obj, ox.Literal) and obj.language:
        things.setdefault(subject, Thing(subject)).aliases.add((obj.language, obj.value))
