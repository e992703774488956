"""The dataset describes itself: `/.well-known/void`, the dataset IRI and the dumps.

`/.well-known/void` answers 303 to the dataset IRI's document (the VoID + DCAT graph of the
build, in the negotiated format), as every thing does. `/dumps/<file>` serves the build's dumps
with `ETag` and `Last-Modified`, so `void:dataDump` and `dcat:downloadURL` download.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_from_directory

from ldkit.server import urls
from ldkit.server.pages import dereference
from ldkit.server.pages.base import settings

blueprint = Blueprint("dataset", __name__)


@blueprint.route(urls.VOID_PATH, methods=["GET"])
def well_known_void() -> Response:
    """303 to the dataset's description in the negotiated format."""
    config = settings()
    path = urls.resource_url(config.dataset_iri, config.base_iri) or "/"
    return dereference.see_other(urls.VOID_PATH, path)


@blueprint.route(f"{urls.DUMPS_PATH}/<string:file_name>", methods=["GET"])
def dump(file_name: str) -> Response:
    """A dump of the build (gzipped), with validators."""
    folder = settings().build_dir / "dumps"
    if file_name not in {name for name, _ in downloads()}:  # any other name touches no file
        abort(404)
    response = send_from_directory(
        folder, file_name, mimetype="application/gzip", conditional=True, etag=True, max_age=300
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def downloads() -> list[tuple[str, str]]:
    """The dumps of the build as (file name, URL on this server)."""
    folder = settings().build_dir / "dumps"
    return [(p.name, urls.dump_url(p.name)) for p in sorted(folder.glob("*")) if p.is_file()]
