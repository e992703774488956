"""Dereferencing the things of the dataset: `/id/...` answers 303 to its page or its RDF."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ldkit.server import urls
from ldkit.server.formats import HTML, PLAIN_JSON, RESOURCE_FORMATS, Format
from ldkit.server.pages import dereference, describe, resource_view
from ldkit.server.pages.base import (
    base_context,
    not_found,
    page_number,
    reader,
    respond,
    settings,
)
from ldkit.server.sparql.protocol import ProtocolError

blueprint = Blueprint("resources", __name__)


@blueprint.route("/id/<path:name>", methods=["GET"])
def thing_or_document(name: str) -> Response:
    """`/id/x` answers 303 to `/id/x.{ext}`; `/id/x.{ext}` is the document in that format."""
    stem, dot, extension = name.rpartition(".")
    fmt = next((f for f in RESOURCE_FORMATS if dot and f.extension == extension), None)
    if fmt is None:
        iri = f"{settings().base_iri}id/{name}"
        if not _exists(iri):
            return not_found(iri)
        return dereference.see_other(f"/id/{name}")
    return document(f"{settings().base_iri}id/{stem}", fmt)


def document(iri: str, default: Format) -> Response:
    """The document of `iri`: its page, its JSON twin or its RDF."""
    fmt = dereference.document_format(default)
    if fmt is None:
        return dereference.not_acceptable()
    config = settings()
    facts = None
    try:
        if fmt in (HTML, PLAIN_JSON):  # the page's facts come in the same query as its RDF
            triples, facts = describe.page_description(iri, config)
        else:
            triples = describe.resource_triples(iri, config)
    except ValueError:
        return not_found(iri)
    if not triples:
        return not_found(iri)
    if fmt not in (HTML, PLAIN_JSON):
        prefixes = resource_view.prefixes_for(config)
        return dereference.rdf_response(triples, fmt, prefixes, config.row_limit)
    who = reader()
    page = page_number()
    view = resource_view.build(iri, triples, config, who, page, facts)
    path = urls.resource_url(iri, config.base_iri) or "/"
    alternates = dereference.alternates(path)
    context = {
        **base_context(who),
        "page": view,
        "canonical": request.host_url.rstrip("/") + path + ".html",
        "thing_path": path,
    }
    return respond("resource.html", context, view.twin(), alternates=alternates)


def _exists(iri: str) -> bool:
    try:
        return describe.exists(iri)
    except (ValueError, ProtocolError):
        return False
