"""The competency questions of a folder: `queries/NN-slug.rq`, each with its answer beside it.

A question is a SELECT or an ASK; its expected answer is `NN-slug.csv`, the SPARQL 1.1 CSV
results that the built store gives (the default graph as the union of the graphs, as the
endpoint answers). Rows are compared as a multiset, their order aside: an answer that differs
names the rows missing and the rows nobody expected. `ldkit questions --update` writes the
answers as they are, for a new question or after a change the maintainer means.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from ldkit.server.settings import Settings
from ldkit.server.sparql.query_text import explain

SAME, DIFFERS, UNWRITTEN = "same", "differs", "unwritten"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One question asked: how its answer compares with the one written beside it."""

    question: Path
    status: str  # SAME, DIFFERS or UNWRITTEN
    answer: bytes  # the answer as the store gives it, in SPARQL CSV
    missing: tuple[str, ...] = ()  # expected rows not given (as CSV lines)
    unexpected: tuple[str, ...] = ()  # rows given, not expected
    header: tuple[str, str] | None = None  # (expected, given) when the columns differ

    @property
    def expected_path(self) -> Path:
        return self.question.with_suffix(".csv")


class QuestionError(Exception):
    """A question that cannot be asked: the message names the file and says why."""


def questions(settings: Settings) -> list[Path]:
    """The folder's questions, in the order of their numbers."""
    folder = settings.queries_dir
    return sorted(folder.glob("*.rq")) if folder.is_dir() else []


def ask(store: ox.Store, question: Path, shown: str) -> Verdict:
    """Ask one question of the built store and compare with the answer written beside it."""
    try:
        text = question.read_text(encoding="utf-8")
        result = store.query(text, use_default_graph_as_union=True)
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionError(f"{shown}: cannot be read: {error}") from None
    except SyntaxError as error:
        raise QuestionError(f"{shown}: {explain(str(error), text)}") from None
    if isinstance(result, ox.QueryTriples):
        raise QuestionError(f"{shown}: a question is a SELECT or an ASK, with a CSV answer")
    given = result.serialize(format=ox.QueryResultsFormat.CSV)
    assert isinstance(given, bytes)
    expected_path = question.with_suffix(".csv")
    if not expected_path.is_file():
        return Verdict(question, UNWRITTEN, given)
    expected = expected_path.read_bytes()
    return _compare(question, expected, given, f"{shown.removesuffix('.rq')}.csv")


def _compare(question: Path, expected: bytes, given: bytes, shown: str) -> Verdict:
    try:
        want_header, want = _rows(expected.decode("utf-8"))
    except (UnicodeDecodeError, csv.Error) as error:
        raise QuestionError(f"{shown}: cannot be read: {error}") from None
    have_header, have = _rows(given.decode("utf-8"))
    if want_header != have_header:
        header = (",".join(want_header), ",".join(have_header))
        return Verdict(question, DIFFERS, given, header=header)
    if want == have:
        return Verdict(question, SAME, given)
    missing = tuple(sorted(_line(r) for r in (want - have).elements()))
    unexpected = tuple(sorted(_line(r) for r in (have - want).elements()))
    return Verdict(question, DIFFERS, given, missing, unexpected)


def _rows(text: str) -> tuple[list[str], Counter[tuple[str, ...]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    return header, Counter(tuple(row) for row in reader)


def _line(row: tuple[str, ...]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


def write_answers(verdicts: list[Verdict]) -> list[Path]:
    """Write the answers that differ or were never written; the files written."""
    written = []
    for verdict in verdicts:
        if verdict.status != SAME:
            verdict.expected_path.write_bytes(verdict.answer)
            written.append(verdict.expected_path)
    return written
