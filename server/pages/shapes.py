"""`/shapes`: the SHACL shapes the data conforms to, published as the ontology is.

`/shapes` answers 303 to its document in the negotiated format (`/shapes.html`, `.ttl`,
`.jsonld`, `.nt`, `.rdf`, `.json`); the RDF is the build's shapes graph with the prefixes the
shapes files declare, the page lists every shape by what it targets with its constraints.
"""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response

from ldkit.server import urls
from ldkit.server.formats import HTML, PLAIN_JSON
from ldkit.server.pages import dereference
from ldkit.server.pages.base import base_context, not_found, reader, respond, settings
from ldkit.server.pages.constraints import Shape, published_shapes, shapes_graph

blueprint = Blueprint("shapes", __name__)


@blueprint.route(urls.SHAPES_PATH, methods=["GET"])
def shapes() -> Response:
    """The shapes' IRI: 303 to their document (404 when the build has no shapes)."""
    if shapes_graph(settings()) is None:
        return not_found()
    return dereference.see_other(urls.SHAPES_PATH)


@blueprint.route(f"{urls.SHAPES_PATH}.<string:extension>", methods=["GET"])
def shapes_document(extension: str) -> Response:
    """The shapes in one format: their documentation, its JSON twin or the shapes graph."""
    fmt = dereference.suffix_format(extension)
    if fmt is None:
        return dereference.not_acceptable()
    config = settings()
    graph = shapes_graph(config)
    if graph is None:
        return not_found()
    if fmt not in (HTML, PLAIN_JSON):  # the whole graph: the build bounds its size
        return dereference.rdf_response(graph.triples, fmt, graph.prefixes, len(graph.triples))
    who = reader()
    found = published_shapes(graph, who.chain, urls.shapes_iri(config.base_iri))
    context = {
        **base_context(who),
        "index": _by_target(found),
        "shapes": [s for s in found if s.targets],
        "used_by_others": [s for s in found if not s.targets],
        "prefixes": sorted(graph.prefixes.items()),
    }
    twin = {"shapes": [s.as_json() for s in found], "prefixes": graph.prefixes}
    alternates = dereference.alternates(urls.SHAPES_PATH)
    return respond("shapes.html", context, twin, alternates=alternates)


def _by_target(found: list[Shape]) -> list[tuple[str, list[tuple[str, list[Shape]]]]]:
    """The shapes by kind of target, then by target: what the page's index lists."""
    index: dict[str, dict[str, list[Shape]]] = defaultdict(lambda: defaultdict(list))
    for shape in found:
        for target in shape.targets:
            index[target.kind][target.text].append(shape)
    return [
        (kind, sorted(index[kind].items()))
        for kind in ("class", "implicit", "subjectsOf", "objectsOf", "node")
        if kind in index
    ]
