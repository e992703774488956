"""The datasets a dataset links to, and what a target says about one of its IRIs.

Each target has a namespace (from `ldkit.server.namespaces.KNOWN_DATASETS`) and a way to be asked:
a SPARQL endpoint (Wikidata) or per-concept RDF by content negotiation (UNBIS, SDG KOS,
GeoNames). `--endpoint` overrides where a target is asked, so tests use local servers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from rdflib import Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ldkit.server.namespaces import KNOWN_DATASETS

WDT = Namespace("http://www.wikidata.org/prop/direct/")
SCHEMA_HTTP = Namespace("http://schema.org/")  # Wikidata's own schema.org namespace
GN = Namespace("http://www.geonames.org/ontology#")

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
LANGUAGES = ("en", "fr")


class LinkError(Exception):
    """A target cannot be asked (network, bad endpoint, bad answer): the message says which."""


@dataclasses.dataclass(frozen=True)
class Target:
    """An external dataset: where its IRIs live and how to ask it about one."""

    key: str
    title: str
    namespace: str
    endpoint: str | None  # a SPARQL endpoint; None: per-concept RDF by content negotiation
    label_predicates: tuple[URIRef, ...]
    type_predicate: URIRef
    alias_predicates: tuple[URIRef, ...] = ()  # searched by suggest, not shown as labels
    # The ways people write one of its items (its web page, https for http, a query string):
    # a regular expression whose first group is the item's id, and the item's IRI from that id.
    spellings: str = ""
    form: str = "{namespace}{id}"

    def short(self, iri: str) -> str:
        """An IRI of the target as a person reads it (`wikidata:Q7903`; `<...>` outside its
        namespace)."""
        if not iri.startswith(self.namespace):
            return f"<{iri}>"
        return f"{self.key}:{iri.removeprefix(self.namespace)}"

    def proper(self, iri: str) -> str | None:
        """The item's own IRI when `iri` is another way of writing it (None: it is not one of
        the target's, or it is the item's IRI already)."""
        found = re.fullmatch(self.spellings, iri) if self.spellings else None
        if found is None:
            return None
        own = self.form.format(namespace=self.namespace, id=found.group(1))
        return own if own != iri else None


TARGETS: dict[str, Target] = {
    "wikidata": Target(
        "wikidata",
        "Wikidata",
        KNOWN_DATASETS["wikidata"],
        WIKIDATA_ENDPOINT,
        (RDFS.label, SCHEMA_HTTP.name),
        WDT.P31,
        (SKOS.altLabel,),
        r"https?://(?:www\.|m\.)?wikidata\.org/(?:wiki/|entity/)(?:Property:)?([QP]\d+)(?:[?#].*)?",
    ),
    "unbis": Target(
        "unbis",
        "UNBIS Thesaurus",
        KNOWN_DATASETS["unbis"],
        None,
        (SKOS.prefLabel, RDFS.label),
        RDF.type,
        spellings=r"https?://metadata\.un\.org/thesaurus/(\d+)/?(?:[?#].*)?",
    ),
    "sdg": Target(
        "sdg",
        "SDG KOS",
        KNOWN_DATASETS["sdg"],
        None,
        (SKOS.prefLabel, RDFS.label),
        RDF.type,
        spellings=r"https?://metadata\.un\.org/sdg/([\w.]+?)/?(?:[?#].*)?",
    ),
    "geonames": Target(
        "geonames",
        "GeoNames",
        KNOWN_DATASETS["geonames"],
        None,
        (GN.name, GN.officialName, RDFS.label),
        GN.featureCode,
        # the concept's IRI ends with a slash; its page is www.geonames.org/ID/name.html
        spellings=r"https?://(?:www\.|sws\.)?geonames\.org/(\d+)(?:/[^?#]*)?(?:[?#].*)?",
        form="{namespace}{id}/",
    ),
}


@dataclasses.dataclass(frozen=True)
class TargetRecord:
    """What a target said about one IRI, on the day it was asked."""

    iri: str
    found: bool
    labels: frozenset[tuple[str, str]]  # (language, text); language "" when untagged
    types: frozenset[str]
    redirect: str | None  # the item a merged (redirected) item now is
    checked: dt.date
    asked: str  # the endpoint or URL that answered

    def labels_in(self, language: str) -> list[str]:
        """The labels in one language (untagged labels count for every language)."""
        return sorted(text for lang, text in self.labels if lang in (language, ""))


def target_of(iri: str) -> Target | None:
    """The target whose namespace `iri` is in, or that `iri` names an item of; None for none."""
    for target in TARGETS.values():
        if iri.startswith(target.namespace) or target.proper(iri):
            return target
    return None


def selected(key: str) -> list[Target]:
    """The targets named by `--target` (`all` for every one)."""
    return list(TARGETS.values()) if key == "all" else [TARGETS[key]]


def endpoints_for(targets: list[Target], options: tuple[str, ...]) -> dict[str, str]:
    """Where to ask each target: its default, overridden by `--endpoint [KEY=]URL` options.

    A bare URL applies to the only selected target, or to Wikidata when several are selected;
    for a content-negotiation target the URL replaces the namespace in each IRI.
    """
    where = {t.key: t.endpoint or t.namespace for t in targets}
    for option in options:
        key, sep, url = option.partition("=")
        if not sep or "://" in key:
            key, url = (targets[0].key if len(targets) == 1 else "wikidata"), option
        if key not in where:
            raise LinkError(f"--endpoint {option}: {key} is not among the selected targets")
        if not url.startswith(("http://", "https://")):
            raise LinkError(f"--endpoint {option}: not an http(s) URL")
        where[key] = url
    return where
