"""Suggest links for things without one: search the target by label (en, fr), rank by score.

A thing is looked up by its labels and its other names (`skos:altLabel`,
`schema:alternateName`), the target's items by theirs and their aliases. A candidate's score
weighs how well its labels match ours (0.7: the mean over the languages both sides name; a name
found only among the aliases, "OIM", counts 0.9) and whether its
Wikidata type (`wdt:P31`) fits the class of our thing (0.3); the evidence says why. An item with
no French label is judged on its English ones, not marked down for the French it lacks. Items
that were merged into another (`owl:sameAs`) are never candidates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from rdflib.namespace import ORG, SKOS

from ldkit.pipeline.linking.labels import PARENTHESES, best_pair
from ldkit.pipeline.linking.links import LinkData, Thing
from ldkit.pipeline.linking.sparql_target import search_labels
from ldkit.pipeline.linking.targets import LANGUAGES, Target
from ldkit.server.namespaces import SCHEMA

WD = "http://www.wikidata.org/entity/"
# Wikidata classes (P31 values) that fit each class of ours, with their English labels.
WIKIDATA_TYPES = {"Q515": "city", "Q6256": "country", "Q3624078": "sovereign state"}
WIKIDATA_TYPES |= {"Q43229": "organization", "Q245065": "intergovernmental organization"}
WIKIDATA_TYPES |= {"Q484652": "international organization", "Q131569": "treaty"}
WIKIDATA_TYPES |= {"Q1656682": "event"}
ORGANISATION = ("Q43229", "Q245065", "Q484652")
FITTING_TYPES: dict[str, tuple[str, ...]] = {
    str(SCHEMA.City): ("Q515",),
    str(SCHEMA.Country): ("Q6256", "Q3624078"),
    str(ORG.FormalOrganization): ORGANISATION,
    str(ORG.OrganizationalUnit): ORGANISATION,
    str(SCHEMA.Organization): ORGANISATION,
    str(SCHEMA.Event): ("Q1656682",),
    str(SCHEMA.Legislation): ("Q131569",),
}
# The classes of the things worth linking: organisations, places, events, acts and themes.
LINKABLE = (
    *FITTING_TYPES,
    str(ORG.OrganizationalCollaboration),
    str(SCHEMA.Place),
    str(SKOS.Concept),
    str(SKOS.ConceptScheme),
)
LABEL_WEIGHT, TYPE_WEIGHT = 0.7, 0.3
ALIAS_SIMILARITY = 0.9  # a label of ours that is an alias of theirs: likely, not certain


@dataclasses.dataclass(frozen=True)
class Candidate:
    """An item of the target that may be the same thing as ours, with its score and evidence."""

    iri: str
    score: float
    evidence: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """The ranked candidates for one unlinked thing (best first)."""

    thing: Thing
    candidates: tuple[Candidate, ...]


def unlinked(data: LinkData, target: Target) -> list[Thing]:
    """Our things of a linkable class that have no link to `target`."""
    linked = data.linked(target)
    return [
        thing
        for iri, thing in sorted(data.things.items())
        if iri not in linked and thing.labels and thing.types & set(LINKABLE)
    ]


def suggest_links(data: LinkData, target: Target, endpoint: str) -> list[Suggestion]:
    """Search the target for each unlinked thing; the things with candidates, best first."""
    things = unlinked(data, target)
    texts = {text for thing in things for text in search_texts(thing)}
    found = search_labels(target, endpoint, texts)
    suggestions = []
    for thing in things:
        mine = set(search_texts(thing))
        ranked = sorted(
            (score(thing, iri, entry) for iri, entry in found.items() if entry["texts"] & mine),
            key=lambda c: (-c.score, _number(c.iri)),
        )
        if ranked:
            suggestions.append(Suggestion(thing, tuple(ranked)))
    return suggestions


def search_texts(thing: Thing) -> Iterator[tuple[str, str]]:
    """The names to look up: our labels and aliases in en and fr, also without an abbreviation
    in parentheses."""
    for language in LANGUAGES:
        for text in thing.labels_in(language) + thing.aliases_in(language):
            yield language, text
            bare = PARENTHESES.sub(" ", text).strip()
            if bare and bare != text:
                yield language, bare


def score(thing: Thing, iri: str, entry: dict[str, Any]) -> Candidate:
    """How likely `iri` is our thing: label agreement per language, and type fit."""
    evidence, similarities = [], []
    for language in LANGUAGES:
        ours = thing.labels_in(language)
        theirs = [text for lang, text in entry["labels"] if lang == language]
        named = sorted(t for lang, t in entry["texts"] if lang == language)  # a name both use
        if not (ours and theirs) and not named:
            continue  # nothing to compare in this language
        similarity, mine, other = best_pair(ours, theirs)
        if named and similarity < ALIAS_SIMILARITY:
            similarities.append(ALIAS_SIMILARITY)
            evidence.append(f'alias@{language} "{named[0]}" ({ALIAS_SIMILARITY:.2f})')
        else:
            similarities.append(similarity)
            evidence.append(f'label@{language} "{other}" ~ "{mine}" ({similarity:.2f})')
    label_score = sum(similarities) / len(similarities) if similarities else 0.0
    fitting = {f"{WD}{q}" for cls in thing.types for q in FITTING_TYPES.get(cls, ())}
    matched = sorted(fitting & entry["types"])
    if matched:
        names = ", ".join(_type_name(t) for t in matched)
        evidence.append(f"type {names} fits {_class_names(thing)}")
    elif fitting:
        evidence.append(f"no type fitting {_class_names(thing)}")
    type_score = 1.0 if matched else (0.0 if fitting else 0.5)
    total = round(LABEL_WEIGHT * label_score + TYPE_WEIGHT * type_score, 2)
    return Candidate(iri, total, tuple(evidence))


def _type_name(iri: str) -> str:
    qid = iri.removeprefix(WD)
    return f"{qid} ({WIKIDATA_TYPES[qid]})" if qid in WIKIDATA_TYPES else qid


def _class_names(thing: Thing) -> str:
    return ", ".join(sorted(t.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for t in thing.types))


def _number(iri: str) -> int:
    """Older Wikidata items (smaller numbers) first among equals."""
    digits = "".join(c for c in iri.rsplit("/", 1)[-1] if c.isdigit())
    return int(digits) if digits else 0
