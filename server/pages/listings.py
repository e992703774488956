"""Listings: the home page, the class pages (paged) and search over labels (with its JSON API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ldkit.server import urls
from ldkit.server.pages import reading
from ldkit.server.pages.base import (
    Reader,
    base_context,
    finish,
    labels_for,
    not_found,
    page_number,
    reader,
    respond,
    settings,
)
from ldkit.server.pages.constraints import requirements
from ldkit.server.pages.labels import LABEL_PROPERTIES, Labels, contains_pattern, plain
from ldkit.server.pages.ontology_doc import own_namespace_of, term_href
from ldkit.server.pages.resource_view import prefixes_for
from ldkit.server.pages.terms import Context, Value, show_iri
from ldkit.server.pages.versions import CURRENT, version_of

blueprint = Blueprint("listings", __name__)

PAGE_SIZE = 50
SEARCH_LIMIT = 50
SEARCH_MIN_CHARACTERS = 2


@blueprint.route("/", methods=["GET"])
def home() -> Response:
    """The dataset's summary: title, description, licence, counts per class, featured, search."""
    who, config = reader(), settings()
    dataset = reading.iri(config.dataset_iri)
    graph = reading.iri(config.description_graph)
    counts = class_counts()
    featured = [
        r["e"].value
        for r in reading.select(
            f"SELECT ?e WHERE {{ GRAPH {graph} {{ {dataset} void:exampleResource ?e }} }}"
            " ORDER BY ?e"
        )
    ]
    labels = labels_for(who, [c for c, _ in counts] + featured + [config.license])
    context = _context(who, labels)
    classes = [(_class_value(c, context), n) for c, n in counts]
    description = config.description.get(who.lang) or (
        config.label(config.description) if config.description else ""  # not its name again
    )
    page: dict[str, Any] = {
        "description": description,
        "licence": show_iri(config.license, context),
        "classes": classes,
        "featured": [show_iri(e, context) for e in featured],
        "dataset": show_iri(config.dataset_iri, context),
    }
    twin = {
        "title": base_context(who)["title"],
        "description": description,
        "licence": config.license,
        "classes": [{**v.as_json(), "entities": n} for v, n in classes],
        "featured": [v.as_json() for v in page["featured"]],
    }
    return respond("home.html", {**base_context(who), "home": page}, twin)


@blueprint.route(f"{urls.CLASSES_PATH}/<path:name>", methods=["GET"])
def class_page(name: str) -> Response:
    """The instances of a class, `PAGE_SIZE` a page, with `Link: rel=next`."""
    who, config = reader(), settings()
    class_iri = urls.expand(name, prefixes_for(config))
    try:
        c = reading.iri(class_iri)
    except ValueError:
        return not_found()
    number = page_number()
    rows = reading.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s a {c} FILTER(isIRI(?s)) }} ORDER BY ?s"
        f" LIMIT {PAGE_SIZE + 1} OFFSET {(number - 1) * PAGE_SIZE}"
    )
    total = reading.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {c} }}")
    count = int(total[0]["n"].value) if total else 0
    if not count or (number > 1 and not rows):  # no such class, or a page past the last
        return not_found()
    things = [r["s"].value for r in rows[:PAGE_SIZE]]
    labels = labels_for(who, [class_iri, *things])
    context = _context(who, labels)
    here = urls.class_url(class_iri, prefixes_for(config))
    links = {}
    if len(rows) > PAGE_SIZE:
        links["next"] = urls.with_params(here, who.chosen, _page=number + 1)
    if number > 1:
        links["prev"] = urls.with_params(here, who.chosen, _page=number - 1)
    page: dict[str, Any] = {
        "class": show_iri(class_iri, context),
        "ontology_href": term_href(config, who.chosen)(class_iri),
        "count": count,
        "number": number,
        "things": [show_iri(t, context) for t in things],
        "next": links.get("next"),
        "prev": links.get("prev"),
        "requirements": requirements(config, who.chain, [class_iri]).get(class_iri, []),
    }
    twin = {
        "class": class_iri,
        "label": page["class"].text,
        "count": count,
        "page": number,
        "things": [v.as_json() for v in page["things"]],
        "next": links.get("next"),
        "requirements": [r.as_json() for r in page["requirements"]],
    }
    return respond("class.html", {**base_context(who), "listing": page}, twin, links=links)


@blueprint.route(urls.SEARCH_PATH, methods=["GET"])
def search_page() -> Response:
    """Search over the labels of the things, in every language."""
    who = reader()
    text = request.args.get("q", "").strip()
    found = search(text, who) if len(text) >= SEARCH_MIN_CHARACTERS else []
    twin = {"query": text, "results": [_result_json(v) for v in found]}
    context = {**base_context(who), "query": text, "results": found}
    return respond("search.html", context, twin)


@blueprint.route(urls.SEARCH_API_PATH, methods=["GET"])
def search_api() -> Response:
    """The type-ahead endpoint: `?q=text` -> `{"query", "results": [{iri, url, label}]}`."""
    who = reader()
    text = request.args.get("q", "").strip()
    found = search(text, who) if len(text) >= SEARCH_MIN_CHARACTERS else []
    response = jsonify({"query": text, "results": [_result_json(v) for v in found]})
    return finish(response)


def search(text: str, who: Reader) -> list[Value]:
    """The things under the base, and the ontology's own terms, whose label contains `text`
    whatever its case and accents ("reunion" finds "Réunion"), best matches first: the label
    that starts with it, then the shortest. A term links to its section of the documentation."""
    config = settings()
    terms = own_namespace_of(version_of(config, CURRENT), config.ontology_iri)
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    things = reading.literal(config.base_iri + "id/")
    rows = reading.select(
        f"SELECT DISTINCT ?s ?l WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?l"
        f" FILTER(isIRI(?s) && (STRSTARTS(STR(?s), {things})"
        f" || STRSTARTS(STR(?s), {reading.literal(terms)})))"
        f' FILTER(REGEX(STR(?l), {reading.literal(contains_pattern(text))}, "i")) }} LIMIT 1000'
    )
    wanted = plain(text)
    best: dict[str, tuple[int, int]] = {}
    for row in rows:
        label = plain(row["l"].value)
        rank = (0 if label.startswith(wanted) else 1, len(label))
        best[row["s"].value] = min(best.get(row["s"].value, rank), rank)
    chosen = sorted(best, key=lambda iri: (best[iri], iri))[:SEARCH_LIMIT]
    context = _context(who, labels_for(who, chosen))
    section = term_href(config, who.chosen)
    found = [show_iri(iri, context) for iri in chosen]
    for value in found:
        if value.iri and value.iri.startswith(terms):
            value.href = section(value.iri)
    return found


def class_counts() -> list[tuple[str, int]]:
    """The classes of the dataset and their number of instances, most instances first."""
    return void_partitions("classPartition", "class", "entities")


def property_counts() -> dict[str, int]:
    """How many triples use each property."""
    return dict(void_partitions("propertyPartition", "property", "triples"))


def void_partitions(partition: str, term: str, figure: str) -> list[tuple[str, int]]:
    """The dataset's VoID partitions of one kind (from the build's description), largest first."""
    config = settings()
    dataset = reading.iri(config.dataset_iri)
    graph = reading.iri(config.description_graph)
    rows = reading.select(
        f"SELECT ?t ?n WHERE {{ GRAPH {graph} {{ {dataset} void:{partition} ?x ."
        f" ?x void:{term} ?t ; void:{figure} ?n }} }} ORDER BY DESC(?n) ?t"
    )
    return [(r["t"].value, int(r["n"].value)) for r in rows]


def _class_value(class_iri: str, context: Context) -> Value:
    value = show_iri(class_iri, context)
    value.href = urls.class_url(class_iri, prefixes_for(settings()), context.link_lang)
    return value


def _result_json(value: Value) -> dict[str, Any]:
    return {"iri": value.iri, "url": value.href, "label": value.text, "lang": value.lang}


def _context(who: Reader, labels: Labels) -> Context:
    return Context(settings().base_iri, labels, who.lang, who.chosen)
