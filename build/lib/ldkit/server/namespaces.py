"""Namespaces of the vocabularies ldkit knows, as constants: a typo fails at import.

`KNOWN_VOCABULARIES` lists the vocabularies a dataset may use without declaring their terms;
`KNOWN_DATASETS` lists the external datasets it may link to. Both feed the data-quality checks
and the VoID linksets.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VOID,
    XSD,
)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VANN = Namespace("http://purl.org/vocab/vann/")
UNDO = Namespace("https://w3id.org/un/ontology/undo/")

# schema.org is used in its https form only (see docs/modelling.md).
SCHEMA = SDO

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "prov": str(PROV),
    "org": str(ORG),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "sh": str(SH),
    "sd": str(SD),
    "vann": str(VANN),
    "undo": str(UNDO),
}

KNOWN_VOCABULARIES: tuple[str, ...] = tuple(PREFIXES.values())

# External datasets a dataset may link to, by the namespace of their IRIs.
KNOWN_DATASETS: dict[str, str] = {
    "wikidata": "http://www.wikidata.org/entity/",
    "unbis": "http://metadata.un.org/thesaurus/",
    "sdg": "http://metadata.un.org/sdg/",
    "geonames": "https://sws.geonames.org/",
}

__all__ = [
    "DCAT",
    "DCTERMS",
    "FOAF",
    "KNOWN_DATASETS",
    "KNOWN_VOCABULARIES",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SH",
    "SKOS",
    "UNDO",
    "VANN",
    "VOID",
    "XSD",
]
