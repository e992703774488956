"""The competency questions: every `queries/*.rq` gives the answer written beside it (`.csv`)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.helpers.paths import ROOT

QUESTIONS = sorted((ROOT / "queries").glob("*.rq"))


def _rows(text: str) -> tuple[list[str], Counter[tuple[str, ...]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    return header, Counter(tuple(row) for row in reader)


def test_there_are_competency_questions() -> None:
    assert len(QUESTIONS) >= 15


@pytest.mark.parametrize("path", QUESTIONS, ids=lambda p: p.stem)
def test_question_has_a_summary_in_both_languages(path: Path) -> None:
    header = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#+")
    ]
    assert any(line.startswith("#+ summary:") for line in header)
    assert any(line.startswith("#+ summary_fr:") for line in header)


@pytest.mark.parametrize("path", QUESTIONS, ids=lambda p: p.stem)
def test_question_is_answered_from_the_graph(path: Path, kg_store: ox.Store) -> None:
    expected_path = path.with_suffix(".csv")
    assert expected_path.is_file(), f"{path.name} has no expected answer {expected_path.name}"
    result = kg_store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    actual = result.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")  # type: ignore[union-attr]
    expected_header, expected_rows = _rows(expected_path.read_text(encoding="utf-8"))
    actual_header, actual_rows = _rows(actual)
    assert actual_header == expected_header
    assert actual_rows == expected_rows, (
        f"missing: {sorted((expected_rows - actual_rows).elements())}\n"
        f"unexpected: {sorted((actual_rows - expected_rows).elements())}"
    )
