"""The ontology's versions as the build holds them: every release, its changelog, the current one.

`ldkit build` copies each release frozen under `releases/VERSION/` (its `ontology.ttl` and
`shapes.ttl`) and `releases/CHANGELOG.md` to the build's `versions/`, and writes the working
tree's ontology and shapes as `versions/current/`. Pages read them from there, parsed once per
file change (a few thousand triples: the documentation of any version is made in memory).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from ldkit.server.namespaces import DCTERMS, OWL
from ldkit.server.settings import Settings

SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
CURRENT = "current"
CHANGELOG = "CHANGELOG.md"


def version_key(version: str) -> tuple[int, int, int]:
    """`1.10.0` -> (1, 10, 0); raises ValueError for what is not MAJOR.MINOR.PATCH."""
    match = SEMVER.fullmatch(version)
    if not match:
        raise ValueError(f"{version!r} is not a version MAJOR.MINOR.PATCH (e.g. 1.2.0)")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


@dataclasses.dataclass(frozen=True)
class Version:
    """One version's documents: its ontology and shapes graphs, with their declared prefixes."""

    name: str  # a release number, or CURRENT
    ontology: Graph
    shapes: Graph

    def fact(self, iri: str, predicate: URIRef) -> str | None:
        """One value the ontology states of `iri` (its version, a date), as text."""
        value = self.ontology.value(URIRef(iri), predicate)
        return str(value) if value is not None else None

    @property
    def prefixes(self) -> dict[str, str]:
        """The prefixes the ontology's files declare, then the shapes'."""
        found: dict[str, str] = {}
        for graph in (self.ontology, self.shapes):
            for prefix, namespace in graph.namespaces():
                if prefix and str(namespace) not in found.values():
                    found.setdefault(prefix, str(namespace))
        return found


@dataclasses.dataclass(frozen=True)
class Release:
    """A release as `/ontology` lists it: number, version IRI, date and changelog section."""

    number: str
    iri: str
    date: str | None
    changes: str | None  # the changelog's Markdown for this release


def release_numbers(settings: Settings) -> list[str]:
    """The numbers of the releases the build holds, oldest first."""
    folder = settings.built_versions_dir
    if not folder.is_dir():
        return []
    numbers = [p.name for p in folder.iterdir() if p.is_dir() and SEMVER.fullmatch(p.name)]
    return sorted(numbers, key=version_key)


def releases(settings: Settings) -> list[Release]:
    """The releases the build holds, newest first."""
    numbers = release_numbers(settings)
    if not numbers:
        return []
    sections = changelog_sections(settings.built_versions_dir / CHANGELOG)
    found = []
    for number in reversed(numbers):
        version = version_of(settings, number)
        date = None
        if version is not None:
            date = version.fact(settings.ontology_iri, DCTERMS.modified) or version.fact(
                settings.ontology_iri, DCTERMS.issued
            )
        found.append(Release(number, settings.version_iri(number), date, sections.get(number)))
    return found


def version_of(settings: Settings, name: str) -> Version | None:
    """Release `name` (or CURRENT) as the build holds it; None when there is no such version."""
    if name != CURRENT and not SEMVER.fullmatch(name):
        return None
    folder = settings.built_versions_dir / name
    ontology = folder / "ontology.ttl"
    if not ontology.is_file():
        return None
    shapes = folder / "shapes.ttl"
    return _parsed(str(ontology), _stamp(ontology), str(shapes), _stamp(shapes), name)


def current_number(settings: Settings) -> str | None:
    """The `owl:versionInfo` of the working tree's ontology."""
    current = version_of(settings, CURRENT)
    return current.fact(settings.ontology_iri, OWL.versionInfo) if current else None


def changelog_sections(path: Path) -> dict[str, str]:
    """The changelog's sections by release number (`## 0.2.0 — date` headings), Markdown."""
    if not path.is_file():
        return {}
    sections = {}
    for section in path.read_text(encoding="utf-8").split("\n## ")[1:]:
        heading, _, body = section.partition("\n")
        sections[heading.split(" ")[0]] = body.strip()
    return sections


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


@functools.lru_cache(maxsize=16)
def _parsed(ontology: str, _o: int, shapes: str, _s: int, name: str) -> Version:
    graphs = []
    for path, stamp in ((ontology, _o), (shapes, _s)):
        graph = Graph(bind_namespaces="none")  # only the prefixes the files declare
        if stamp:
            graph.parse(path, format="turtle")
        graphs.append(graph)
    return Version(name, *graphs)


def unreleased_since(settings: Settings, current: Version) -> tuple[bool, str | None]:
    """Whether the working tree holds what no release holds, and the last release (None before
    the first): the current documentation then documents no release."""
    numbers = release_numbers(settings)
    if not numbers:
        return True, None
    last = version_of(settings, numbers[-1])
    return (last is None or not _same(current, last)), numbers[-1]


@functools.lru_cache(maxsize=8)
def _same(one: Version, other: Version) -> bool:
    """Whether two versions state the same ontology and shapes (blank nodes aside)."""
    return isomorphic(one.ontology, other.ontology) and isomorphic(one.shapes, other.shapes)
