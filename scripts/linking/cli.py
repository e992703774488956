"""`ldkit link`: check, suggest and report the links to other datasets.

Exit codes: 0 success, 1 a link's target is missing (check), 2 bad usage, unreadable input or a
target that cannot be reached, with a one-line message.
"""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from ldkit.pipeline.console import err, fail, say_error
from ldkit.pipeline.linking.accept import accept, unverified_things
from ldkit.pipeline.linking.check import KINDS, MISSING, MISWRITTEN, check_links, describe
from ldkit.pipeline.linking.links import LinkData, read_links
from ldkit.pipeline.linking.report import coverage
from ldkit.pipeline.linking.suggest import suggest_links
from ldkit.pipeline.linking.targets import TARGETS, LinkError, endpoints_for, selected
from ldkit.pipeline.loading import InputError
from ldkit.server.settings import Settings

EXIT_OK, EXIT_MISSING, EXIT_ERROR = 0, 1, 2
out = Console(emoji=False, highlight=False, soft_wrap=True)

endpoint_option = click.option(
    "--endpoint",
    "endpoints",
    multiple=True,
    metavar="[TARGET=]URL",
    help="Ask the target here: a SPARQL endpoint (Wikidata), or a base URL replacing the "
    "namespace of per-concept RDF (UNBIS, SDG, GeoNames). Repeatable.",
)


def load(settings: Settings) -> LinkData:
    """The links of the dataset, or a one-line error when a file cannot be read."""
    try:
        return read_links(settings)
    except InputError as error:
        fail(str(error))


@click.group()
def link() -> None:
    """Check, suggest and report the links to Wikidata, UNBIS, the SDG KOS and GeoNames."""


@link.command()
@click.option(
    "--target",
    type=click.Choice([*TARGETS, "all"]),
    default="all",
    show_default=True,
    help="Which target's links to check.",
)
@endpoint_option
@click.option("--no-cache", is_flag=True, help="Ask the targets again, ignoring the cache.")
@click.pass_obj
def check(settings: Settings, target: str, endpoints: tuple[str, ...], no_cache: bool) -> None:
    """Ask each link's target whether the IRI exists and what it is called.

    Reports missing targets, links written as an item's page rather than its IRI, label
    mismatches, redirects (merged items) and items two things are said to be; answers are
    cached under data/links/cache/. Exits 1 when a target is missing or miswritten.
    """
    data, targets = load(settings), selected(target)
    try:
        result = check_links(data, targets, endpoints_for(targets, endpoints), not no_cache)
    except LinkError as error:
        fail(str(error))
    if len(result.failed) == len(targets):  # nothing checked: why, one line a target
        for why in result.failed.values():
            say_error(why)
        sys.exit(EXIT_ERROR)
    for finding in result.findings:
        out.print(describe(data, finding))
    counts = {kind: len(result.of_kind(kind)) for kind in KINDS}
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    err.print(
        f"checked {len(result.links)} links: {summary} "
        f"({result.asked} asked, {result.cached} from the cache)"
    )
    for key, why in result.failed.items():  # the others' findings are above
        say_error(f"{TARGETS[key].title} not checked: {why}")
    if result.failed:
        sys.exit(EXIT_ERROR)
    broken = [(kind, result.of_kind(kind)) for kind in (MISSING, MISWRITTEN)]
    for kind, findings in broken:
        if findings:
            names = ", ".join(sorted({f.link.target.short(f.link.iri) for f in findings}))
            say_error(f"{kind} target(s): {names}")
    if any(findings for _, findings in broken):
        sys.exit(EXIT_MISSING)


@link.command()
@click.option(
    "--target",
    type=click.Choice(["wikidata"]),
    default="wikidata",
    show_default=True,
    help="Which target to search.",
)
@endpoint_option
@click.option("--accept", "accept_", is_flag=True, help="Write the best candidates as links.")
@click.pass_obj
def suggest(settings: Settings, target: str, endpoints: tuple[str, ...], accept_: bool) -> None:
    """Search the target for things without a link, by label (fr, en) and type, and rank them.

    With --accept, the best candidate of each thing (score 0.8 or more, ahead of the next) is
    written to data/links/ with its provenance.
    """
    data, chosen = load(settings), TARGETS[target]
    try:
        endpoint = endpoints_for([chosen], endpoints)[target]
        suggestions = suggest_links(data, chosen, endpoint)
    except LinkError as error:
        fail(str(error))
    for suggestion in suggestions:
        out.print(f"{data.short(suggestion.thing.iri)}:")
        for candidate in suggestion.candidates:
            evidence = "; ".join(candidate.evidence)
            out.print(f"  {candidate.score:.2f} {chosen.short(candidate.iri)}  {evidence}")
    if accept_:
        try:
            written = accept(data, chosen, suggestions, endpoint)
            held = unverified_things(data, chosen) & {s.thing.iri for s in suggestions}
        except InputError as error:  # unverified.csv, which says what not to link
            fail(str(error))
        for iri in sorted(held):
            err.print(
                f"left {data.short(iri)} unlinked: data/links/unverified.csv waits for a source"
            )
        for suggestion in written:
            best = chosen.short(suggestion.candidates[0].iri)
            err.print(f"accepted {data.short(suggestion.thing.iri)} -> {best}")
        err.print(f"wrote {len(written)} link(s) to data/links/{target}.trig")


@link.command()
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print the coverage.",
)
@click.pass_obj
def report(settings: Settings, output: str) -> None:
    """Coverage of the links: linked / total per class and per target."""
    data = load(settings)
    try:
        figures = coverage(data)
    except InputError as error:
        fail(str(error))
    if output == "json":
        click.echo(json.dumps(figures.as_json(), indent=2))
        return
    table = Table("class", "things", "linked", *TARGETS)
    for cls, row in figures.classes.items():
        table.add_row(cls, *(str(row[key]) for key in ("things", "linked", *TARGETS)))
    out.print(table)
    for key, row in figures.targets.items():
        out.print(f"{key}: {row['linked']} linked of {row['counterparts']} known counterparts")
    share = figures.as_json()["linked_of_counterparts"]
    out.print(
        f"{figures.linked} of {figures.things} things linked; {figures.linked} of "
        f"{figures.counterparts} things with a known counterpart"
        f" ({'n/a' if share is None else f'{share}%'}), "
        f"{len(figures.unverified)} left unlinked as unverified (data/links/unverified.csv)"
    )
