"""The ontology's class diagram: the classes its properties join, drawn like the organisations.

A box per class that an own object property starts or ends at, or that is an own class, and their
superclasses; an arrow up from a subclass to its superclass, and one down from the domain to the
range of each own object property (layered so that arrows go up or down). The table beside the
picture says the same in text.
"""

from __future__ import annotations

from typing import Any

from ldkit.server.pages.layout import Edge, box, laid_out, layers
from ldkit.server.pages.ontology_doc import Documentation

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
    nodes = {iri: box(classes[iri].label) for iri in sorted(shown)}
    # a superclass above its subclasses, a domain above its ranges: arrows go down, not sideways
    above = [(e.source, e.target) if e.hierarchical else (e.target, e.source) for e in edges]
    depth = layers(sorted(shown), above)
    for iri, node in nodes.items():
        node.layer = depth[iri]
    return laid_out(nodes, edges)
