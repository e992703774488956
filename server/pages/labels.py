"""Labels of IRIs in the reader's language, with a fallback chain.

A label is looked up in this order: the store (`skos:prefLabel`, `rdfs:label`, `schema:name`,
`dcterms:title`, `foaf:name`; the dataset's ontology graph labels every reused term its data
uses), then the labels shipped in `server/vocabularies/*.ttl`, then the link targets' labels
cached by `ldkit link check` in `data/links/cache/*.ttl`, and last the IRI's local name. Within
each, the language chain decides: the reader's language, then the dataset's languages in order,
then an untagged label, then any.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from ldkit.server.pages import reading

LABEL_PROPERTIES: tuple[str, ...] = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
)
VOCABULARIES = Path(__file__).resolve().parent.parent / "vocabularies"  # server/vocabularies/
FETCH_BATCH = 200

Texts = dict[str, list[str]]  # language ("" when untagged) -> texts


def plain(text: str) -> str:
    """`text` as people compare it: no case, no accents ("Réunion" and "reunion" are alike)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(FOLDED)


FOLDED = str.maketrans({"œ": "oe", "æ": "ae", "’": "'", "ʼ": "'"})


def _accented_forms() -> dict[str, str]:
    """Each Latin letter with the accented letters (Latin-1 and Extended-A) that fold to it."""
    forms: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        letter = chr(code).lower()
        folded = plain(letter)
        accented = len(letter) == 1 and folded != letter and letter not in forms.get(folded, "")
        if accented and len(folded) == 1 and folded.isascii() and folded.isalpha():
            forms[folded] = forms.get(folded, folded) + letter
    return forms


ACCENTED = _accented_forms()
LIGATURES = {"oe": "œ", "ae": "æ"}  # French writes "cœur", people type "coeur"
APOSTROPHES = "'’ʼ"  # "L'Heure" and "L’Heure"
REGEX_SPECIAL = frozenset("\\.?*+{}()[]|^$-")


def contains_pattern(text: str) -> str:
    """A SPARQL `REGEX` pattern (with the "i" flag) that finds `text` inside a label whatever
    its accents: "reunion" and "réunion" both find "Réunion", "coeur" finds "cœur"."""
    wanted, parts, at = plain(text), [], 0
    while at < len(wanted):
        pair = wanted[at : at + 2]
        if pair in LIGATURES:
            parts.append(f"({pair}|{LIGATURES[pair]})")
            at += 2
            continue
        char = wanted[at]
        if char in ACCENTED:
            parts.append(f"[{ACCENTED[char]}]")
        elif char == "'":
            parts.append(f"[{APOSTROPHES}]")
        else:
            parts.append(f"\\{char}" if char in REGEX_SPECIAL else char)
        at += 1
    return "".join(parts)


def pick(texts: Texts, chain: Sequence[str]) -> tuple[str, str] | None:
    """The text in the first language of `chain` that has one, else any; with its language."""
    for lang in chain:
        if texts.get(lang):
            return sorted(texts[lang])[0], lang
    for lang in sorted(texts):
        if texts[lang]:
            return sorted(texts[lang])[0], lang
    return None


def local_name(iri: str) -> str:
    """A readable name from the end of an IRI: `.../id/organisation/iom` -> `iom`."""
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return tail.replace("-", " ").replace("_", " ")


class Labels:
    """The labels of the IRIs a page shows, gathered once per page and picked per language."""

    def __init__(self, chain: Sequence[str], cache_dir: Path | None = None) -> None:
        self.chain = tuple(chain)
        self._known: dict[str, Texts] = {}
        self._cache_dir = cache_dir

    def add(self, iri: str, text: str, lang: str = "") -> None:
        """Remember one label of `iri`."""
        self._known.setdefault(iri, {}).setdefault(lang, []).append(text)

    def add_triples(self, triples: Iterable[ox.Triple]) -> None:
        """Remember the labels among `triples`."""
        for t in triples:
            if not isinstance(t.object, ox.Literal) or not isinstance(t.subject, ox.NamedNode):
                continue
            if t.predicate.value in LABEL_PROPERTIES:
                self.add(t.subject.value, t.object.value, t.object.language or "")

    def fetch(self, iris: Iterable[str]) -> None:
        """Ask the store for the labels of the IRIs not known yet."""
        missing = sorted({i for i in iris if i not in self._known})
        for iri, label in labels_in_store(missing):
            self.add(iri, label.value, label.language or "")
        for iri in missing:
            self._known.setdefault(iri, {})

    def label(self, iri: str) -> str:
        """The best label of `iri` for the reader."""
        return self.label_and_language(iri)[0]

    def label_and_language(self, iri: str) -> tuple[str, str]:
        """The best label and its language ("" when untagged or made from the IRI)."""
        for texts in (self._known.get(iri), shipped_labels().get(iri), self._cached(iri)):
            if texts and (found := pick(texts, self.chain)):
                return found
        return local_name(iri), ""

    def all_labels(self, iri: str) -> Texts:
        """Every label known for `iri`, by language (for search results and JSON)."""
        return self._known.get(iri) or shipped_labels().get(iri) or {}

    def _cached(self, iri: str) -> Texts | None:
        if self._cache_dir is None:
            return None
        return cached_link_labels(str(self._cache_dir)).get(iri)


@functools.cache
def shipped_labels() -> dict[str, Texts]:
    """The labels of `server/vocabularies/*.ttl`, read once."""
    return _read_labels(sorted(VOCABULARIES.glob("*.ttl")))


@functools.lru_cache(maxsize=4)
def cached_link_labels(folder: str) -> dict[str, Texts]:
    """The labels of link targets cached by `ldkit link check`, read once per folder."""
    return _read_labels(sorted(Path(folder).glob("*.ttl")))


def _read_labels(paths: Iterable[Path]) -> dict[str, Texts]:
    found: dict[str, Texts] = {}
    for path in paths:
        try:
            triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        except (OSError, SyntaxError):
            continue  # a broken cache file only costs its labels
        for t in triples:
            if t.predicate.value in LABEL_PROPERTIES and isinstance(t.object, ox.Literal):
                texts = found.setdefault(t.subject.value, {})
                texts.setdefault(t.object.language or "", []).append(t.object.value)
    return found


def labels_in_store(iris: Iterable[str]) -> list[tuple[str, ox.Literal]]:
    """The labels the store holds for `iris`, asked in batches.

    One VALUES block and a FILTER on the property: two VALUES blocks joined with the label
    pattern make Oxigraph scan the whole store (seconds at 1M triples).
    """
    found: list[tuple[str, ox.Literal]] = []
    props = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    unique = sorted(set(iris))
    for start in range(0, len(unique), FETCH_BATCH):
        values = " ".join(reading.iri(i) for i in unique[start : start + FETCH_BATCH])
        rows = reading.select(
            f"SELECT DISTINCT ?r ?l WHERE {{ VALUES ?r {{ {values} }}"
            f" ?r ?p ?l FILTER(?p IN ({props}) && isLiteral(?l)) }}"
        )
        found += [(row["r"].value, row["l"]) for row in rows]
    return found
