"""The one table of RDF and SPARQL-results formats, and content negotiation over it.

Every place that maps a media type, a file extension, a `?format=`/`?_format=` value, an rdflib
parser name or an oxigraph format to another goes through this module. Only `negotiate` reads
`Accept`, with werkzeug's parser.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header


@dataclasses.dataclass(frozen=True)
class Format:
    """One serialisation: its names in HTTP, on disk, in rdflib and in oxigraph."""

    key: str  # short name used in ?format= and ?_format=
    media_type: str
    extension: str  # without the dot
    label: str
    rdflib: str | None = None  # rdflib parser/serialiser name
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None = None
    kind: str = "rdf"  # "rdf", "results" or "page"
    datasets: bool = False  # holds named graphs
    aliases: tuple[str, ...] = ()  # other media types accepted for the same format
    extra_extensions: tuple[str, ...] = ()


RDF_FORMATS: tuple[Format, ...] = (
    Format(
        "ttl",
        "text/turtle",
        "ttl",
        "Turtle",
        "turtle",
        ox.RdfFormat.TURTLE,
        aliases=("application/x-turtle",),
    ),
    Format(
        "nt",
        "application/n-triples",
        "nt",
        "N-Triples",
        "nt",
        ox.RdfFormat.N_TRIPLES,
        aliases=("text/plain",),
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "jsonld",
        "JSON-LD",
        "json-ld",
        ox.RdfFormat.JSON_LD,
        extra_extensions=("json-ld",),
    ),
    Format(
        "rdf",
        "application/rdf+xml",
        "rdf",
        "RDF/XML",
        "xml",
        ox.RdfFormat.RDF_XML,
        extra_extensions=("owl", "xml"),
    ),
    Format("trig", "application/trig", "trig", "TriG", "trig", ox.RdfFormat.TRIG, datasets=True),
    Format(
        "nq", "application/n-quads", "nq", "N-Quads", "nquads", ox.RdfFormat.N_QUADS, datasets=True
    ),
)

RESULTS_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "srj",
        "JSON",
        None,
        ox.QueryResultsFormat.JSON,
        kind="results",
        aliases=("application/json",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "srx",
        "XML",
        None,
        ox.QueryResultsFormat.XML,
        kind="results",
        aliases=("application/xml", "text/xml"),
    ),
    Format("csv", "text/csv", "csv", "CSV", None, ox.QueryResultsFormat.CSV, kind="results"),
    Format(
        "tsv",
        "text/tab-separated-values",
        "tsv",
        "TSV",
        None,
        ox.QueryResultsFormat.TSV,
        kind="results",
    ),
)

HTML = Format("html", "text/html", "html", "HTML", kind="page", aliases=("application/xhtml+xml",))
PLAIN_JSON = Format("json", "application/json", "json", "JSON", kind="page")

ALL_FORMATS: tuple[Format, ...] = RDF_FORMATS + RESULTS_FORMATS + (HTML,)


def rdf_format_for_path(name: str) -> Format | None:
    """The RDF format of a file from its name (a trailing `.gz` is ignored), or None."""
    lowered = name.lower().removesuffix(".gz")
    for fmt in RDF_FORMATS:
        for ext in (fmt.extension, *fmt.extra_extensions):
            if lowered.endswith("." + ext):
                return fmt
    return None


def by_key(key: str, formats: Iterable[Format] = ALL_FORMATS) -> Format | None:
    """The format named `key` (`ttl`, `json`...) or whose media type is `key`."""
    key = key.strip().lower()
    for fmt in formats:
        if key in (fmt.key, fmt.extension, fmt.media_type, *fmt.aliases, *fmt.extra_extensions):
            return fmt
    return None


def negotiate(accept_header: str | None, offered: Sequence[Format]) -> Format | None:
    """The best of `offered` for an `Accept` header; the first offered when there is none.

    q-values are honoured, `*/*` and `type/*` match, ties go to the order of `offered`.
    Returns None when nothing offered is acceptable (the caller answers 406).
    """
    if not accept_header or not accept_header.strip():
        return offered[0]
    accept = parse_accept_header(accept_header, MIMEAccept)
    best: tuple[float, int, Format] | None = None
    for position, fmt in enumerate(offered):
        # The most specific range naming any of its media types decides; an alias counts only
        # when named (`application/*` is no request for HTML through `application/xhtml+xml`).
        named = [m for alias in fmt.aliases if (m := _match(accept, alias))[0] == EXACT]
        quality = max([_match(accept, fmt.media_type), *named])[1]
        if quality <= 0:
            continue
        rank = (quality, -position, fmt)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return best[2] if best else None


EXACT = 2  # how specific a range naming the media type itself is (`type/*` is 1, `*/*` 0)


def _match(accept: MIMEAccept, media_type: str) -> tuple[int, float]:
    """How specific the most specific matching range is, and its q-value (RFC 9110 12.5.1):
    `text/html;q=0.1, */*` gives text/html 0.1, where werkzeug's `quality` gives 1."""
    kind, _, sub = media_type.partition("/")
    specificity, quality = -1, 0.0
    for value, q in accept:
        wanted_kind, _, wanted_sub = value.split(";")[0].strip().lower().partition("/")
        if (wanted_kind, wanted_sub) == (kind, sub):
            rank = EXACT
        elif wanted_kind == kind and wanted_sub == "*":
            rank = 1
        elif (wanted_kind, wanted_sub) == ("*", "*"):
            rank = 0
        else:
            continue
        if rank > specificity:
            specificity, quality = rank, q
    return specificity, quality


# The W3C's IRIs for formats (https://www.w3.org/ns/formats/), named by `Format.key` and kind.
W3C_FORMAT_IRIS: dict[tuple[str, str], str] = {
    ("results", "json"): "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    ("results", "xml"): "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    ("results", "csv"): "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    ("results", "tsv"): "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    ("rdf", "ttl"): "http://www.w3.org/ns/formats/Turtle",
    ("rdf", "nt"): "http://www.w3.org/ns/formats/N-Triples",
    ("rdf", "jsonld"): "http://www.w3.org/ns/formats/JSON-LD",
    ("rdf", "rdf"): "http://www.w3.org/ns/formats/RDF_XML",
    ("rdf", "trig"): "http://www.w3.org/ns/formats/TriG",
    ("rdf", "nq"): "http://www.w3.org/ns/formats/N-Quads",
}

# What the SPARQL endpoint answers: results for SELECT/ASK, graphs for CONSTRUCT/DESCRIBE.
GRAPH_ANSWER_FORMATS: tuple[Format, ...] = RDF_FORMATS[:4]


def choose(named: str | None, accept: str | None, offered: Sequence[Format]) -> Format | None:
    """The format a request asks for: named by a parameter (`?_format=`), else by `Accept`."""
    if named:
        return requested_format(named, offered)
    return _negotiated(accept, tuple(offered))


@functools.lru_cache(maxsize=256)
def _negotiated(accept: str | None, offered: tuple[Format, ...]) -> Format | None:
    """`negotiate`, remembered: clients send the same few `Accept` headers again and again."""
    return negotiate(accept, offered)


def requested_format(value: str | None, offered: Sequence[Format]) -> Format | None:
    """The format a `?format=`/`?_format=` value names among `offered`.

    A key, an extension or a media type, as `by_key`; also the names clients such as
    SPARQLWrapper send (`turtle`, `json-ld`: rdflib's names, and the labels).
    """
    if not value:
        return None
    wanted = value.strip().lower()
    return by_key(wanted, offered) or next(
        (f for f in offered if wanted in (f.rdflib, f.label.lower())), None
    )


# What a thing's documents are offered as, in order of preference when the client has none
# (no `Accept`, or `*/*`): the HTML page first, so a link pasted anywhere opens a readable page.
RESOURCE_FORMATS: tuple[Format, ...] = (HTML, *RDF_FORMATS[:4], PLAIN_JSON)


def document_format(extension: str) -> Format | None:
    """The format of a document suffix (`html`, `ttl`, `jsonld`, `nt`, `rdf`, `json`), or None.

    Suffixes are read as written, as paths are (`.TTL` is none): the same on every document,
    and the same as the files of `ldkit export-site` on a static host."""
    return next((f for f in RESOURCE_FORMATS if extension == f.extension), None)


def negotiate_language(accept_language: str | None, offered: Sequence[str]) -> str | None:
    """The best of `offered` languages for an `Accept-Language` header, or None when none fits.

    `fr-CA` matches `fr`; q-values are honoured; ties go to the order of `offered`.
    """
    if not accept_language or not accept_language.strip():
        return None
    accept = parse_accept_header(accept_language, LanguageAccept)
    best: tuple[float, int, str] | None = None
    for position, lang in enumerate(offered):
        quality = max(
            (q for value, q in accept if value == "*" or value.split("-")[0].lower() == lang),
            default=0.0,
        )
        if quality > 0 and (best is None or (quality, -position) > best[:2]):
            best = (quality, -position, lang)
    return best[2] if best else None
