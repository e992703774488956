"""`ldkit init` and `ldkit questions`: a new dataset folder, and its competency questions asked.

Exit codes: 0 done; 1 an answer differs from the one written, or none is written (questions);
2 bad usage, a folder that cannot be made, or a question that cannot be asked, with one line.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from ldkit.pipeline import reports
from ldkit.pipeline.console import EXIT_ERROR, build_if_stale, err, fail, say_error
from ldkit.pipeline.loading import InputError
from ldkit.pipeline.query import open_built_store
from ldkit.server.settings import Settings

EXIT_INVALID = 1


@click.command()
@click.option(
    "--update",
    is_flag=True,
    help="Write each answer that differs or is missing as the expected one.",
)
@click.pass_obj
def questions(settings: Settings, update: bool) -> None:
    """Ask every competency question (queries/*.rq) and compare with the answer beside it (.csv).

    Asks the built store, building it when missing or stale. Exits 1 when an answer differs from
    the one written, or none is written; --update writes them instead (review with git diff).
    """
    from ldkit.pipeline import questions as asking

    found = asking.questions(settings)
    if not found:
        err.print("no competency questions: queries/*.rq holds none")
        return
    build_if_stale(settings)
    store = open_built_store(settings)
    verdicts, broken = [], []
    for question in found:
        try:
            verdicts.append(asking.ask(store, question, str(question.relative_to(settings.root))))
        except asking.QuestionError as error:  # the others are still asked
            broken.append(str(error))
    for verdict in verdicts:
        for line in reports.verdict_lines(verdict, settings.root):
            click.echo(line)
    counts = {s: sum(v.status == s for v in verdicts) for s in (asking.DIFFERS, asking.UNWRITTEN)}
    same = len(verdicts) - sum(counts.values())
    unasked = f", {len(broken)} that cannot be asked" if broken else ""
    err.print(
        f"{len(found)} question(s): {same} answered as written, {counts[asking.DIFFERS]}"
        f" differ(s), {counts[asking.UNWRITTEN]} without a written answer{unasked}"
    )
    if update:  # the answers of the questions asked, whatever the others
        for path in asking.write_answers(verdicts):
            err.print(f"wrote {path.relative_to(settings.root)}")
    for message in broken:
        say_error(message)
    if broken:
        sys.exit(EXIT_ERROR)
    if not update and any(counts.values()):
        sys.exit(EXIT_INVALID)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-iri",
    required=True,
    help="The base of the dataset's IRIs, ending with / (things are {base}id/...): a persistent "
    "one, such as https://w3id.org/NAME/, since IRIs outlive servers.",
)
@click.option("--name", help="The dataset's slug (default: the folder's name).")
@click.option("--title", help="The dataset's title (default: from its name).")
@click.option("--prefix", help="The prefix of the ontology's terms (default: the name's initials).")
@click.option("--languages", default="en,fr", show_default=True, help="The dataset's languages.")
@click.option("--publisher", default="", help="Who publishes it (default: its name).")
def init(
    folder: Path,
    base_iri: str,
    name: str | None,
    title: str | None,
    prefix: str | None,
    languages: str,
    publisher: str,
) -> None:
    """Make FOLDER a new dataset: settings, ontology, shapes, data and a question, all valid.

    Each file says what to replace; `ldkit --root FOLDER validate` passes on it and `ldkit
    --root FOLDER serve` serves it. FOLDER must be new or empty.
    """
    from ldkit.pipeline.scaffold import new_folder, write_folder

    tags = tuple(tag.strip() for tag in languages.split(",") if tag.strip())
    try:
        made = new_folder(folder, base_iri, name, title, prefix, tags, publisher)
    except InputError as error:
        fail(str(error))
    for path in write_folder(made):
        err.print(f"wrote {path.relative_to(folder)}")
    err.print(f"next: ldkit --root {shlex.quote(str(folder))} serve  (then edit the files)")
