"""How validation reports, query answers and competency questions are printed for people and
machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from ldkit.pipeline.findings import SEVERITIES, summary
from ldkit.pipeline.publish import GraphCount
from ldkit.pipeline.query import Answer
from ldkit.pipeline.questions import DIFFERS, UNWRITTEN, Verdict
from ldkit.pipeline.validation import ValidationReport

out = Console(highlight=False, soft_wrap=True, emoji=False)


def print_report(report: ValidationReport, output: str) -> None:
    """Print a validation report as text (people), JSON or Turtle (the SHACL report)."""
    if output == "json":
        click_echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        return
    if output == "turtle":
        click_echo(report.report.serialize(format="turtle"))
        return
    for violation in sorted(report.violations, key=lambda v: SEVERITIES.index(v.severity)):
        out.print(violation.as_text(), markup=False)
        out.print()
    checked = " and ".join(report.checked) or "nothing (no shapes, no checks)"
    found = summary(report.violations)
    if report.conforms:
        out.print(f"[green]conforms[/]: {found}, checked {checked}")
    else:
        out.print(f"[red]does not conform[/]: {found}, checked {checked}")


def print_answer(answer: Answer) -> None:
    """Print a query's answer as a table (solutions), a word (boolean) or N-Triples."""
    if answer.kind == "boolean":
        click_echo("true" if answer.boolean else "false")
        return
    if answer.kind == "triples":
        sys.stdout.buffer.write(ox.serialize(answer.triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        return
    table = Table(*answer.variables, show_lines=False)
    for row in answer.rows:
        table.add_row(*(_cell(term) for term in row))
    out.print(table)
    out.print(f"{len(answer.rows)} row(s)")


def print_counts(counts: Sequence[GraphCount]) -> None:
    """Print each published graph's count in the build and in the store."""
    table = Table("graph", "build", "store", "")
    for count in counts:
        table.add_row(
            count.graph, str(count.local), str(count.remote), "ok" if count.matches else "DIFFERENT"
        )
    out.print(table)


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term.value) if isinstance(term, ox.NamedNode) else str(term)


def click_echo(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


SHOWN_ROWS = 10  # rows of a differing answer printed, each way


def verdict_lines(verdict: Verdict, root: Path) -> list[str]:
    """What `ldkit questions` prints of one question (nothing when it is answered as written)."""
    shown = verdict.question.relative_to(root)
    if verdict.status == UNWRITTEN:
        return [f"unwritten: {shown} has no answer beside it ({shown.with_suffix('.csv')})"]
    if verdict.status != DIFFERS:
        return []
    if verdict.header is not None:
        expected, given = verdict.header
        return [f"differs: {shown}: columns {expected!r} written, {given!r} given"]
    lines = [
        f"differs: {shown}: {len(verdict.missing)} row(s) missing, "
        f"{len(verdict.unexpected)} unexpected"
    ]
    for sign, rows in (("-", verdict.missing), ("+", verdict.unexpected)):
        lines += [f"  {sign} {row}" for row in rows[:SHOWN_ROWS]]
        if len(rows) > SHOWN_ROWS:
            lines.append(f"  {sign} ... and {len(rows) - SHOWN_ROWS} more")
    return lines
