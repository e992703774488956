"""Bridges between pyoxigraph terms (fast parsing, the store) and rdflib terms (SHACL)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class TermConverter:
    """Turns pyoxigraph terms into rdflib terms, reusing one rdflib object per IRI."""

    def __init__(self) -> None:
        self._iris: dict[str, URIRef] = {}
        self._datatypes: dict[str, URIRef | None] = {_XSD_STRING: None, _RDF_LANG_STRING: None}

    def term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
        if isinstance(term, ox.NamedNode):
            value = term.value
            iri = self._iris.get(value)
            if iri is None:
                iri = self._iris[value] = URIRef(value)
            return iri
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype not in self._datatypes:
                self._datatypes[datatype] = URIRef(datatype)
            return Literal(term.value, datatype=self._datatypes[datatype])
        raise TypeError(f"cannot convert {term!r} to rdflib")


def to_graph(quads: Iterable[ox.Quad], graph: Graph | None = None) -> Graph:
    """Merge the triples of `quads` (all graphs together) into an rdflib Graph."""
    graph = Graph() if graph is None else graph
    convert = TermConverter().term
    add = graph.add
    for quad in quads:
        add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))  # type: ignore[arg-type]
    return graph
