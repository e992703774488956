"""The ontology checks that ship with ldkit: SPARQL files run on any dataset folder.

Each `*.rq` here is one check: its id is the file's name, `#+ description:` says what it finds
(and its ROBOT or OOPS! counterpart), `#+ message:` what a finding says, `#+ scope:` where it
runs: `ontology` (the ontology files as the default graph, the shapes in `<urn:ldkit:shapes>`)
or `data` (data + ontology, as the dataset's own `*-violation.rq`). A check never names a dataset:
`{{base}}` becomes the base IRI (a string: own terms are the IRIs under it) and `{{languages}}`
the dataset's languages. Severities come from `profile.toml`, overridden per check by the
dataset's `checks` setting ("off" skips a check).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline.checks import Check, header, run_checks
from ldkit.pipeline.findings import SEVERITIES, Violation
from ldkit.pipeline.loading import Folder, InputError
from ldkit.server.settings import Settings

HERE = Path(__file__).resolve().parent
PROFILE = HERE / "profile.toml"
ONTOLOGY_GRAPH = ox.NamedNode("urn:ldkit:ontology")
SHAPES_GRAPH = ox.NamedNode("urn:ldkit:shapes")
# Checks written in Python, beside the SPARQL ones (they read files, not graphs).
PYTHON_CHECKS = ("deprecated-term-in-queries",)


class ProfileError(InputError):
    """A `checks` setting naming a check that does not exist."""


@dataclasses.dataclass(frozen=True)
class Described:
    """A check as the docs list it: id, default severity, scope and what it finds."""

    id: str
    severity: str
    scope: str
    description: str


def shipped_files() -> list[Path]:
    """The files of the checks and the profile, as ldkit ships them."""
    return [*sorted(HERE.glob("*.rq")), PROFILE]


def default_profile() -> dict[str, str]:
    """The severity of every check, as ldkit ships it."""
    return dict(tomllib.loads(PROFILE.read_text(encoding="utf-8")))


def profile(settings: Settings) -> dict[str, str]:
    """Every check's severity for this dataset: the default profile, then its `checks` setting."""
    severities = default_profile()
    unknown = sorted(set(settings.checks) - set(severities))
    if unknown:
        raise ProfileError(
            f"unknown ontology check(s) in the checks setting: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(severities))})"
        )
    severities.update(settings.checks)
    return severities


def catalogue() -> list[Described]:
    """Every check with its default severity and description, in the profile's order."""
    found = []
    for check_id, severity in default_profile().items():
        path = HERE / f"{check_id}.rq"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            scope, description = header(text, "scope") or "ontology", header(text, "description")
        else:
            scope, description = "queries", _PYTHON_DESCRIPTIONS[check_id]
        found.append(Described(check_id, severity, scope, description or ""))
    return found


_PYTHON_DESCRIPTIONS = {
    "deprecated-term-in-queries": "A query of queries/ names a deprecated term, by its prefixed "
    "name or its full IRI (ROBOT deprecated_class_reference, deprecated_property_reference, for "
    "SPARQL).",
}


def load_checks(settings: Settings) -> list[Check]:
    """The SPARQL checks this dataset runs (not "off"), with its base IRI and languages."""
    severities = profile(settings)
    values = {
        "{{base}}": json.dumps(settings.base_iri),
        "{{languages}}": " ".join(json.dumps(lang) for lang in settings.languages),
    }
    checks = []
    for path in sorted(HERE.glob("*.rq")):
        severity = severities.get(path.stem, "off")
        if severity not in SEVERITIES:
            continue
        query = path.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            query = query.replace(placeholder, value)
        message = header(query, "message") or header(query, "description") or path.stem
        scope = header(query, "scope") or "ontology"
        source = f"ldkit check {path.name}"
        checks.append(Check(path.stem, query, message, severity, scope, source, False))
    return checks


def ontology_store(folder: Folder) -> ox.Store:
    """The ontology in `urn:ldkit:ontology` and the shapes in `urn:ldkit:shapes`."""
    store = ox.Store()
    for part, graph in ((folder.ontology, ONTOLOGY_GRAPH), (folder.shapes, SHAPES_GRAPH)):
        store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in part.quads)
    return store


def run_ontology_checks(
    folder: Folder, checks: list[Check], prefixes: Mapping[str, str]
) -> list[Violation]:
    """Run the checks of scope `ontology` on the ontology and shapes of `folder`."""
    chosen = [check for check in checks if check.scope == "ontology"]
    if not chosen:
        return []
    store = ontology_store(folder)
    return run_checks(folder, chosen, store, default_graph=ONTOLOGY_GRAPH, prefixes=prefixes)
