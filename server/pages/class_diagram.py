"""The ontology's class diagram: the classes its properties join, drawn like the organisations.

A box per class that an own object property starts or ends at, or that is an own class, and their
superclasses; an arrow up from a subclass to its superclass, and one down from the domain to the
range of each own object property (layered so that arrows go up or down). The table beside the
picture says the same in text.
"""

from __future__ import annotations

import textwrap
from typing import Any

from ldkit.server.pages.layout import Edge, Node, layers, place, route
from ldkit.server.pages.ontology_doc import Documentation

NODE_CHARACTERS = 26
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def class_diagram(doc: Documentation, subclass_label: str) -> dict[str, Any]:
    """Boxes, arrows and their places for the template's SVG (empty when no class is joined)."""
    classes = {t.iri: t for t in doc.terms if t.kind == "class"}
    edges: list[Edge] = []
    for term in doc.own["object"]:
        for domain in term.domains:
            for range_ in term.ranges:
                if domain.iri in classes and range_.iri in classes:
                    edges.append(
                        Edge(
                            domain.iri,
                            range_.iri,
                            term.iri,
                            term.label.text,
                            term.label.lang,
                            False,
                        )
                    )
    shown = {e.source for e in edges} | {e.target for e in edges}
    shown |= {t.iri for t in doc.own["class"]}
    for iri in sorted(shown):  # superclasses of the shown classes, and theirs
        stack = [iri]
        while stack:
            term = classes[stack.pop()]
            for up in term.supers:
                if up.iri in classes:
                    edges.append(Edge(term.iri, up.iri, SUBCLASS_OF, subclass_label, "", True))
                    if up.iri not in shown:
                        shown.add(up.iri)
                        stack.append(up.iri)
    edges = list({(e.source, e.target, e.prop): e for e in edges}.values())
    nodes = {}
    for iri in sorted(shown):
        value = classes[iri].label
        lines = textwrap.wrap(value.text, NODE_CHARACTERS, max_lines=3, placeholder=" …")
        nodes[iri] = Node(value, lines or [value.text[:NODE_CHARACTERS]])
    # a superclass above its subclasses, a domain above its ranges: arrows go down, not sideways
    above = [(e.source, e.target) if e.hierarchical else (e.target, e.source) for e in edges]
    depth = layers(sorted(shown), above)
    for iri, node in nodes.items():
        node.layer = depth[iri]
    width, height = place(nodes, edges)
    for edge in edges:
        route(edge, nodes[edge.source], nodes[edge.target])
    return {
        "nodes": sorted(nodes.values(), key=lambda n: (n.y, n.x)),
        "edges": edges,
        "by_iri": {iri: node.value for iri, node in nodes.items()},
        "width": width,
        "height": height,
    }
