"""Write accepted suggestions into `data/links/{target}.trig`, one named graph per link.

Each graph says what proposed the link (`ldkit link suggest`, from the target, described as a
source), when, and on what evidence; the link itself is a `skos:exactMatch`, never `owl:sameAs`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ldkit.pipeline.linking.links import LinkData
from ldkit.pipeline.linking.report import read_unverified
from ldkit.pipeline.linking.suggest import Suggestion
from ldkit.pipeline.linking.targets import Target

ACCEPT_SCORE = 0.8  # the lowest score --accept takes; below it a person decides
SITES = {"wikidata": "https://www.wikidata.org/"}


def links_file(data: LinkData, target: Target) -> Path:
    """The file holding the links to one target."""
    return data.settings.data_dir / "links" / f"{target.key}.trig"


def unverified_things(data: LinkData, target: Target) -> set[str]:
    """The things `data/links/unverified.csv` leaves unlinked for `target`."""
    return {u["thing"] for u in read_unverified(data) if u.get("target") == target.key}


def acceptable(suggestion: Suggestion) -> bool:
    """True when the best candidate scores high enough and clearly beats the next one."""
    best, *rest = suggestion.candidates
    return best.score >= ACCEPT_SCORE and (not rest or rest[0].score < best.score)


def accept(
    data: LinkData, target: Target, suggestions: list[Suggestion], endpoint: str
) -> list[Suggestion]:
    """Append the acceptable suggestions to the target's links file; return those written.

    A thing that `data/links/unverified.csv` leaves unlinked for this target is never linked
    here: a person decided to wait for a source.
    """
    held = unverified_things(data, target)
    chosen = [s for s in suggestions if acceptable(s) and s.thing.iri not in held]
    if not chosen:
        return []
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    blocks = [] if _source(data, target) in data.things else [_source_block(data, target)]
    blocks += [_link_block(data, target, s, endpoint, now) for s in chosen]
    path = links_file(data, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write("\n" + "\n".join(blocks))
    return chosen


def _source(data: LinkData, target: Target) -> str:
    return f"{data.settings.base_iri}id/source/{target.key}"


def _source_block(data: LinkData, target: Target) -> str:
    site = SITES.get(target.key, target.namespace)
    return (
        f"# {target.title}, the source of the links `ldkit link suggest` proposed.\n"
        f"<{_source(data, target)}> a <https://schema.org/WebSite> , "
        "<http://www.w3.org/ns/prov#Entity> ;\n"
        f'    <http://www.w3.org/2000/01/rdf-schema#label> "{target.title}"@fr , '
        f'"{target.title}"@en ;\n'
        f"    <https://schema.org/url> <{site}> ;\n"
        '    <https://schema.org/inLanguage> "en" .\n'
    )


def _link_block(
    data: LinkData, target: Target, suggestion: Suggestion, endpoint: str, now: dt.datetime
) -> str:
    thing, best = suggestion.thing, suggestion.candidates[0]
    slug = data.short(thing.iri).replace("/", "-")
    graph = data.settings.graph(f"links-{target.key}-{slug}")
    evidence = "; ".join(best.evidence)
    en = (
        f"Proposed by `ldkit link suggest` after searching {endpoint} by label (en, fr) and "
        f"type, score {best.score:.2f} ({evidence}); accepted with --accept."
    )
    fr = (
        f"Proposé par `ldkit link suggest` après une recherche dans {endpoint} par libellé "
        f"(en, fr) et type, score {best.score:.2f} ({evidence}) ; accepté avec --accept."
    )
    prov = "http://www.w3.org/ns/prov#"
    return (
        f"# Accepted from `ldkit link suggest` on {now.date()}: score {best.score:.2f}.\n"
        f"<{graph}> a <{prov}Entity> ;\n"
        f'    <http://www.w3.org/2000/01/rdf-schema#label> "Lien vers {target.title} proposé '
        f'par ldkit : {data.short(thing.iri)}"@fr ,\n'
        f'        "Link to {target.title} proposed by ldkit: {data.short(thing.iri)}"@en ;\n'
        f"    <{prov}wasDerivedFrom> <{_source(data, target)}> ;\n"
        f'    <{prov}generatedAtTime> "{now.isoformat()}"'
        "^^<http://www.w3.org/2001/XMLSchema#dateTime> ;\n"
        f"    <http://purl.org/dc/terms/description> {json.dumps(en)}@en , {json.dumps(fr)}@fr .\n"
        f"GRAPH <{graph}> {{\n"
        f"    <{thing.iri}> <http://www.w3.org/2004/02/skos/core#exactMatch> <{best.iri}> .\n"
        "}\n"
    )
