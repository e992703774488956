"""Dereferencing the things of the dataset: `/id/...` answers 303 to its page or its RDF."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ldkit.server import urls
from ldkit.server.formats import HTML, PLAIN_JSON, RESOURCE_FORMATS, Format
from ldkit.server.http_headers import finish_page, see_other
from ldkit.server.pages import dereference, describe, resource_view
from ldkit.server.pages.base import (
    base_context,
    not_found,
    page_number,
    reader,
    respond,
    settings,
)
from ldkit.server.running import current_store
from ldkit.server.sparql.protocol import ProtocolError
from ldkit.server.stores.base import Store

blueprint = Blueprint("resources", __name__)


@blueprint.route("/id/<path:name>", methods=["GET"])
def thing_or_document(name: str) -> Response:
    """`/id/x` answers 303 to `/id/x.{ext}`; `/id/x.{ext}` is the document in that format."""
    stem, dot, extension = name.rpartition(".")
    fmt = next((f for f in RESOURCE_FORMATS if dot and f.extension == extension), None)
    store = current_store()
    if fmt is None:  # the thing: 303 to its document (the shortest way through the server)
        iri = f"{store.settings.base_iri}id/{name}"
        if not _exists(store, iri):
            return not_found(iri)
        return finish_page(see_other(request, f"/id/{name}"), request, store)
    return document(f"{store.settings.base_iri}id/{stem}", fmt)


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
        # the page in the language chosen (`_lang`) is its own canonical page
        "canonical": request.host_url.rstrip("/") + urls.with_params(f"{path}.html", who.chosen),
        "thing_path": path,
    }
    return respond("resource.html", context, view.twin(), alternates=alternates)


def _exists(store: Store, iri: str) -> bool:
    try:
        return store.knows(iri)
    except (ValueError, ProtocolError):
        return False
