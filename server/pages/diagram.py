"""How the organisations and bodies relate: `/-/organisations`, an SVG diagram, a table, a twin.

Organisations are the instances of `org:Organization`, `schema:Organization` or their
subclasses; they relate by the ORG and schema.org properties of `RELATIONS` (inverse properties
are turned round) and by `org:Membership`s. `layout` places them in layers by the hierarchical
relations (a whole above its parts), deterministically.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from ldkit.server import urls
from ldkit.server.namespaces import ORG, SCHEMA
from ldkit.server.pages import reading
from ldkit.server.pages.base import Reader, base_context, labels_for, reader, respond, settings
from ldkit.server.pages.layout import NODE_DIMENSIONS, Edge, box, laid_out, layers
from ldkit.server.pages.terms import Context, show_iri

blueprint = Blueprint("diagram", __name__)

MAX_ORGANISATIONS = 300
MAX_RELATIONS = 2000
ORGANISATION_CLASSES = (str(ORG.Organization), str(SCHEMA.Organization))
MEMBER_OF = str(ORG.memberOf)

# property -> (the property it is drawn as, whether the arrow is turned round, hierarchical)
RELATIONS: dict[str, tuple[str, bool, bool]] = {
    str(ORG.subOrganizationOf): (str(ORG.subOrganizationOf), False, True),
    str(ORG.hasSubOrganization): (str(ORG.subOrganizationOf), True, True),
    str(ORG.unitOf): (str(ORG.unitOf), False, True),
    str(ORG.hasUnit): (str(ORG.unitOf), True, True),
    MEMBER_OF: (MEMBER_OF, False, True),
    str(ORG.hasMember): (MEMBER_OF, True, True),
    str(SCHEMA.parentOrganization): (str(SCHEMA.parentOrganization), False, True),
    str(SCHEMA.subOrganization): (str(SCHEMA.parentOrganization), True, True),
    str(SCHEMA.memberOf): (str(SCHEMA.memberOf), False, True),
    str(SCHEMA.member): (str(SCHEMA.memberOf), True, True),
    str(ORG.linkedTo): (str(ORG.linkedTo), False, False),
}


def organisations() -> tuple[list[str], bool]:
    """The organisations and bodies (instances of the organisation classes), and if cut."""
    roots = " ".join(f"<{c}>" for c in ORGANISATION_CLASSES)
    rows = reading.select(
        f"SELECT DISTINCT ?o WHERE {{ VALUES ?root {{ {roots} }} ?c rdfs:subClassOf* ?root ."
        f" ?o a ?c FILTER(isIRI(?o)) }} LIMIT {MAX_ORGANISATIONS + 1}"
    )
    found = sorted({r["o"].value for r in rows})
    return found[:MAX_ORGANISATIONS], len(found) > MAX_ORGANISATIONS


def relations(nodes: set[str]) -> list[tuple[str, str, str, bool]]:
    """(from, to, property, hierarchical) between the organisations, inverses turned round."""
    props = " ".join(f"<{p}>" for p in RELATIONS)
    rows = reading.select(
        f"SELECT DISTINCT ?a ?p ?b WHERE {{ {{ VALUES ?p {{ {props} }} ?a ?p ?b }}"
        f" UNION {{ ?m org:member ?a ; org:organization ?b BIND(<{MEMBER_OF}> AS ?p) }}"
        f" FILTER(isIRI(?a) && isIRI(?b) && ?a != ?b) }} LIMIT {MAX_RELATIONS}"
    )
    found = set()
    for row in rows:
        a, p, b = row["a"].value, row["p"].value, row["b"].value
        drawn, turned, hierarchical = RELATIONS[p]
        if turned:
            a, b = b, a
        if a in nodes and b in nodes:
            found.add((a, b, drawn, hierarchical))
    return sorted(found)


def diagram(who: Reader) -> dict[str, Any]:
    """The organisations in layers (a whole above its parts) and their relations as arrows."""
    config = settings()
    iris, cut = organisations()
    related = relations(set(iris))
    labels = labels_for(who, [*iris, *{p for _, _, p, _ in related}])
    context = Context(config.base_iri, labels, who.lang, who.chosen)
    nodes = {iri: box(show_iri(iri, context)) for iri in iris}
    edges = [
        Edge(a, b, p, *labels.label_and_language(p), hierarchical)
        for a, b, p, hierarchical in related
    ]
    connected = {e.source for e in edges} | {e.target for e in edges}
    depth = layers(iris, [(e.source, e.target) for e in edges if e.hierarchical])
    alone_layer = max((depth[i] for i in connected), default=-1) + 1
    for iri, node in nodes.items():
        node.layer = depth[iri] if iri in connected else alone_layer
    return {
        **laid_out(nodes, edges),
        "alone": [nodes[i].value for i in iris if i not in connected],
        "cut": cut,
    }


@blueprint.route(urls.DIAGRAM_PATH, methods=["GET"])
def diagram_page() -> Response:
    """How the organisations and bodies relate: an SVG diagram and a table, or the JSON twin."""
    who = reader()
    picture = diagram(who)
    values = picture["by_iri"]
    twin = {
        "organisations": [{**v.as_json(), "url": v.href} for v in values.values()],
        "relations": [
            {
                "from": e.source,
                "to": e.target,
                "property": e.prop,
                "label": e.label,
            }
            for e in picture["edges"]
        ],
        "cut": picture["cut"],
    }
    context = {**base_context(who), "diagram": picture, "node": NODE_DIMENSIONS}
    return respond("organisations.html", context, twin)
