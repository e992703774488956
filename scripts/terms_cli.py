"""`ldkit rename` and `ldkit deprecate`: the ontology's terms edited in every file that names them.

Exit codes: 0 done (or shown, with `--dry-run`); 2 an edit that cannot be done as asked, or input
that cannot be read, with a one-line message and nothing written.
"""

from __future__ import annotations

import click

from ldkit.pipeline.console import err, fail
from ldkit.pipeline.deprecation import plan_deprecation
from ldkit.pipeline.loading import InputError
from ldkit.pipeline.rename import plan_rename
from ldkit.pipeline.turtle_edits import write_changes
from ldkit.server.settings import Settings


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--dry-run", is_flag=True, help="Show the diff of what would change; write nothing.")
@click.pass_obj
def rename(settings: Settings, old: str, new: str, dry_run: bool) -> None:
    """Rename the ontology term OLD to NEW (cm:serves, or a full IRI) in every file.

    NEW gets OLD's labels, definition and axioms; OLD stays deprecated, replaced by NEW, when a
    release has published it. Data, shapes, queries and expected answers are rewritten; the diff
    is printed.
    """
    try:
        renaming = plan_rename(settings, old, new)
    except InputError as error:
        fail(str(error))
    changes = renaming.changes
    for change in changes:
        click.echo(change.diff(), nl=False)
    if not dry_run:
        write_changes(changes)
    done = "would change" if dry_run else "changed"
    err.print(f"{done} {len(changes)} file(s)", highlight=False)
    if not renaming.tombstone:
        err.print(f"note: no release holds {old}: renamed outright, without a deprecated {old}")
    err.print(
        f"note: {new} has the labels and definitions of {old}: if the new name says something"
        " else, give it labels and definitions of its own",
        highlight=False,
    )


@click.command()
@click.argument("term")
@click.option(
    "--replaced-by", metavar="NEW", help="The term to use instead (dcterms:isReplacedBy)."
)
@click.option(
    "--see",
    multiple=True,
    metavar="TERM",
    help="A term to consider instead, when no one term replaces it (rdfs:seeAlso). Repeatable.",
)
@click.option("--why", default="", help="Why, for the change note (skos:changeNote).")
@click.option(
    "--migrate", is_flag=True, help="Rewrite the data, shapes and queries to the replacement."
)
@click.option("--dry-run", is_flag=True, help="Show the diff of what would change; write nothing.")
@click.pass_obj
def deprecate(
    settings: Settings,
    term: str,
    replaced_by: str | None,
    see: tuple[str, ...],
    why: str,
    migrate: bool,
    dry_run: bool,
) -> None:
    """Deprecate the ontology term TERM (cm:serves, or a full IRI) where it is declared.

    TERM keeps everything it states and gets owl:deprecated true, what replaces it and a dated
    change note: its IRI still resolves and old data still reads. The diff is printed, and the
    files that still use TERM are named.
    """
    try:
        planned = plan_deprecation(settings, term, replaced_by, see, why, migrate)
    except InputError as error:
        fail(str(error))
    for change in planned.changes:
        click.echo(change.diff(), nl=False)
    if not dry_run:
        write_changes(planned.changes)
    done = "would change" if dry_run else "changed"
    err.print(f"{done} {len(planned.changes)} file(s)", highlight=False)
    if planned.still_used:
        err.print(
            f"note: {term} is still used in {', '.join(planned.still_used)}: `ldkit validate`"
            " warns where; --migrate (with --replaced-by) moves the uses to the replacement",
            highlight=False,
            soft_wrap=True,
        )
    if not replaced_by and not see:
        err.print(
            f"note: {term} names nothing to use instead: `ldkit validate` warns"
            " (deprecated-without-replacement) until --replaced-by or --see says what",
            highlight=False,
            soft_wrap=True,
        )
