"""Check every link against its target: does the IRI exist, what is it called, was it merged?

Answers come from the cache under `data/links/cache/` when it has them (unless `use_cache` is
off); everything else is asked of the target and written back to the cache, so the next run
works offline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ldkit.pipeline.linking.cache import read_cache, write_cache
from ldkit.pipeline.linking.document_target import describe_concept
from ldkit.pipeline.linking.labels import MATCH, best_pair
from ldkit.pipeline.linking.links import Link, LinkData
from ldkit.pipeline.linking.sparql_target import describe_items
from ldkit.pipeline.linking.targets import LANGUAGES, LinkError, Target, TargetRecord

MISSING, REDIRECT, MISMATCH = "missing", "redirect", "label mismatch"
MISWRITTEN, SHARED = "miswritten", "shared"
KINDS = (MISSING, REDIRECT, MISMATCH, MISWRITTEN, SHARED)


@dataclasses.dataclass(frozen=True)
class Finding:
    """Something wrong with one link: a missing target, a redirect, labels that disagree."""

    kind: str
    link: Link
    detail: str


@dataclasses.dataclass
class CheckResult:
    """The findings of a check, and where the answers came from."""

    links: list[Link] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    asked: int = 0
    cached: int = 0
    failed: dict[str, str] = dataclasses.field(default_factory=dict)  # target key -> why

    def of_kind(self, kind: str) -> list[Finding]:
        """The findings of one kind (`MISSING`, `REDIRECT`, `MISMATCH`)."""
        return [finding for finding in self.findings if finding.kind == kind]


def check_links(
    data: LinkData, targets: Iterable[Target], endpoints: dict[str, str], use_cache: bool = True
) -> CheckResult:
    """Check the links to each target, asking it only what the cache does not already know."""
    result = CheckResult()
    for target in targets:
        links = [link for link in data.links if link.target.key == target.key]
        try:
            records = _records(data, target, endpoints[target.key], links, use_cache, result)
        except LinkError as error:  # this target is not checked; the others still are
            result.failed[target.key] = str(error)
            continue
        result.links += links
        for link in links:
            result.findings += judge(data, link, records)
        result.findings += shared(data, links)
    return result


def _records(
    data: LinkData,
    target: Target,
    endpoint: str,
    links: list[Link],
    use_cache: bool,
    result: CheckResult,
) -> dict[str, TargetRecord]:
    """The target's answers for these links (and the items merged ones now are)."""
    cached = read_cache(data.settings, target)
    # An answer counts only where it was asked: "not found" from a fake or mistyped endpoint
    # is no answer of the real one (it stayed "missing" for good).
    known = {i: r for i, r in cached.items() if _asked_at(r, endpoint)} if use_cache else {}
    wanted = {link.item for link in links}
    todo = wanted - known.keys()
    fresh = ask(target, endpoint, todo)
    survivors = {r.redirect for r in {**known, **fresh}.values() if r.redirect and r.iri in wanted}
    fresh |= ask(target, endpoint, survivors - known.keys() - fresh.keys())
    result.asked += len(fresh)
    result.cached += len(wanted & known.keys())
    records = {**known, **fresh}
    if fresh:
        keep = wanted | survivors
        merged = {iri: r for iri, r in {**cached, **fresh}.items() if iri in keep}
        write_cache(data.settings, target, merged)
    return records


def _asked_at(record: TargetRecord, endpoint: str) -> bool:
    """Whether `endpoint` gave this answer: the SPARQL endpoint itself, or a document under it."""
    return record.asked == endpoint or record.asked.startswith(endpoint.rstrip("/") + "/")


def ask(target: Target, endpoint: str, iris: set[str]) -> dict[str, TargetRecord]:
    """Ask the target about these IRIs: one SPARQL query per batch, or one document each."""
    if not iris:
        return {}
    if target.endpoint is not None:
        return describe_items(target, endpoint, iris)
    return {iri: describe_concept(target, endpoint, iri) for iri in sorted(iris)}


def judge(data: LinkData, link: Link, records: dict[str, TargetRecord]) -> list[Finding]:
    """What is wrong with one link, given the target's answers."""
    findings = []
    if link.item != link.iri:
        detail = f"write {link.target.short(link.item)} (<{link.item}>), the item's own IRI"
        findings.append(Finding(MISWRITTEN, link, detail))
    record = records.get(link.item)
    if record is None or not (record.found or record.redirect):
        where = record.asked if record else "the target"
        detail = f"{link.target.short(link.item)} not found at {where}"
        return [*findings, Finding(MISSING, link, detail)]
    if record.redirect:
        survivor = records.get(record.redirect, record)
        detail = f"{link.target.short(link.item)} was merged into "
        detail += f"{link.target.short(record.redirect)}: link to it instead"
        findings.append(Finding(REDIRECT, link, detail))
        record = survivor
    if link.identity:
        findings += _compare_labels(data, link, record)
    return findings


def shared(data: LinkData, links: Iterable[Link]) -> list[Finding]:
    """Identity links of two things of ours to one item: both cannot be that item."""
    things: dict[str, set[str]] = {}
    for link in links:
        if link.identity:
            things.setdefault(link.item, set()).add(link.thing)
    return [
        Finding(SHARED, link, f"{', '.join(sorted(map(data.short, others)))} also said to be it")
        for link in links
        if link.identity and (others := things[link.item] - {link.thing})
    ]


def _compare_labels(data: LinkData, link: Link, record: TargetRecord) -> list[Finding]:
    thing = data.things.get(link.thing)
    if thing is None:
        return []
    findings = []
    for language in LANGUAGES:
        ours, theirs = thing.labels_in(language), record.labels_in(language)
        if not ours or not theirs:
            continue
        score, mine, other = best_pair(ours, theirs)
        if score < MATCH:
            detail = f'ours "{mine}"@{language}, {link.target.short(record.iri)} says '
            detail += f'"{other}"@{language} (similarity {score:.2f})'
            findings.append(Finding(MISMATCH, link, detail))
    return findings


def describe(data: LinkData, finding: Finding) -> str:
    """One line a person can act on: what, which link, which file's graph."""
    link = finding.link
    where = f" (graph {data.short(link.graph)})" if link.graph else ""
    predicate = link.predicate.rsplit("#", 1)[-1]
    return (
        f"{finding.kind}: {data.short(link.thing)} {predicate} "
        f"{link.target.short(link.iri)}{where}: {finding.detail}"
    )
