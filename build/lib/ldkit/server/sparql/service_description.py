"""The SPARQL 1.1 Service Description of the endpoint, with the VoID description of its data."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ldkit.server.formats import (
    GRAPH_ANSWER_FORMATS,
    RESULTS_FORMATS,
    W3C_FORMAT_IRIS,
    Format,
)
from ldkit.server.namespaces import DCTERMS, PREFIXES, SD, VOID
from ldkit.server.settings import Settings


def describe_service(settings: Settings, endpoint: str, writable: bool) -> Graph:
    """The service description graph of the endpoint at `endpoint`."""
    graph = Graph()
    for prefix in ("sd", "void", "dcterms", "rdf", "xsd"):
        graph.bind(prefix, PREFIXES[prefix])
    service = URIRef(f"{endpoint}#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if writable:
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for fmt in RESULTS_FORMATS + GRAPH_ANSWER_FORMATS:
        graph.add((service, SD.resultFormat, URIRef(W3C_FORMAT_IRIS[(fmt.kind, fmt.key)])))
    _add_dataset(graph, service, settings)
    return graph


def _add_dataset(graph: Graph, service: URIRef, settings: Settings) -> None:
    dataset = URIRef(settings.dataset_iri)
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(str(service).split("#")[0])))
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    triples = _built_triples(settings.build_dir)
    if triples is not None:
        graph.add((default_graph, VOID.triples, Literal(triples, datatype=XSD.integer)))
    void = Path(settings.build_dir) / "void.ttl"
    if void.is_file():
        graph.parse(void, format="turtle")
    if (dataset, DCTERMS.title, None) not in graph:
        graph.add((dataset, DCTERMS.title, Literal(settings.label(settings.title))))


def _built_triples(build_dir: Path) -> int | None:
    try:
        build = json.loads((Path(build_dir) / "build.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    value = build.get("triples")
    return value if isinstance(value, int) else None


def serialise(graph: Graph, fmt: Format) -> bytes:
    """The graph in one of the RDF formats of the format table."""
    data = graph.serialize(format=fmt.rdflib or "turtle")
    return data.encode() if isinstance(data, str) else data
