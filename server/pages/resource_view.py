"""The resource page: a thing's description arranged for people, and its JSON twin."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup

from ldkit.server import urls
from ldkit.server.namespaces import KNOWN_DATASETS, PREFIXES, SCHEMA, SKOS, VANN
from ldkit.server.pages import describe
from ldkit.server.pages.base import Reader
from ldkit.server.pages.labels import LABEL_PROPERTIES, Labels
from ldkit.server.pages.ontology_doc import own_namespace_of, term_href
from ldkit.server.pages.terms import Context, Value, external_target, show, show_iri
from ldkit.server.pages.versions import CURRENT, Version, version_of
from ldkit.server.settings import Settings

INCOMING_PAGE = 50
INCOMING_GROUPS = 20  # properties whose incoming links are listed (all are counted)
MAPPINGS = tuple(str(SKOS[n]) for n in ("exactMatch", "closeMatch", "broadMatch", "relatedMatch"))


@dataclasses.dataclass
class PropertyValues:
    """One property of the thing, by its label, with its values."""

    iri: str
    label: str
    lang: str
    href: str | None
    values: list[Value]

    def as_json(self) -> dict[str, Any]:
        return {
            "property": self.iri,
            "label": self.label,
            "values": [v.as_json() for v in self.values],
        }


@dataclasses.dataclass
class IncomingGroup:
    """The things that point at the thing by one property: how many, and one page of them."""

    iri: str
    label: str
    count: int
    things: list[Value]
    next_href: str | None = None
    previous_href: str | None = None


@dataclasses.dataclass
class ResourcePage:
    """Everything the template shows about one thing."""

    iri: str
    label: str
    label_lang: str
    types: list[Value]
    properties: list[PropertyValues]
    incoming: list[IncomingGroup]
    sources: list[tuple[Value, Value]]
    elsewhere: list[tuple[str, Value]]
    json_ld: Markup

    def twin(self) -> dict[str, Any]:
        """The plain JSON twin: label, types, properties with labels and values."""
        return {
            "iri": self.iri,
            "label": self.label,
            "types": [t.as_json() for t in self.types],
            "properties": [p.as_json() for p in self.properties],
            "referenced_by": [
                {
                    "property": g.iri,
                    "label": g.label,
                    "count": g.count,
                    "things": [t.as_json() for t in g.things],
                }
                for g in self.incoming
            ],
            "sources": [{"source": s.as_json(), "graph": g.as_json()} for s, g in self.sources],
        }


def build(
    iri: str,
    triples: list[ox.Triple],
    settings: Settings,
    who: Reader,
    page: int,
    facts: describe.PageFacts | None = None,
) -> ResourcePage:
    """The page of `iri` from its RDF, its sources and its incoming links.

    One round trip to the store, two for a thing pointed at by more things than its RDF holds:
    `describe.page_description` asks for the RDF (the labels and types of every IRI it mentions,
    up to `describe.INCOMING_IN_RDF` incoming links) and the page facts (sources, incoming
    counts by property, labels of graphs and sources) in one CONSTRUCT; then, only for the
    properties whose incoming links the RDF does not hold in full, one query for a page of each.
    `facts` not given: they are asked for in a query of their own.
    """
    labels = Labels(who.chain, settings.link_cache_dir)
    labels.add_triples(triples)
    facts = facts or describe.page_facts(iri)
    for resource, text in facts.labels:
        labels.add(resource, text.value, text.language or "")
    found_sources, counts = facts.sources, facts.counts
    pages = _incoming_pages(iri, triples, counts[:INCOMING_GROUPS], page, labels)
    context = Context(settings.base_iri, labels, who.lang, who.chosen)
    subject = ox.NamedNode(iri)
    own = [t for t in triples if t.subject == subject]
    label, label_lang = labels.label_and_language(iri)
    return ResourcePage(
        iri=iri,
        label=label,
        label_lang=label_lang,
        types=[
            _type(t.object, context, settings)
            for t in own
            if t.predicate.value == describe.RDF_TYPE
        ],
        properties=_properties(own, triples, context, term_href(settings, who.chosen)),
        incoming=_incoming(iri, counts, pages, page, context),
        sources=[
            (show_iri(s.source or s.graph, context), show_iri(s.graph, context))
            for s in found_sources
        ],
        elsewhere=[
            (labels.label(t.predicate.value), show(t.object, context))
            for t in own
            if t.predicate.value in MAPPINGS
            and isinstance(t.object, ox.NamedNode)
            and external_target(t.object.value)
        ],
        json_ld=schema_org(iri, own, labels, settings),
    )


def _type(term: Any, context: Context, settings: Settings) -> Value:
    value = show(term, context)
    if isinstance(term, ox.NamedNode):
        value.href = urls.class_url(term.value, prefixes_for(settings), context.link_lang)
    return value


def _properties(
    own: list[ox.Triple], triples: list[ox.Triple], context: Context, href: Callable[[str], str]
) -> list[PropertyValues]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for t in own:
        if t.predicate.value != describe.RDF_TYPE:
            grouped[t.predicate.value].append(t.object)
    found = []
    for prop, objects in grouped.items():
        values = [_value(o, triples, context, href, depth=0) for o in objects]
        values.sort(key=lambda v: (_rank(v.lang, context.labels.chain), v.text))
        label, lang = context.labels.label_and_language(prop)
        found.append(PropertyValues(prop, label, lang, href(prop), values))
    found.sort(key=lambda p: (p.iri not in LABEL_PROPERTIES, p.label.lower()))
    return found


def _value(
    term: Any, triples: list[ox.Triple], context: Context, href: Callable[[str], str], depth: int
) -> Value:
    value = show(term, context)
    if isinstance(term, ox.BlankNode) and depth < 3:
        nested: dict[str, list[Value]] = defaultdict(list)
        for t in triples:
            if t.subject == term:
                nested[t.predicate.value].append(
                    _value(t.object, triples, context, href, depth + 1)
                )
        value.nested = [
            PropertyValues(p, context.labels.label(p), "", href(p), vs)
            for p, vs in sorted(nested.items())
        ]
    return value


def _rank(lang: str, chain: tuple[str, ...]) -> int:
    return chain.index(lang) if lang in chain else len(chain)


def _incoming_pages(
    iri: str, triples: list[ox.Triple], counts: list[tuple[str, int]], page: int, labels: Labels
) -> dict[str, list[str]]:
    """One page (and one more, to tell if there are more) of the IRIs pointing at `iri` by each
    property: from the RDF when it holds all of that property's links (sorted by IRI), else
    from the store (in its index order), for all such properties in one query."""
    subject = ox.NamedNode(iri)
    pointing: dict[str, set[Any]] = defaultdict(set)
    for t in triples:
        if t.object == subject:
            pointing[t.predicate.value].add(t.subject)
    start = (page - 1) * INCOMING_PAGE
    pages: dict[str, list[str]] = {}
    missing: list[str] = []
    for prop, count in counts:
        if len(pointing.get(prop, ())) >= count:
            things = sorted(s.value for s in pointing[prop] if isinstance(s, ox.NamedNode))
            pages[prop] = things[start : start + INCOMING_PAGE + 1]
        else:
            missing.append(prop)
    for prop, found in describe.incoming_pages(iri, missing, page, INCOMING_PAGE).items():
        pages[prop] = [thing for thing, _ in found]
        for thing, texts in found:
            for text in texts:
                labels.add(thing, text.value, text.language or "")
    return pages


def _incoming(
    iri: str,
    counts: list[tuple[str, int]],
    pages: dict[str, list[str]],
    page: int,
    context: Context,
) -> list[IncomingGroup]:
    groups = []
    local = urls.resource_url(iri, context.base_iri) or "/"
    for prop, count in counts:
        things = pages.get(prop, [])
        more = len(things) > INCOMING_PAGE
        group = IncomingGroup(
            prop,
            context.labels.label(prop),
            count,
            [show_iri(s, context) for s in things[:INCOMING_PAGE]],
        )
        if more:
            group.next_href = urls.with_params(local + ".html", context.link_lang, _page=page + 1)
        if page > 1:
            group.previous_href = urls.with_params(
                local + ".html", context.link_lang, _page=page - 1
            )
        groups.append(group)
    return groups


def schema_org(iri: str, own: list[ox.Triple], labels: Labels, settings: Settings) -> Markup:
    """schema.org JSON-LD for search engines, safe inside `<script>` (no `<`, `>` or `&`)."""
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@id": iri,
        "name": labels.label(iri),
    }
    schema = str(SCHEMA)
    iris = [(t.predicate.value, t.object.value) for t in own if isinstance(t.object, ox.NamedNode)]
    types = [o[len(schema) :] for p, o in iris if p == describe.RDF_TYPE and o.startswith(schema)]
    if types:
        document["@type"] = types
    for t in own:
        if t.predicate.value.startswith(schema) and t.predicate.value != schema + "name":
            key = t.predicate.value[len(schema) :]
            document.setdefault(key, []).append(_json_ld_value(t.object, labels))
    same = [
        o
        for p, o in iris
        if p == MAPPINGS[0] and any(o.startswith(ns) for ns in KNOWN_DATASETS.values())
    ]
    if same:
        document["sameAs"] = same
    text = json.dumps(document, ensure_ascii=False, indent=1)
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped)  # noqa: S704 (escaped above for a script data block)


def _json_ld_value(term: Any, labels: Labels) -> Any:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value, "name": labels.label(term.value)}
    if isinstance(term, ox.Literal) and term.language:
        return {"@value": term.value, "@language": term.language}
    return getattr(term, "value", str(term))


PREFIX_NAME = re.compile(r"[A-Za-z][\w-]*", re.ASCII)  # a Turtle prefix a URL can carry


def prefixes_for(settings: Settings) -> dict[str, str]:
    """The prefixes of serialised RDF and class URLs: the known vocabularies, and the dataset's
    own terms under the prefix its ontology prefers (`vann:preferredNamespacePrefix`, `cm:`;
    `ontology:` when it names none)."""
    return dict(_with_own_prefix(version_of(settings, CURRENT), settings.ontology_iri))


@functools.lru_cache(maxsize=16)
def _with_own_prefix(version: Version | None, ontology_iri: str) -> tuple[tuple[str, str], ...]:
    namespace, name = own_namespace_of(version, ontology_iri), "ontology"
    if version is not None:
        preferred = version.fact(ontology_iri, VANN.preferredNamespacePrefix) or ""
        if PREFIX_NAME.fullmatch(preferred) and PREFIXES.get(preferred, namespace) == namespace:
            name = preferred  # never one that a known vocabulary holds
    return (*PREFIXES.items(), (name, namespace))
