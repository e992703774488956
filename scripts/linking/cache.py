"""The targets' answers kept as Turtle under `data/links/cache/`, one file per target.

Each IRI asked is described with its labels (as `rdfs:label`, whatever the target's label
property), its types (with the target's own property: `wdt:P31`, `rdf:type`, `gn:featureCode`),
`owl:sameAs` its survivor for a merged item, and when and where it was checked: so builds, pages
and tests read labels without the internet. `scripts/loading.py` skips `cache/` folders: the
cache is not part of the dataset.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS, XSD, DefinedNamespace, Namespace

from ldkit.pipeline.linking.targets import GN, WDT, LinkError, Target, TargetRecord
from ldkit.server.settings import Settings


class LINKCHECK(DefinedNamespace):
    """The few terms the cache needs to say when and where an IRI was checked."""

    _NS = Namespace("https://w3id.org/ldkit/ns/link-check#")
    _fail = True

    checked: URIRef  # the day the target was asked (xsd:date)
    found: URIRef  # whether the target knows the IRI (xsd:boolean)
    askedAt: URIRef  # the endpoint or document URL that answered


TYPE_PREFIXES = {"wikidata": ("wdt", str(WDT)), "geonames": ("gn", str(GN))}


def cache_path(settings: Settings, target: Target) -> Path:
    """The cache file of one target."""
    return settings.link_cache_dir / f"{target.key}.ttl"


def read_cache(settings: Settings, target: Target) -> dict[str, TargetRecord]:
    """The cached answers of a target, by IRI (empty when there is no cache)."""
    path = cache_path(settings, target)
    if not path.is_file():
        return {}
    try:
        return _records(Graph().parse(path, format="turtle"), target)
    except Exception as error:  # a hand-edited or truncated file: say which, in one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LinkError(
            f"{path}: the link cache cannot be read ({first[:200]}); fix it, or delete it"
            " and check again"
        ) from None


def _records(graph: Graph, target: Target) -> dict[str, TargetRecord]:
    records = {}
    for subject, checked in graph.subject_objects(LINKCHECK.checked):
        iri = str(subject)
        labels = frozenset(
            (obj.language or "", str(obj))
            for obj in graph.objects(subject, RDFS.label)
            if isinstance(obj, Literal)
        )
        types = frozenset(str(obj) for obj in graph.objects(subject, target.type_predicate))
        redirect = graph.value(subject, OWL.sameAs)
        records[iri] = TargetRecord(
            iri,
            bool(graph.value(subject, LINKCHECK.found).toPython()),  # type: ignore[union-attr]
            labels,
            types,
            str(redirect) if redirect else None,
            _date(checked),
            str(graph.value(subject, LINKCHECK.askedAt)),
        )
    return records


def write_cache(settings: Settings, target: Target, records: dict[str, TargetRecord]) -> Path:
    """Write the answers of a target (sorted, so a diff shows what changed)."""
    graph = Graph()
    graph.bind("check", LINKCHECK._NS)
    graph.bind(target.key, target.namespace)
    if target.key in TYPE_PREFIXES:
        graph.bind(*TYPE_PREFIXES[target.key])
    for iri in sorted(records):
        record, subject = records[iri], URIRef(iri)
        graph.add((subject, LINKCHECK.checked, Literal(record.checked, datatype=XSD.date)))
        graph.add((subject, LINKCHECK.found, Literal(record.found)))
        graph.add((subject, LINKCHECK.askedAt, URIRef(record.asked)))
        for lang, text in record.labels:
            graph.add((subject, RDFS.label, Literal(text, lang=lang or None)))
        for kind in record.types:
            graph.add((subject, target.type_predicate, URIRef(kind)))
        if record.redirect:
            graph.add((subject, OWL.sameAs, URIRef(record.redirect)))
    path = cache_path(settings, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# What {target.title} said about the IRIs we link to: written by `ldkit link check`.\n"
    )
    path.write_text(header + graph.serialize(format="turtle"), encoding="utf-8")
    return path


def _date(value: object) -> dt.date:
    python = value.toPython() if isinstance(value, Literal) else value
    return python if isinstance(python, dt.date) else dt.date.fromisoformat(str(python))
