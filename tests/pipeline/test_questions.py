"""`ldkit questions`: every competency question asked of the build, its answer compared."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.support import run_cli


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_shipped_questions_are_answered_as_written(dataset_copy: Path) -> None:
    count = len(list((dataset_copy / "queries").glob("*.rq")))
    result = run_cli(dataset_copy, "questions")
    assert result.exit_code == 0, result.output
    assert f"{count} question(s): {count} answered as written, 0 differ(s)" in result.stderr
    assert result.stdout == ""


def test_a_changed_answer_names_the_rows_missing_and_unexpected(dataset_copy: Path) -> None:
    _edit(dataset_copy, "data/events.trig", '"2016-07-27"', '"2016-07-26"')
    result = run_cli(dataset_copy, "questions")
    assert result.exit_code == 1, result.output
    assert (
        "differs: queries/05-technical-meeting.rq: 2 row(s) missing, 2 unexpected" in result.stdout
    )
    lines = result.stdout.splitlines()
    assert any(line.startswith("  - ") and ",2016-07-27,2016-07-29," in line for line in lines)
    assert any(line.startswith("  + ") and ",2016-07-26,2016-07-29," in line for line in lines)


def test_update_writes_a_new_questions_answer_as_the_store_gives_it(dataset_copy: Path) -> None:
    question = dataset_copy / "queries" / "99-first-events.rq"
    question.write_text(
        "SELECT ?event WHERE { ?event a <https://schema.org/Event> } ORDER BY ?event LIMIT 2\n"
    )
    unwritten = run_cli(dataset_copy, "questions")
    assert unwritten.exit_code == 1
    assert "unwritten: queries/99-first-events.rq has no answer beside it" in unwritten.stdout
    updated = run_cli(dataset_copy, "questions", "--update")
    assert updated.exit_code == 0 and "wrote queries/99-first-events.csv" in updated.stderr
    asked = run_cli(dataset_copy, "query", "--format", "csv", f"@{question}")
    written = question.with_suffix(".csv").read_bytes()
    assert written == asked.stdout_bytes and written.startswith(b"event\r\n")  # SPARQL CSV
    assert run_cli(dataset_copy, "questions").exit_code == 0


def test_a_question_with_other_columns_says_which(dataset_copy: Path) -> None:
    path = dataset_copy / "queries" / "01-iom-founding.csv"
    header, rest = path.read_bytes().decode("utf-8").split("\r\n", 1)
    path.write_bytes(f"{header},extra\r\n{rest}".encode())
    result = run_cli(dataset_copy, "questions")
    assert result.exit_code == 1
    assert f"differs: queries/01-iom-founding.rq: columns '{header},extra' written" in result.stdout


def test_a_question_that_cannot_be_asked_is_one_line_naming_it(dataset_copy: Path) -> None:
    (dataset_copy / "queries" / "98-broken.rq").write_text(
        "SELECT ?x WHERE { ?x ", encoding="utf-8"
    )
    _edit(dataset_copy, "data/events.trig", '"2016-07-27"', '"2016-07-26"')
    broken = run_cli(dataset_copy, "questions")
    assert broken.exit_code == 2
    assert "error: queries/98-broken.rq: " in broken.stderr
    assert "Traceback" not in broken.output
    # the other questions are still asked and told, and --update writes their answers
    assert "differs: queries/05-technical-meeting.rq" in broken.stdout
    count = len(list((dataset_copy / "queries").glob("*.rq")))
    assert f"{count} question(s):" in broken.stderr and "1 that cannot be asked" in broken.stderr
    updated = run_cli(dataset_copy, "questions", "--update")
    assert updated.exit_code == 2 and "wrote queries/05-technical-meeting.csv" in updated.stderr
    (dataset_copy / "queries" / "98-broken.rq").write_text("CONSTRUCT WHERE { ?s ?p ?o }")
    graph = run_cli(dataset_copy, "questions")
    assert graph.exit_code == 2 and "a question is a SELECT or an ASK" in graph.stderr


def test_a_folder_without_questions_says_so(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = run_cli(tmp_path, "questions")
    assert result.exit_code == 0
    assert "no competency questions" in result.stderr
