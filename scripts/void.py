"""The dataset's VoID + DCAT description, computed from the built store and the dumps."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from ldkit.server.formats import Format
from ldkit.server.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    KNOWN_DATASETS,
    PREFIXES,
    RDF,
    RDFS,
    SD,
    SH,
    VOID,
    XSD,
)
from ldkit.server.settings import Settings

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "https://www.iana.org/assignments/media-types/"

TARGET_TITLES = {
    "wikidata": "Wikidata",
    "unbis": "UNBIS Thesaurus",
    "sdg": "Sustainable Development Goals KOS",
    "geonames": "GeoNames",
}


@dataclasses.dataclass(frozen=True)
class Dump:
    """One file of the dataset written by the build."""

    name: str  # file name under dumps/
    format: Format
    byte_size: int
    sha256: str
    shapes: bool = False  # the SHACL shapes of `shapes/`, not the data


def describe_dataset(
    store: ox.Store,
    data_graphs: Sequence[ox.NamedNode | ox.DefaultGraph],
    settings: Settings,
    dumps: Sequence[Dump],
    built_at: dt.datetime,
) -> Graph:
    """VoID statistics, partitions and linksets plus DCAT metadata and distributions."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("spdx", SPDX)
    dataset = URIRef(settings.dataset_iri)
    _metadata(graph, dataset, settings, built_at)
    stats = _Stats(store, list(data_graphs))
    _statistics(graph, dataset, stats, settings)
    _partitions(graph, dataset, stats)
    _linksets(graph, dataset, stats, settings)
    _distributions(graph, dataset, settings, dumps)
    _build_graphs(graph, dataset, settings)
    return graph


def _build_graphs(graph: Graph, dataset: URIRef, settings: Settings) -> None:
    """Describe the graphs the build adds, so that their IRIs resolve like every other thing."""
    texts = {
        settings.ontology_graph: {"en": "Ontology", "fr": "Ontologie"},
        settings.description_graph: {
            "en": "Dataset description",
            "fr": "Description du jeu de données",
        },
    }
    for iri, text in texts.items():
        node = URIRef(iri)
        graph.add((node, RDF.type, SD.Graph))
        graph.add((node, DCTERMS.isPartOf, dataset))
        _label(graph, node, settings, text)


class _Stats:
    """SPARQL over the data graphs of the built store (ontology and description excluded)."""

    def __init__(self, store: ox.Store, graphs: list[ox.NamedNode | ox.DefaultGraph]) -> None:
        self.store, self.graphs = store, graphs

    def rows(self, query: str) -> list[ox.QuerySolution]:
        return list(self.store.query(query, default_graph=self.graphs))  # type: ignore[arg-type]

    def number(self, query: str) -> int:
        rows = self.rows(query)
        return int(rows[0][0].value) if rows and rows[0][0] is not None else 0  # type: ignore[union-attr]


def _metadata(graph: Graph, dataset: URIRef, settings: Settings, built_at: dt.datetime) -> None:
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    for lang, text in settings.title.items():
        graph.add((dataset, DCTERMS.title, Literal(text, lang=lang)))
    for lang, text in settings.description.items():
        graph.add((dataset, DCTERMS.description, Literal(text, lang=lang)))
    graph.add((dataset, DCTERMS.license, URIRef(settings.license)))
    publisher = URIRef(f"{settings.base_iri}id/agent/publisher")
    graph.add((dataset, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(settings.publisher)))
    _label(graph, publisher, settings, {"en": settings.publisher})
    graph.add((dataset, DCTERMS.modified, Literal(built_at.isoformat(), datatype=XSD.dateTime)))
    for lang in settings.languages:
        graph.add((dataset, DCTERMS.language, Literal(lang)))
    endpoint = URIRef(f"{settings.base_iri}sparql")
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((dataset, VOID.uriSpace, Literal(f"{settings.base_iri}id/")))
    service = endpoint
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((dataset, DCAT.accessService, service))


def _label(graph: Graph, node: URIRef, settings: Settings, texts: dict[str, str]) -> None:
    """An rdfs:label in each of the dataset's languages (English when we have no translation)."""
    for lang in settings.languages:
        graph.add((node, RDFS.label, Literal(texts.get(lang, texts["en"]), lang=lang)))


def _statistics(graph: Graph, dataset: URIRef, stats: _Stats, settings: Settings) -> None:
    space = f"{settings.base_iri}id/"
    figures = {
        VOID.triples: "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }",
        VOID.entities: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }}',
        VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
        VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
        VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
        VOID.classes: "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    }
    for predicate, query in figures.items():
        graph.add((dataset, predicate, Literal(stats.number(query), datatype=XSD.integer)))
    examples = stats.rows(
        "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }} '
        "GROUP BY ?s ORDER BY DESC(?n) STR(?s) LIMIT 3"
    )
    for row in examples:
        graph.add((dataset, VOID.exampleResource, URIRef(row[0].value)))  # type: ignore[union-attr]
    for row in stats.rows("SELECT DISTINCT ?p WHERE { ?s ?p ?o }"):
        iri = row[0].value  # type: ignore[union-attr]
        for namespace in PREFIXES.values():
            if iri.startswith(namespace):
                graph.add((dataset, VOID.vocabulary, URIRef(namespace)))


def _partitions(graph: Graph, dataset: URIRef, stats: _Stats) -> None:
    for row in stats.rows(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY STR(?c)"
    ):
        node = BNode()
        graph.add((dataset, VOID.classPartition, node))
        graph.add((node, VOID["class"], URIRef(row[0].value)))  # type: ignore[union-attr]
        graph.add((node, VOID.entities, Literal(int(row[1].value), datatype=XSD.integer)))  # type: ignore[union-attr]
    for row in stats.rows(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } } "
        "GROUP BY ?p ORDER BY STR(?p)"
    ):
        node = BNode()
        graph.add((dataset, VOID.propertyPartition, node))
        graph.add((node, VOID.property, URIRef(row[0].value)))  # type: ignore[union-attr]
        graph.add((node, VOID.triples, Literal(int(row[1].value), datatype=XSD.integer)))  # type: ignore[union-attr]


def _linksets(graph: Graph, dataset: URIRef, stats: _Stats, settings: Settings) -> None:
    """One void:Linkset per external target and link predicate."""
    for key, namespace in KNOWN_DATASETS.items():
        rows = stats.rows(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o "
            f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{namespace}")) }} }} '
            "GROUP BY ?p ORDER BY STR(?p)"
        )
        if not rows:
            continue
        target = URIRef(f"{settings.base_iri}id/dataset/{key}")
        graph.add((target, RDF.type, VOID.Dataset))
        title = TARGET_TITLES.get(key, key)
        graph.add((target, DCTERMS.title, Literal(title, lang="en")))
        _label(graph, target, settings, {"en": title})
        graph.add((target, VOID.uriSpace, Literal(namespace)))
        for row in rows:
            predicate = URIRef(row[0].value)  # type: ignore[union-attr]
            local = str(predicate).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            linkset = URIRef(f"{settings.dataset_iri}/linkset/{key}-{local}")
            graph.add((dataset, VOID.subset, linkset))
            graph.add((linkset, RDF.type, VOID.Linkset))
            _label(
                graph,
                linkset,
                settings,
                {
                    "en": f"Links to {TARGET_TITLES.get(key, key)} ({local})",
                    "fr": f"Liens vers {TARGET_TITLES.get(key, key)} ({local})",
                },
            )
            graph.add((linkset, VOID.subjectsTarget, dataset))
            graph.add((linkset, VOID.objectsTarget, target))
            graph.add((linkset, VOID.linkPredicate, predicate))
            graph.add((linkset, VOID.triples, Literal(int(row[1].value), datatype=XSD.integer)))  # type: ignore[union-attr]


def _distributions(
    graph: Graph, dataset: URIRef, settings: Settings, dumps: Sequence[Dump]
) -> None:
    for dump in dumps:
        url = URIRef(f"{settings.base_iri}dumps/{dump.name}")
        key = f"shapes-{dump.format.key}" if dump.shapes else dump.format.key
        distribution = URIRef(f"{settings.dataset_iri}/distribution/{key}")
        titles = (
            {
                "en": f"SHACL shapes ({dump.format.label})",
                "fr": f"Formes SHACL ({dump.format.label})",
            }
            if dump.shapes
            else {"en": f"{dump.format.label} dump", "fr": f"Export {dump.format.label}"}
        )
        if dump.shapes:  # what the data must conform to, not a dump of the data
            graph.add((distribution, DCTERMS.conformsTo, URIRef(str(SH))))
        else:
            graph.add((dataset, VOID.dataDump, url))
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(titles["en"], lang="en")))
        _label(graph, distribution, settings, titles)
        graph.add((distribution, DCAT.downloadURL, url))
        graph.add((distribution, DCAT.mediaType, URIRef(IANA + dump.format.media_type)))
        graph.add((distribution, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
        graph.add(
            (distribution, DCAT.byteSize, Literal(dump.byte_size, datatype=XSD.nonNegativeInteger))
        )
        graph.add((distribution, DCTERMS.license, URIRef(settings.license)))
        checksum = BNode()
        graph.add((distribution, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
