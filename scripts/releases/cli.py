"""`ldkit diff` and `ldkit release`: what changed between two versions, and freezing a new one.

Exit codes: 0 success; 1 `diff --fail-on breaking` found a breaking change, or a release was
refused (its number does not say what the changes are, or the data does not conform); 2 bad
usage or input that cannot be read, with a one-line message.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from ldkit.pipeline.console import err, fail
from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import InputError, read_folder
from ldkit.pipeline.releases import diff as semantic
from ldkit.pipeline.releases.changelog import labeller
from ldkit.pipeline.releases.release import ReleaseRefused, compare, release
from ldkit.pipeline.releases.snapshots import last_release, read_snapshot
from ldkit.server.settings import Settings

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2


@click.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(semantic.FORMATS),
    default="table",
    show_default=True,
    help="A table for people, Markdown for a changelog or a review, JSON for programs.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "never"]),
    default="never",
    show_default=True,
    help="Exit 1 when a change is breaking (for CI).",
)
@click.pass_obj
def diff_command(
    settings: Settings, old: str | None, new: str | None, fmt: str, fail_on: str
) -> None:
    """What changed in the ontology and shapes from OLD to NEW, and whom each change breaks.

    OLD and NEW are release versions (0.1.0), git refs (main, v0.1.0, HEAD~3) or folders; OLD
    defaults to the last release, NEW to the working tree. Uses are counted in the working
    tree's data ("12 things use cm:serves").
    """
    old = old or last_release(settings)
    if old is None:
        fail(
            "there is no release yet: name the version to compare with (a git ref or a folder),"
            " or make the first one with `ldkit release 0.1.0`"
        )
    try:
        before, after = read_snapshot(settings, old), read_snapshot(settings, new)
        data = to_graph(read_folder(settings).data.quads)
    except InputError as error:
        fail(str(error))
    changes = compare(settings, before, after, data)
    both = after.union() + before.union()
    labels = labeller(both, settings.languages)
    click.echo(semantic.render(changes, fmt, labels, semantic.graph_prefixes(after.union())))
    breaking = [c for c in changes if c.impact != semantic.SAFE]
    err.print(f"{before.name} → {after.name}: {len(changes)} change(s), {len(breaking)} breaking")
    if fail_on == "breaking" and breaking:
        sys.exit(EXIT_REFUSED)


@click.command("release")
@click.argument("version")
@click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The release date (default: today).",
)
@click.option(
    "--allow-breaking",
    is_flag=True,
    help="Release breaking changes under a number that does not say so (listed as breaking).",
)
@click.pass_obj
def release_command(
    settings: Settings, version: str, date: dt.datetime | None, allow_breaking: bool
) -> None:
    """Release the ontology and shapes as VERSION (MAJOR.MINOR.PATCH).

    Validates; diffs against the last release; sets owl:versionIRI, owl:versionInfo,
    owl:priorVersion, dcterms:modified (and dcterms:issued the first time) in the ontology file;
    freezes ontology and shapes under releases/VERSION/; adds the changelog section. Breaking
    changes need a major version (from 1.0.0 on) or a minor one (before 1.0.0).
    """
    try:
        done = release(settings, version, date.date() if date else None, allow_breaking)
    except ReleaseRefused as refused:
        fail(str(refused), EXIT_REFUSED)
    except InputError as error:
        fail(str(error))
    breaking = sum(1 for c in done.changes if c.impact != semantic.SAFE)
    since = f"since {done.previous}" if done.previous else "first release"
    err.print(
        f"released {done.version} ({since}): {len(done.changes)} change(s), {breaking} breaking"
    )
    err.print(f"  snapshot  {done.snapshot.relative_to(settings.root)}")
    err.print(f"  changelog {done.changelog.relative_to(settings.root)}")
