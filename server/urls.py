"""Every URL the server writes into a page is built here."""

from __future__ import annotations

from urllib.parse import quote, urlencode

SPARQL_PATH = "/sparql"
GRAPH_STORE_PATH = f"{SPARQL_PATH}/graph"


def resource_url(iri: str, base_iri: str) -> str | None:
    """The path of this server's page for an IRI under the base, or None for outside IRIs.

    `https://w3id.org/climate-mobility/id/organisation/iom` with base
    `https://w3id.org/climate-mobility/` is served at `/id/organisation/iom`.
    """
    if not iri.startswith(base_iri) or iri == base_iri:
        return None
    return "/" + iri[len(base_iri) :]


def path_url(path: str) -> str:
    """A decoded request path written as a URL path again (`#`, `?`, spaces escaped)."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def followable(iri: str) -> str | None:
    """`iri` as a link a page may offer: http(s) and mailto IRIs only (never `javascript:`,
    `data:`...; a `urn:` leads nowhere a browser can go)."""
    return iri if iri.lower().startswith(("http://", "https://", "mailto:")) else None


def query_url(query: str, fmt: str | None = None, **params: str) -> str:
    """The endpoint URL that runs `query` (in format `fmt` when given)."""
    values = {"query": query, **params}
    if fmt:
        values["format"] = fmt
    return f"{SPARQL_PATH}?{urlencode(values)}"


def service_description_url(fmt: str) -> str:
    """The endpoint's service description in format `fmt` (a format key: `ttl`)."""
    return f"{SPARQL_PATH}?{urlencode({'format': fmt})}"


def static_url(name: str) -> str:
    """The URL of a static file of the server."""
    return f"/static/{name}"


# --- Pages (issue 4) ------------------------------------------------------------------------------

SYSTEM_PREFIX = "/-"  # pages that are not things of the dataset live under this one prefix
HOME_PATH = "/"
SEARCH_PATH = f"{SYSTEM_PREFIX}/search"
SEARCH_API_PATH = f"{SYSTEM_PREFIX}/search.json"
CLASSES_PATH = f"{SYSTEM_PREFIX}/classes"
TIMELINE_PATH = f"{SYSTEM_PREFIX}/timeline"
DIAGRAM_PATH = f"{SYSTEM_PREFIX}/organisations"
ONTOLOGY_PATH = "/ontology"
SHAPES_PATH = "/shapes"
VOID_PATH = "/.well-known/void"
DUMPS_PATH = "/dumps"


def with_params(path: str, lang: str | None = None, /, **params: str | int | None) -> str:
    """`path` with control parameters (`_lang` when given, then the others that are not None)."""
    values = {"_lang": lang, **params}
    query = urlencode({k: v for k, v in values.items() if v is not None and v != ""})
    path, hash_mark, fragment = path.partition("#")  # the query goes before a fragment
    return (f"{path}?{query}" if query else path) + hash_mark + fragment


def document_url(
    thing_path: str, extension: str, lang: str | None = None, page: str | None = None
) -> str:
    """The document of a thing in one format: `/id/x` -> `/id/x.ttl` (`_lang` and `_page`, the
    page of its incoming links, for pages only)."""
    if extension not in ("html", "json"):
        return with_params(f"{thing_path}.{extension}")
    return with_params(f"{thing_path}.{extension}", lang, _page=page)


def class_url(class_iri: str, prefixes: dict[str, str], lang: str | None = None) -> str:
    """The page listing the instances of a class: `/-/classes/schema:Event`."""
    return with_params(f"{CLASSES_PATH}/{quote(compact(class_iri, prefixes), safe=':')}", lang)


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """`prefix:local` for an IRI in a known namespace, else the IRI itself."""
    for prefix, namespace in prefixes.items():
        local = iri.removeprefix(namespace)
        if local != iri and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri


def expand(name: str, prefixes: dict[str, str]) -> str:
    """The IRI of `prefix:local` (the inverse of `compact`); a full IRI stays as it is."""
    prefix, colon, local = name.partition(":")
    if colon and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return name


def search_url(text: str = "", lang: str | None = None, api: bool = False) -> str:
    """The search page (or its JSON type-ahead endpoint) for `text`."""
    return with_params(SEARCH_API_PATH if api else SEARCH_PATH, lang, q=text or None)


def home_url(lang: str | None = None) -> str:
    """The home page."""
    return with_params(HOME_PATH, lang)


def ontology_url(
    term_iri: str | None = None, lang: str | None = None, ontology_iri: str | None = None
) -> str:
    """The ontology's documentation, at the section of `term_iri` when given (an own term's
    section is named by its local name: `ontology_iri` says which terms are own)."""
    anchor = f"#{term_anchor(term_iri, ontology_iri)}" if term_iri else ""
    return with_params(ONTOLOGY_PATH, lang) + anchor


def version_url(number: str, extension: str | None = None, lang: str | None = None) -> str:
    """A release of the ontology (its version IRI), or its document in one format."""
    path = f"{ONTOLOGY_PATH}/{number}"
    return document_url(path, extension, lang) if extension else path


def term_anchor(term_iri: str, ontology_iri: str | None = None) -> str:
    """The HTML id of a term's section in the ontology documentation.

    An own term's IRI is `{ontology}#name`: its section is `name`, so that the IRI itself,
    followed in a browser, lands on it (the W3C hash recipe). Other terms get a quoted id.
    """
    if ontology_iri and term_iri.startswith(ontology_iri + "#"):
        return term_iri[len(ontology_iri) + 1 :]
    return _quoted_id("term", term_iri)


def shapes_iri(base_iri: str) -> str:
    """The IRI of the shapes' document (`{base}shapes`), served at SHAPES_PATH: the dataset's own
    shapes are its hash IRIs (`{base}shapes#EventShape`)."""
    return base_iri + SHAPES_PATH.removeprefix("/")


def shapes_url(anchor: str | None = None, lang: str | None = None) -> str:
    """The shapes' documentation, at a shape's section (`shape_anchor`) when given."""
    return with_params(SHAPES_PATH, lang) + (f"#{anchor}" if anchor else "")


def shape_anchor(shape: str, own_shapes_iri: str) -> str:
    """The HTML id of a shape's section, for the shape's IRI (or a blank node's `_:shapeN`).

    A shape of the dataset's own (`{shapes document}#EventShape`) gets its local name, so that
    its IRI, followed, lands on it (the W3C hash recipe); any other shape, of another namespace
    or a blank node, a quoted id, which no local name can be (it holds a `-`): two shapes never
    share a section's id.
    """
    local = shape.removeprefix(own_shapes_iri + "#")
    return local if local != shape and local.isidentifier() else _quoted_id("shape", shape)


def _quoted_id(kind: str, text: str) -> str:
    """`kind-` and the text percent-quoted with `_` for `%` (and `_5F` for `_`: one text, one
    id)."""
    return f"{kind}-" + quote(text, safe="").replace("_", "_5F").replace("%", "_")


def picture_url(kind: str, lang: str | None = None) -> str:
    """The timeline (`timeline`) or the diagram of organisations (`organisations`)."""
    return with_params(TIMELINE_PATH if kind == "timeline" else DIAGRAM_PATH, lang)


def dump_url(file_name: str) -> str:
    """A dump of the build, downloadable from this server."""
    return f"{DUMPS_PATH}/{quote(file_name)}"
