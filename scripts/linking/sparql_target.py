"""Ask a Wikidata-like SPARQL endpoint about items, through SPARQLWrapper.

Wikidata states labels as `rdfs:label` (and `schema:name`), aliases as `skos:altLabel`, types as
`wdt:P31`, and a merged item as `owl:sameAs` its survivor; a fixture excerpt in a local Oxigraph
server answers the same queries.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import urllib.error
from collections.abc import Iterable, Iterator
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    SPARQLWrapperException,
)

from ldkit.pipeline.linking.targets import LANGUAGES, LinkError, Target, TargetRecord

AGENT = "ldkit-link/0.1 (https://w3id.org/ldkit; linked-data link checker)"
BATCH = 50  # items per query: short enough for a GET-sized query on Wikidata

DESCRIBE = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?item ?found ?label ?type ?redirect WHERE {{
  VALUES ?item {{ {items} }}
  BIND (EXISTS {{ ?item ?p ?o }} AS ?found)
  OPTIONAL {{ ?item {labels} ?label FILTER (LANG(?label) IN ({languages})) }}
  OPTIONAL {{ ?item <{type}> ?type }}
  OPTIONAL {{ ?item owl:sameAs ?redirect }}
}}
"""

SEARCH = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?text ?item ?label ?type WHERE {{
  VALUES ?text {{ {texts} }}
  ?item {names} ?text .
  FILTER NOT EXISTS {{ ?item owl:sameAs ?survivor }}
  OPTIONAL {{ ?item {labels} ?label FILTER (LANG(?label) IN ({languages})) }}
  OPTIONAL {{ ?item <{type}> ?type }}
}}
"""


def describe_items(target: Target, endpoint: str, iris: Iterable[str]) -> dict[str, TargetRecord]:
    """What the endpoint says about each IRI: found or not, labels, types, redirect."""
    today = dt.date.today()
    rows: dict[str, dict[str, Any]] = {}
    for batch in _batches(sorted(set(iris))):
        query = DESCRIBE.format(
            items=" ".join(f"<{iri}>" for iri in batch),
            labels=_alternatives(target),
            languages=", ".join(f'"{lang}"' for lang in LANGUAGES),
            type=target.type_predicate,
        )
        for row in run_select(endpoint, query):
            entry = rows.setdefault(row["item"], {"found": False, "labels": set(), "types": set()})
            entry["found"] = entry["found"] or row.get("found") == "true"
            _collect(entry, row)
    return {
        iri: TargetRecord(
            iri,
            bool(entry["found"]),
            frozenset(entry["labels"]),
            frozenset(entry["types"]),
            entry.get("redirect"),
            today,
            endpoint,
        )
        for iri, entry in rows.items()
    }


def search_labels(
    target: Target, endpoint: str, texts: Iterable[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """Items with one of the labels `(language, text)`: their labels, types and matched texts."""
    found: dict[str, dict[str, Any]] = {}
    for batch in _batches(sorted(set(texts))):
        query = SEARCH.format(
            texts=" ".join(f"{json.dumps(text)}@{lang}" for lang, text in batch),
            names=_alternatives(target, aliases=True),
            labels=_alternatives(target),
            languages=", ".join(f'"{lang}"' for lang in LANGUAGES),
            type=target.type_predicate,
        )
        for row in run_select(endpoint, query):
            entry = found.setdefault(row["item"], {"labels": set(), "types": set(), "texts": set()})
            entry["texts"].add((row["text.lang"], row["text"]))
            _collect(entry, row)
    return found


JSON_RESULTS = ("application/sparql-results+json", "application/json")


def run_select(endpoint: str, query: str) -> Iterator[dict[str, str]]:
    """The rows of a SELECT query, each a dict of values (and `VAR.lang` for language tags)."""
    client = SPARQLWrapper(endpoint, agent=AGENT)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setQuery(query)
    client.setTimeout(60)
    try:
        result = client.query()
        try:
            kind = result.response.info().get_content_type()
            if kind not in JSON_RESULTS:  # SPARQLWrapper would warn and hand back raw bytes
                raise LinkError(
                    f"{endpoint} did not answer SPARQL JSON results ({kind}):"
                    " is it a SPARQL endpoint?"
                )
            answer = result.convert()
        finally:
            result.response.close()
    except (SPARQLWrapperException, urllib.error.URLError, http.client.HTTPException) as error:
        raise LinkError(f"cannot query {endpoint}: {_reason(error)}") from None
    except (OSError, ValueError, TypeError) as error:
        raise LinkError(f"cannot query {endpoint}: {error}") from None
    yield from _rows(endpoint, answer)


def _rows(endpoint: str, answer: object) -> Iterator[dict[str, str]]:
    """The rows of a SPARQL JSON answer; LinkError for anything else (an HTML page, `{}`, XML)."""
    try:
        bindings = answer["results"]["bindings"]  # type: ignore[index]
        rows = []
        for binding in bindings:
            row = {name: str(value["value"]) for name, value in binding.items()}
            row.update({f"{n}.lang": v["xml:lang"] for n, v in binding.items() if "xml:lang" in v})
            rows.append(row)
    except (KeyError, TypeError, AttributeError, IndexError):
        raise LinkError(
            f"{endpoint} did not answer SPARQL JSON results: is it a SPARQL endpoint?"
        ) from None
    return iter(rows)


def _collect(entry: dict[str, Any], row: dict[str, str]) -> None:
    if "label" in row:
        entry["labels"].add((row.get("label.lang", ""), row["label"]))
    if "type" in row:
        entry["types"].add(row["type"])
    if "redirect" in row:
        entry["redirect"] = row["redirect"]


def _alternatives(target: Target, aliases: bool = False) -> str:
    predicates = target.label_predicates + (target.alias_predicates if aliases else ())
    return "|".join(f"<{predicate}>" for predicate in predicates)


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _reason(error: Exception) -> str:
    if isinstance(error, EndPointNotFound):  # its own words say it could not connect: it did
        return "HTTP 404: no SPARQL endpoint at this URL"
    if isinstance(error, EndPointInternalError):
        return "HTTP 500: the endpoint failed"
    reason = getattr(error, "reason", None) or getattr(error, "msg", None) or error
    return str(reason).splitlines()[0]
