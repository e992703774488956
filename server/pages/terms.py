"""How one RDF term is shown on a page: its text, link, language and note; dates in words."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pyoxigraph as ox

from ldkit.server import urls
from ldkit.server.namespaces import KNOWN_DATASETS
from ldkit.server.pages.labels import Labels

XSD = "http://www.w3.org/2001/XMLSchema#"
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
TARGET_NAMES = {"wikidata": "Wikidata", "unbis": "UNBIS", "sdg": "SDG", "geonames": "GeoNames"}


@dataclasses.dataclass
class Value:
    """A term ready for a template: what to write, where it links and in which language."""

    text: str
    href: str | None = None
    lang: str = ""
    note: str = ""
    kind: str = "literal"  # "local", "iri", "external", "literal" or "bnode"
    iri: str | None = None
    nested: list[Any] = dataclasses.field(default_factory=list)  # a blank node's properties

    def as_json(self) -> dict[str, Any]:
        """The value in the plain JSON twin."""
        found: dict[str, Any] = {"value": self.text}
        if self.iri:
            found["iri"] = self.iri
        if self.lang:
            found["lang"] = self.lang
        if self.note:
            found["datatype"] = self.note
        if self.nested:
            found["properties"] = [group.as_json() for group in self.nested]
        return found


@dataclasses.dataclass
class Context:
    """What showing a term needs: the base IRI, the labels and the reader's explicit language."""

    base_iri: str
    labels: Labels
    lang: str
    link_lang: str | None = None  # `_lang` carried by links when the reader chose it


def show(term: Any, context: Context) -> Value:
    """A term as a Value: IRIs by their label, literals with their language, dates in words."""
    if isinstance(term, ox.NamedNode):
        return show_iri(term.value, context)
    if isinstance(term, ox.Literal):
        return show_literal(term, context.lang)
    if isinstance(term, ox.BlankNode):
        return Value("", kind="bnode")
    return Value(str(term))


def show_iri(iri: str, context: Context) -> Value:
    """An IRI: its page here for ours, a named link for a known dataset's, else the IRI."""
    text, lang = context.labels.label_and_language(iri)
    local = urls.resource_url(iri, context.base_iri)
    if local:
        return Value(text, urls.with_params(local, context.link_lang), lang, kind="local", iri=iri)
    target = external_target(iri)
    if target:
        identifier = iri.removeprefix(KNOWN_DATASETS[target]).strip("/")
        name = TARGET_NAMES[target]
        shown = f"{name}: {text}" if text != identifier and lang else f"{name} {identifier}"
        return Value(shown, iri, lang, note=identifier, kind="external", iri=iri)
    return Value(text, urls.followable(iri), lang, kind="iri", iri=iri)


def external_target(iri: str) -> str | None:
    """The key of the known dataset (`wikidata`, `unbis`...) an IRI belongs to, or None."""
    return next((k for k, ns in KNOWN_DATASETS.items() if iri.startswith(ns)), None)


def show_literal(literal: ox.Literal, lang: str) -> Value:
    """A literal: its text (dates in the reader's words), its language, a note for other types."""
    datatype = literal.datatype.value
    if literal.language:
        return Value(literal.value, lang=literal.language)
    if datatype.startswith(XSD) and datatype[len(XSD) :] in ("date", "gYearMonth", "gYear"):
        return Value(format_date(literal.value, lang), note=literal.value, kind="date")
    if datatype == XSD + "string":
        return Value(literal.value)
    short = "xsd:" + datatype[len(XSD) :] if datatype.startswith(XSD) else datatype
    return Value(literal.value, note=short)


def format_date(value: str, lang: str) -> str:
    """`2016-07-27` -> `27 July 2016` (`27 juillet 2016`); `2016-07` -> `July 2016`; else as is."""
    match = re.fullmatch(r"(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(Z|[+-]\d{2}:\d{2})?", value)
    if not match:
        return value
    year, month, day, _zone = match.groups()
    if not month:
        return year
    months = MONTHS.get(lang, MONTHS["en"]).split()
    name = months[int(month) - 1] if 1 <= int(month) <= 12 else month
    if not day:
        return f"{name} {year}"
    day_text = "1er" if lang == "fr" and day == "01" else str(int(day))
    return f"{day_text} {name} {year}"
