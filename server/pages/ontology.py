"""The ontology documents itself: `/ontology` and each version IRI `/ontology/0.1.0`.

`/ontology` answers 303 to the current version's document, `/ontology/{version}` to that
release's (`/ontology/0.1.0.html`, `.ttl`, `.jsonld` ...): every `owl:priorVersion` resolves.
The HTML is the documentation of `ontology_doc` (metadata, own terms by kind, reused terms apart,
a class diagram), with the SHACL constraints on each class, for the current version the uses and
a few instances from the data, and the list of releases with their changes; the RDF holds only
what the ontology states (its header and its own terms), with the prefixes its files declare.
"""

from __future__ import annotations

import functools
import html
import re
from collections import defaultdict

import pyoxigraph as ox
from flask import Blueprint, Response
from markupsafe import Markup
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from ldkit.server import urls
from ldkit.server.formats import HTML, PLAIN_JSON, RESOURCE_FORMATS
from ldkit.server.messages import text as ui
from ldkit.server.pages import dereference, reading, versions
from ldkit.server.pages.base import (
    Reader,
    base_context,
    labels_for,
    not_found,
    reader,
    respond,
    settings,
)
from ldkit.server.pages.class_diagram import class_diagram
from ldkit.server.pages.constraints import ShapesGraph, requirements
from ldkit.server.pages.layout import NODE_DIMENSIONS
from ldkit.server.pages.listings import class_counts, property_counts
from ldkit.server.pages.ontology_doc import SECTIONS, Documentation, document, own_namespace
from ldkit.server.pages.resource_view import prefixes_for
from ldkit.server.pages.terms import Context, format_date, show_iri
from ldkit.server.settings import Settings

blueprint = Blueprint("ontology", __name__)

EXAMPLES = 3  # instances shown per class


@blueprint.route(urls.ONTOLOGY_PATH, methods=["GET"])
def ontology() -> Response:
    """The ontology IRI: 303 to the current version's document."""
    return dereference.see_other(urls.ONTOLOGY_PATH)


@blueprint.route(f"{urls.ONTOLOGY_PATH}.<string:extension>", methods=["GET"])
def ontology_document(extension: str) -> Response:
    """The current version in one format: its documentation, its JSON twin or its RDF."""
    return _document(versions.CURRENT, extension, urls.ONTOLOGY_PATH)


@blueprint.route(f"{urls.ONTOLOGY_PATH}/<string:name>", methods=["GET"])
def ontology_version(name: str) -> Response:
    """A version IRI (303 to its document), or that document (`0.1.0.ttl`)."""
    config = settings()
    number, extension = _split(name)
    stored = _stored_name(config, number)
    if stored is None:
        return not_found(config.version_iri(number))
    if not extension:
        return dereference.see_other(urls.version_url(number))
    return _document(stored, extension, urls.version_url(number))


def _split(name: str) -> tuple[str, str]:
    """`0.1.0.ttl` -> ("0.1.0", "ttl"); `0.1.0` -> ("0.1.0", "")."""
    number, _, extension = name.rpartition(".")
    return (number, extension) if versions.SEMVER.fullmatch(number) else (name, "")


def _stored_name(config: Settings, number: str) -> str | None:
    """Where the build holds version `number`: its release, or the working tree's if it is
    that version and not released yet; None for no such version."""
    if versions.version_of(config, number) is not None:
        return number
    if number == versions.current_number(config):
        return versions.CURRENT
    return None


def _document(name: str, extension: str, path: str) -> Response:
    fmt = dereference.suffix_format(extension)
    if fmt is None:
        return dereference.not_acceptable()
    config = settings()
    version = versions.version_of(config, name)
    if version is None:
        return not_found(config.ontology_iri)
    if fmt not in (HTML, PLAIN_JSON):
        triples = own_statements(version.ontology, config.ontology_iri)
        return dereference.rdf_response(triples, fmt, version.prefixes, config.row_limit)
    return _documentation(name, version, path, reader())


def _documentation(name: str, version: versions.Version, path: str, who: Reader) -> Response:
    """The documentation page of `version` (or its JSON twin) for `who`."""
    config = settings()
    doc = document(version, config.ontology_iri, config.base_iri, who.chain, who.lang, who.chosen)
    _add_constraints(doc, version, who)
    if name == versions.CURRENT:
        _add_uses(doc, config, who)
    releases = versions.releases(config)
    shown = doc.metadata.get("version")
    alternates = [(f.label, f"{path}.{f.extension}", f.media_type) for f in RESOURCE_FORMATS[1:5]]
    context = {
        **base_context(who),
        "doc": doc,
        "diagram": class_diagram(doc, ui("subclass_of", who.lang)),
        "node": NODE_DIMENSIONS,
        "releases": releases,
        "this_release": next(
            (r for r in releases if r.number == shown and name != versions.CURRENT), None
        ),
        "changes": {r.number: changelog_html(r.changes) for r in releases if r.changes},
        "is_current": name == versions.CURRENT,
        "unreleased": _unreleased_note(config, name, version, who.lang),
        "sections": SECTIONS,
        "version_href": lambda number: urls.version_url(number, "html", who.chosen),
        "url_current": urls.document_url(urls.ONTOLOGY_PATH, "html", who.chosen),
        "day": lambda value: format_date(value, who.lang),
    }
    twin = {**doc.as_json(), "releases": [r.number for r in releases]}
    return respond("ontology.html", context, twin, alternates=alternates)


def _unreleased_note(
    config: Settings, name: str, version: versions.Version, lang: str
) -> str | None:
    """What the current documentation says when it documents no release: the working tree
    before the first release, or with changes since the last."""
    if name != versions.CURRENT:
        return None
    changed, last = versions.unreleased_since(config, version)
    if not changed:
        return None
    return ui("doc_unreleased_since", lang, v=last) if last else ui("doc_unreleased", lang)


def own_statements(graph: Graph, ontology_iri: str) -> list[ox.Triple]:
    """What the ontology states: its header and its own terms, with the blank nodes they lead
    to (not the declarations of the reused terms it labels)."""
    namespace = own_namespace(graph, ontology_iri)
    own = Graph()
    todo: list[Node] = [
        s
        for s in set(graph.subjects())
        if isinstance(s, URIRef) and (str(s) == ontology_iri or str(s).startswith(namespace))
    ]
    seen = set(todo)
    while todo:
        subject = todo.pop()
        for triple in graph.triples((subject, None, None)):
            own.add(triple)
            if isinstance(triple[2], BNode) and triple[2] not in seen:
                seen.add(triple[2])
                todo.append(triple[2])
    return _triples(own)


def _triples(graph: Graph) -> list[ox.Triple]:
    return list(ox.parse(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES))


def _add_uses(doc: Documentation, config: Settings, who: Reader) -> None:
    """The current version's terms with their uses in the data and a few of their instances."""
    used = dict(class_counts()) | property_counts()
    prefixes = prefixes_for(config)
    classes = [t for t in doc.terms if t.kind == "class"]
    found = _examples([t.iri for t in classes if used.get(t.iri)])
    labels = labels_for(who, [x for xs in found.values() for x in xs])
    context = Context(config.base_iri, labels, who.lang, who.chosen)
    for term in doc.terms:
        term.used = used.get(term.iri, 0)
        if term.kind == "class" and term.used:
            term.instances_href = urls.class_url(term.iri, prefixes, who.chosen)
            term.examples = [show_iri(x, context) for x in found.get(term.iri, [])]


def _examples(classes: list[str]) -> dict[str, list[str]]:
    """Up to EXAMPLES instances of each class (one query), in IRI order."""
    if not classes:
        return {}
    unions = " UNION ".join(
        f"{{ SELECT ?x ({reading.iri(c)} AS ?c) WHERE {{ ?x a {reading.iri(c)} FILTER(isIRI(?x)) }}"
        f" ORDER BY ?x LIMIT {EXAMPLES} }}"
        for c in classes
    )
    found: dict[str, list[str]] = defaultdict(list)
    for row in reading.select(f"SELECT ?c ?x WHERE {{ {unions} }}"):
        found[row["c"].value].append(row["x"].value)
    return {c: sorted(xs) for c, xs in found.items()}


def _add_constraints(doc: Documentation, version: versions.Version, who: Reader) -> None:
    """What the version's shapes ask of each class's instances (and of each property's users)."""
    config = settings()
    shapes = None if version.name == versions.CURRENT else _shapes_of(version)  # None: the build's
    found = requirements(config, who.chain, [t.iri for t in doc.terms], shapes)
    for term in doc.terms:
        term.constraints = found.get(term.iri, [])


@functools.lru_cache(maxsize=8)
def _shapes_of(version: versions.Version) -> ShapesGraph:
    return ShapesGraph(version.shapes, _triples(version.shapes), version.prefixes)


def changelog_html(markdown: str) -> Markup:
    """A changelog section (the Markdown `ldkit release` writes) as HTML, every text escaped."""
    out: list[str] = []
    in_list = False
    for line in markdown.splitlines():
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("### "):
            out.append(f"<h4>{_inline(line[4:])}</h4>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    if in_list:
        out.append("</ul>")
    return Markup("\n".join(out))


def _inline(text: str) -> str:
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)
