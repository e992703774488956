"""The app factory: `create_app(settings)` builds the Flask app over a built dataset."""

from __future__ import annotations

import functools
import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from ldkit.server import messages, replay, request_guard, urls
from ldkit.server.http_headers import finish_any
from ldkit.server.pages import (
    base,
    dataset,
    diagram,
    listings,
    ontology,
    resource,
    shapes,
    timeline,
)
from ldkit.server.running import STORE
from ldkit.server.settings import Settings
from ldkit.server.sparql import direct, endpoint, graph_store
from ldkit.server.sparql.execution import STORE_FAILURES, store_failure_response
from ldkit.server.stores.base import Store
from ldkit.server.stores.embedded import EmbeddedStore
from ldkit.server.stores.remote import RemoteStore


def open_store(settings: Settings, pool_size: int = 4) -> Store:
    """The store the settings name: the remote one of `endpoint`, else the embedded build."""
    if settings.endpoint:
        return RemoteStore(settings)
    return EmbeddedStore(settings, pool_size=pool_size)


def create_app(settings: Settings, pool_size: int = 4) -> Flask:
    """A Flask app serving the build of `settings` (`ldkit build` writes it).

    `pool_size` is the number of query processes of this web process: one per thread that may
    run a query at the same time. Call `app.extensions["ldkit_store"].close()` to stop them.
    """
    # An ill-typed literal is the ill-typed-literal check's finding: no traceback of rdflib's
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.extensions[STORE] = open_store(settings, pool_size=pool_size)
    app.jinja_env.globals.update(static_url=urls.static_url, query_url=urls.query_url)
    app.jinja_env.globals.update(
        home_url=urls.home_url,
        search_url=urls.search_url,
        ontology_url=urls.ontology_url,
        shapes_url=urls.shapes_url,
        picture_url=urls.picture_url,
        ui=messages.text,
    )
    pages = (resource, listings, dataset, ontology, shapes, timeline, diagram)
    for view in (endpoint, graph_store, *pages):
        app.register_blueprint(view.blueprint)
    for failure in STORE_FAILURES:
        app.register_error_handler(failure, store_failure_response)
    app.register_error_handler(404, _not_found)
    app.after_request(functools.partial(finish_any, request=request))  # every answer's headers
    store = app.extensions[STORE]
    replayed = replay.replaying(direct.answering_queries(app.wsgi_app, store), store)
    app.wsgi_app = request_guard.guard(replayed)  # type: ignore[method-assign,assignment]
    return app


def _not_found(error: NotFound) -> WerkzeugResponse:
    """The site's 404 page (or its JSON twin), not werkzeug's; werkzeug's answer when the page
    itself cannot be given (a `_format` no page has is a 406)."""
    try:
        return base.not_found()
    except HTTPException as refused:
        return refused.get_response()
