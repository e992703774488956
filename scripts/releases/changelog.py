"""The ontology's changelog: one Markdown section per release, newest first, from the diff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from ldkit.pipeline.releases import diff as semantic
from ldkit.server.settings import Settings

TITLE = "# Ontology changelog\n"


def add_section(
    settings: Settings,
    version: str,
    previous: str | None,
    date: dt.date,
    changes: list[semantic.Change],
    graph: Graph,
) -> Path:
    """Put release `version`'s section at the top of the changelog; the changelog's path."""
    path = settings.ontology_changelog
    text = path.read_text(encoding="utf-8") if path.is_file() else TITLE
    head, _, rest = text.partition("\n## ")
    labels = labeller(graph, settings.languages)
    listed = semantic.render(changes, "markdown", labels, semantic.graph_prefixes(graph))
    if previous is None:
        body = "The first release."
    else:
        listed = listed.strip() if changes else "No change to the terms or the shapes."
        body = f"Changes since {previous}.\n\n{listed}"
    section = f"## {version} — {date.isoformat()}\n\n{body}\n"
    rest = f"\n## {rest}" if rest else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head.rstrip()}\n\n{section}{rest}", encoding="utf-8")
    return path


def labeller(graph: Graph, languages: tuple[str, ...]) -> Callable[[str], str]:
    """A term's labels in each language the dataset has, "libellé / label"."""

    def labels(iri: str) -> str:
        found: dict[str, str] = {}
        for predicate in (SKOS.prefLabel, RDFS.label):
            for value in graph.objects(URIRef(iri), predicate):
                if isinstance(value, Literal) and value.language:
                    found.setdefault(value.language, str(value))
        return " / ".join(found[lang] for lang in languages if lang in found)

    return labels
