"""The ldkit web server: `create_app(settings)` builds the Flask app over a built dataset."""

from __future__ import annotations

from flask import Flask

from server import messages, urls
from server.settings import Settings
from server.store import open_store


def create_app(settings: Settings, pool_size: int = 4) -> Flask:
    """A Flask app serving the build of `settings` (`ldkit build` writes it).

    `pool_size` is the number of query processes of this web process: one per thread that may
    run a query at the same time. Call `app.extensions["ldkit_store"].close()` to stop them.
    """
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.extensions["ldkit_store"] = open_store(settings, pool_size=pool_size)
    app.jinja_env.globals.update(static_url=urls.static_url, query_url=urls.query_url)
    app.jinja_env.globals.update(
        home_url=urls.home_url,
        search_url=urls.search_url,
        ontology_url=urls.ontology_url,
        picture_url=urls.picture_url,
        ui=messages.text,
    )

    # Imported here, not at the top: query processes import `server.query_worker`, hence this
    # package, and have no use for the views.
    from server import graph_store, sparql

    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(graph_store.blueprint)

    from server import dataset, listings, ontology_docs, resources

    app.register_blueprint(resources.blueprint)
    app.register_blueprint(listings.blueprint)
    app.register_blueprint(dataset.blueprint)
    app.register_blueprint(ontology_docs.blueprint)

    from server import pictures

    app.register_blueprint(pictures.blueprint)

    from server.execution import STORE_FAILURES, store_failure_response

    for failure in STORE_FAILURES:
        app.register_error_handler(failure, store_failure_response)
    return app
