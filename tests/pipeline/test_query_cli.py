"""`ldkit query`: answers in every format, from a string or a file; bad queries exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from tests.helpers.paths import FIXTURES
from tests.helpers.support import run_cli

LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { <https://example.org/mini/id/event/meeting> rdfs:label ?label }
ORDER BY ?label"""


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", tmp_path / "mini")
    return tmp_path / "mini"


def test_query_builds_when_missing_and_answers_in_sparql_json(mini: Path) -> None:
    result = run_cli(mini, "query", "--format", "json", LABELS)
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.output)
    assert answer["head"]["vars"] == ["label"]
    labels = [(b["label"]["value"], b["label"]["xml:lang"]) for b in answer["results"]["bindings"]]
    assert labels == [("Réunion technique", "fr"), ("Technical meeting", "en")]
    assert (mini / "dist" / "store").is_dir()


def test_query_from_a_file_as_csv(mini: Path, tmp_path: Path) -> None:
    (tmp_path / "labels.rq").write_text(LABELS)
    result = run_cli(mini, "query", "--format", "csv", f"@{tmp_path / 'labels.rq'}")
    assert result.output.splitlines() == ["label", "Réunion technique", "Technical meeting"]


def test_query_table_for_people(mini: Path) -> None:
    result = run_cli(mini, "query", LABELS)
    assert "Technical meeting@en" in result.output
    assert "2 row(s)" in result.output


def test_construct_in_turtle(mini: Path) -> None:
    query = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c }"
    result = run_cli(mini, "query", "--format", "turtle", query)
    graph = Graph().parse(data=result.output, format="turtle")
    assert len(graph) >= 2


def test_ask(mini: Path) -> None:
    result = run_cli(mini, "query", "ASK { ?s a <https://schema.org/Place> }")
    assert result.output.strip() == "true"


def test_a_bad_query_prints_the_parser_message_and_exits_2(mini: Path) -> None:
    result = run_cli(mini, "query", "SELECT * WHERE { ?s ?p ")
    assert result.exit_code == 2
    assert "bad query: error at 1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_table_format_for_a_graph_answer_is_refused(mini: Path) -> None:
    result = run_cli(mini, "query", "--format", "csv", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert result.exit_code == 2
    assert "cannot be written as csv" in result.stderr
