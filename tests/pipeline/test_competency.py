"""The competency questions: every `queries/*.rq` gives the answer written beside it (`.csv`)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ldkit.pipeline.questions import SAME, UNWRITTEN, ask
from tests.helpers.paths import ROOT

QUESTIONS = sorted((ROOT / "queries").glob("*.rq"))


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
    verdict = ask(kg_store, path, path.name)  # as `ldkit questions` asks it
    assert verdict.status != UNWRITTEN, f"{path.name} has no expected answer"
    assert verdict.header is None, verdict.header
    assert verdict.status == SAME, f"missing: {verdict.missing}\nunexpected: {verdict.unexpected}"
