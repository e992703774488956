"""The one recipe every IRI of the dataset follows (W3C "Cool URIs", 303 See Other).

A thing's IRI (`/id/x`, `/ontology`, `/.well-known/void`) answers `303 See Other` to its
document in the negotiated format (`/id/x.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`, `.json`):
`?_format=` first, else `Accept` with its q-values (no `Accept` or `*/*`: the HTML page), else
`406`. Documents answer `200` whatever `Accept` says; their suffix (or `?_format=`) decides.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, abort, request

from ldkit.server import http_headers
from ldkit.server.formats import RDF_FORMATS, RESOURCE_FORMATS, Format, requested_format
from ldkit.server.formats import document_format as by_extension
from ldkit.server.pages.base import finish
from ldkit.server.sparql.results import triples_body


def see_other(thing_path: str, document_path: str | None = None) -> Response:
    """The 303 from a thing to its document in the negotiated format (406 when none fits)."""
    return finish(http_headers.see_other(request, thing_path, document_path))


def document_format(default: Format) -> Format | None:
    """The format of a document: its suffix's, unless `?_format=` names another."""
    named = request.args.get("_format")
    return requested_format(named, RESOURCE_FORMATS) if named else default


def suffix_format(extension: str) -> Format | None:
    """The format of `/thing.{extension}`, `?_format=` first (None: a `_format` not on offer,
    a 406); a suffix that is none of the formats' names no document (404)."""
    default = by_extension(extension)
    if default is None:
        abort(404)
    return document_format(default)


def not_acceptable() -> Response:
    """406 with the list of what is on offer."""
    return finish(http_headers.not_acceptable(request))


def rdf_response(triples: list, fmt: Format, prefixes: dict[str, str], limit: int) -> Response:
    """Triples serialised in an RDF format of the table."""
    assert fmt in RDF_FORMATS
    body, _rows, truncated = triples_body(triples, fmt, limit, prefixes)
    if fmt.oxigraph == ox.RdfFormat.TURTLE:
        body = without_unused_prefixes(body)
    textual = fmt.media_type.startswith("text/") or fmt.media_type.endswith(("json", "xml"))
    response = Response(
        body, content_type=f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type
    )
    if truncated:
        response.headers["X-Ldkit-Truncated"] = "true"
    return finish(response)


def without_unused_prefixes(body: bytes) -> bytes:
    """A Turtle document without the `@prefix` lines of prefixes it never uses: a document
    declares those it uses, not every vocabulary the server knows (a search of the text, far
    quicker than reading every IRI of the triples again)."""
    declared, rest = [], body
    while rest.startswith(b"@prefix "):
        line, _, rest = rest.partition(b"\n")
        declared.append(line)
    used = [line for line in declared if _names(rest, line[8 : line.index(b":") + 1])]
    return b"\n".join([*used, rest]) if len(used) < len(declared) else body


NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _names(text: bytes, prefix: bytes) -> bool:
    """Whether `text` holds a name under `prefix` (`org:` in `a org:Post`, not in `myorg:x`)."""
    at = text.find(prefix)
    while at != -1:
        if at == 0 or text[at - 1] not in NAME_BYTES:
            return True
        at = text.find(prefix, at + 1)
    return False


def alternates(thing_path: str) -> list[tuple[str, str, str]]:
    """The RDF documents of a thing as a page's alternates: (label, href, media type)."""
    return [
        (f.label, f"{thing_path}.{f.extension}", f.media_type)
        for f in RESOURCE_FORMATS
        if f in RDF_FORMATS
    ]
