"""IRIs as they are written in Turtle, TriG and SPARQL text: full `<iri>` or prefixed `p:local`.

Renaming a term and finding deprecated terms in queries work on the text, not on a parsed
graph, so a file keeps its prefixes, comments and layout and a diff shows only the names that
changed. A name is matched whole: `cm:serves` never matches inside `cm:servesArea`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from ldkit.server.namespaces import PREFIXES

# `@prefix p: <ns> .` (Turtle), `PREFIX p: <ns>` (SPARQL, Turtle 1.1), case-insensitive.
_PREFIX = re.compile(r"(?:@prefix|\bPREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>", re.IGNORECASE)
# A local name as Turtle writes it without escapes (no final dot).
_LOCAL = re.compile(r"[\w-](?:[\w.-]*[\w-])?|")
_NAME_CHAR = r"[\w\-:%]"
TEXT_SUFFIXES = (".ttl", ".trig", ".nt", ".nq", ".rq", ".csv", ".jsonld", ".json", ".rdf", ".owl")
PREFIXED_SUFFIXES = (".ttl", ".trig", ".rq")
_XSD = "http://www.w3.org/2001/XMLSchema#"
# Turtle's own number forms: a literal written so reads as that datatype, and as nothing else.
_NUMBERS = {
    f"{_XSD}integer": re.compile(r"[+-]?\d+"),
    f"{_XSD}decimal": re.compile(r"[+-]?\d*\.\d+"),
    f"{_XSD}double": re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+"),
    f"{_XSD}boolean": re.compile(r"true|false"),
}


def declared_prefixes(text: str) -> dict[str, str]:
    """The prefixes a Turtle or SPARQL text declares (the empty prefix as "")."""
    return {(m.group(1) or ""): m.group(2) for m in _PREFIX.finditer(text)}


def files_prefixes(paths: Iterable[Path]) -> dict[str, str]:
    """ldkit's prefixes, then those the files declare (the files win)."""
    prefixes = dict(PREFIXES)
    for path in paths:
        if path.suffix in PREFIXED_SUFFIXES:
            prefixes.update(declared_prefixes(path.read_text(encoding="utf-8")))
    return prefixes


def prefixed(iri: str, prefixes: Mapping[str, str]) -> str | None:
    """`p:local` for `iri` with the longest matching namespace, or None when none fits."""
    best: tuple[str, str] | None = None
    for prefix, namespace in prefixes.items():
        if (
            namespace
            and iri.startswith(namespace)
            and (best is None or len(namespace) > len(best[1]))
        ):
            local = iri[len(namespace) :]
            if _LOCAL.fullmatch(local):
                best = (prefix, namespace)
    return None if best is None else f"{best[0]}:{iri[len(best[1]) :]}"


def show_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """An IRI as a person reads it: prefixed when a prefix fits, else `<iri>`."""
    return prefixed(iri, prefixes) or f"<{iri}>"


def show_term(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple,
    prefixes: Mapping[str, str] = PREFIXES,
) -> str:
    """A pyoxigraph term as Turtle would write it, IRIs prefixed where a prefix fits."""
    if isinstance(term, ox.NamedNode):
        return show_iri(term.value, prefixes)
    if not isinstance(term, ox.Literal):
        return str(term)
    datatype = term.datatype.value
    number = _NUMBERS.get(datatype)
    if number is not None and number.fullmatch(term.value):
        return term.value  # as Turtle writes it; "2.5"^^xsd:integer is not one
    if datatype.endswith("#string"):
        # A list of IRIs put together by a check (GROUP_CONCAT) reads better prefixed.
        parts = term.value.split(", ")
        if all(re.fullmatch(r"\w+:[^\s<>\"]+", p) and ":" in p for p in parts):
            return ", ".join(show_iri(p, prefixes) for p in parts)
        return str(term)
    if term.language:
        return str(term)
    quoted = str(ox.Literal(term.value))
    return f"{quoted}^^{show_iri(datatype, prefixes)}"


def iri_pattern(iri: str, prefixes: Mapping[str, str]) -> re.Pattern[str]:
    """The ways a text with `prefixes` may write `iri`: `<iri>`, or `p:local` for any prefix."""
    forms = [re.escape(f"<{iri}>")]
    for prefix, namespace in prefixes.items():
        local = iri[len(namespace) :] if namespace and iri.startswith(namespace) else None
        if local is not None and _LOCAL.fullmatch(local):
            forms.append(
                rf"(?<!{_NAME_CHAR}){re.escape(prefix)}:{re.escape(local)}(?!{_NAME_CHAR}|\.[\w-])"
            )
    # A bare IRI, as N-Triples-like text of a CSV answer or JSON writes it, ends at a delimiter.
    forms.append(rf"(?<![<\w]){re.escape(iri)}(?![\w\-/#%.:]|\.[\w-])")
    return re.compile("|".join(forms))


def uses_iri(text: str, iri: str) -> bool:
    """True when a Turtle or SPARQL text names `iri`, by its prefixes or in full."""
    return iri_pattern(iri, declared_prefixes(text)).search(text) is not None


def replace_iri(text: str, old: str, new: str, prefixes: Mapping[str, str] | None = None) -> str:
    """`text` with every mention of `old` rewritten to `new`, in the same form (prefixed stays
    prefixed when a prefix fits `new`, else `<new>`); `prefixes` are those of the whole file
    when `text` is a part of it (by default, those `text` declares)."""
    prefixes = declared_prefixes(text) if prefixes is None else prefixes
    short = prefixed(new, prefixes)

    def rewrite(match: re.Match[str]) -> str:
        found = match.group(0)
        if found.startswith("<"):
            return f"<{new}>"
        if found.startswith(old):
            return new
        return short or f"<{new}>"

    return iri_pattern(old, prefixes).sub(rewrite, text)
