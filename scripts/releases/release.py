"""`ldkit release VERSION`: validate, diff against the last release, set the header, freeze.

Versions are MAJOR.MINOR.PATCH, and a release with breaking changes (see `releases.diff`) must
say so in its number: from 1.0.0 on, a major bump (1.4.2 -> 2.0.0); before 1.0.0, where the
major number is 0 and everything may change, a minor bump (0.1.0 -> 0.2.0). A version with only
safe changes may bump any part. `--allow-breaking` releases breaking changes under a smaller bump
when the maintainer decides so (the changelog still lists them as breaking).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from ldkit.pipeline.findings import counts
from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import InputError, rdf_files, read_folder
from ldkit.pipeline.releases import diff as semantic
from ldkit.pipeline.releases import header
from ldkit.pipeline.releases.changelog import add_section
from ldkit.pipeline.releases.diff import Change
from ldkit.pipeline.releases.snapshots import (
    Snapshot,
    last_release,
    read_snapshot,
    version_key,
    write_snapshot,
)
from ldkit.pipeline.validation import validate_folder
from ldkit.server.pages.ontology_doc import own_namespace
from ldkit.server.settings import Settings

XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


class ReleaseRefused(Exception):
    """A release that would not be what its number says, or of data that does not conform."""


@dataclasses.dataclass
class Release:
    """What a release did: its version, the one before, the changes and where they went."""

    version: str
    previous: str | None
    changes: list[Change]
    snapshot: Path
    changelog: Path


def required_bump(previous: str | None, version: str, has_breaking: bool) -> str | None:
    """Why `version` cannot follow `previous`, or None when it can."""
    new = version_key(version)
    if previous is None:
        return None
    old = version_key(previous)
    if new == old:
        return f"{version} is released already (releases/{version}/)"
    if new < old:
        return f"{version} is not after the last release, {previous}"
    if not has_breaking:
        return None
    if old[0] >= 1 and new[0] == old[0]:
        return f"the changes are breaking: from 1.0.0 on that is a major version ({old[0] + 1}.0.0)"
    if old[0] == 0 and new[:2] == old[:2]:
        return f"the changes are breaking: before 1.0.0 that is a minor version (0.{old[1] + 1}.0)"
    return None


def release(
    settings: Settings, version: str, date: dt.date | None = None, allow_breaking: bool = False
) -> Release:
    """Release the working tree as `version`; ReleaseRefused or InputError write nothing."""
    date = date or dt.date.today()
    try:
        version_key(version)
    except ValueError as error:
        raise InputError(str(error)) from None  # the command used wrongly, as a bad --date is
    folder = read_folder(settings)
    report = validate_folder(folder)
    if report.fails("error"):
        errors = counts(report.violations).get("error", 0)
        raise ReleaseRefused(
            f"the data does not conform ({errors} error(s); `ldkit validate` lists them):"
            " not released"
        )
    previous = last_release(settings)
    current = read_snapshot(settings, None)
    changes: list[Change] = []
    old = read_snapshot(settings, previous) if previous is not None else None
    if old is not None:
        changes = compare(settings, old, current, to_graph(folder.data.quads))
    why = required_bump(previous, version, semantic.breaking(changes))
    if why and not (allow_breaking and "breaking" in why):
        raise ReleaseRefused(f"{why}; not released{_breaking_named(changes, why)}")
    earlier = _dates_before(settings, current, old, date)
    if earlier:
        raise ReleaseRefused(f"{date.isoformat()} is before {earlier}; not released")
    _set_header(settings, version, previous, date)
    snapshot = write_snapshot(settings, version, read_snapshot(settings, None))
    changelog = add_section(settings, version, previous, date, changes, current.union())
    return Release(version, previous, changes, snapshot, changelog)


def _breaking_named(changes: list[Change], why: str, shown: int = 5) -> str:
    """The breaking changes a refusal is about, a few of them by name."""
    if "breaking" not in why:
        return ""
    named = [f"{c.subject} ({c.kind}, {c.impact})" for c in changes if c.impact != semantic.SAFE]
    more = f" and {len(named) - shown} more" if len(named) > shown else ""
    return f". Breaking: {'; '.join(named[:shown])}{more} (`ldkit diff` lists them all)"


def _dates_before(
    settings: Settings, current: Snapshot, previous: Snapshot | None, date: dt.date
) -> str | None:
    """What `date` would come before: the last release's date, or the ontology's own creation
    or first issue (a release is never dated before them), as a person reads it; else None."""
    facts = [(current, "the ontology's dcterms:created", DCTERMS.created)]
    facts.append((current, "the ontology's dcterms:issued", DCTERMS.issued))
    if previous is not None:
        facts.append((previous, f"the release of {previous.name}", DCTERMS.modified))
    ontology = URIRef(settings.ontology_iri)
    for snapshot, what, predicate in facts:
        value = snapshot.ontology.value(ontology, predicate)
        day = value.toPython() if isinstance(value, Literal) else None
        if isinstance(day, dt.date) and date < day:
            return f"{what}, {day.isoformat()}"
    return None


def compare(settings: Settings, old: Snapshot, new: Snapshot, data: Graph | None) -> list[Change]:
    """The semantic diff from `old` to `new`, with the uses of each term counted in `data`."""
    namespace = own_namespace(new.ontology, settings.ontology_iri)
    return semantic.diff(old.union(), new.union(), namespace, data)


def _set_header(settings: Settings, version: str, previous: str | None, date: dt.date) -> None:
    path = header.ontology_file(rdf_files(settings.ontology_dir), settings.ontology_iri)
    day = ox.Literal(date.isoformat(), datatype=XSD_DATE)
    facts: dict[str, ox.NamedNode | ox.Literal] = {
        f"{header.OWL}versionIRI": ox.NamedNode(settings.version_iri(version)),
        f"{header.OWL}versionInfo": ox.Literal(version),
        f"{header.DCTERMS}modified": day,
    }
    if previous is not None:
        facts[f"{header.OWL}priorVersion"] = ox.NamedNode(settings.version_iri(previous))
    subject = ox.NamedNode(settings.ontology_iri)
    issued = ox.NamedNode(f"{header.DCTERMS}issued")
    if not any(t.subject == subject and t.predicate == issued for t in ox.parse(path=str(path))):
        facts[issued.value] = day  # the first release
    try:
        text = header.set_facts(path, settings.ontology_iri, facts)
    except InputError as error:
        raise ReleaseRefused(str(error)) from None
    path.write_text(text, encoding="utf-8")
