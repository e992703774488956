"""`ldkit validate`: exit codes, violations that name what to fix, machine-readable reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SH

from tests.helpers.paths import FIXTURES
from tests.helpers.support import run_cli


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", tmp_path / "mini")
    return tmp_path / "mini"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_conforming_data_exits_0(mini: Path) -> None:
    result = run_cli(mini, "validate")
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_an_end_before_the_start_names_resource_property_constraint_and_file(mini: Path) -> None:
    _replace(mini / "data" / "events.trig", '"2016-07-29"', '"2016-07-20"')
    result = run_cli(mini, "validate")
    assert result.exit_code == 1
    assert "data/events.trig: <https://example.org/mini/id/event/meeting>" in result.output
    assert "schema:endDate: The event ends before it starts." in result.output
    assert "SPARQLConstraintComponent" in result.output


def test_a_subclass_instance_is_checked_by_the_superclass_shape(mini: Path) -> None:
    # The meeting is a schema:MeetingEvent; the shape targets schema:Event (ontology axiom).
    _replace(mini / "data" / "events.trig", '"2016-07-27"^^xsd:date', '"27 July 2016"')
    report = json.loads(run_cli(mini, "validate", "--format", "json").output)
    assert report["conforms"] is False
    [violation] = report["violations"]
    assert violation["focus"] == "<https://example.org/mini/id/event/meeting>"
    assert violation["path"] == "schema:startDate"
    assert violation["constraint"] == "DatatypeConstraintComponent"
    assert violation["files"] == ["data/events.trig"]


def test_a_missing_language_is_reported_with_the_shape_message(mini: Path) -> None:
    _replace(mini / "data" / "places.ttl", ', "Casablanca"@fr', "")
    result = run_cli(mini, "validate")
    assert result.exit_code == 1
    assert "A thing has one rdfs:label in English and one in French." in result.output
    assert "data/places.ttl: <https://example.org/mini/id/place/casablanca>" in result.output


def test_a_row_of_a_violation_query_is_a_violation(mini: Path) -> None:
    with (mini / "data" / "places.ttl").open("a", encoding="utf-8") as stream:
        stream.write('\n<https://example.org/mini/id/place/nowhere> rdfs:label "?"@en .\n')
    report = json.loads(run_cli(mini, "validate", "--format", "json").output)
    untyped = [v for v in report["violations"] if v["constraint"] == "untyped-thing-violation"]
    assert [v["focus"] for v in untyped] == ["<https://example.org/mini/id/place/nowhere>"]
    assert untyped[0]["message"] == "has no rdf:type"
    assert untyped[0]["files"] == ["data/places.ttl"]


def test_turtle_output_is_a_shacl_validation_report(mini: Path) -> None:
    _replace(mini / "data" / "events.trig", '"2016-07-29"', '"2016-07-20"')
    result = run_cli(mini, "validate", "--format", "turtle")
    assert result.exit_code == 1
    report = Graph().parse(data=result.output, format="turtle")
    [node] = report.subjects(SH.conforms, None)
    assert report.value(node, SH.conforms) == Literal(False)
    assert len(list(report.objects(node, SH.result))) == 1


def test_a_folder_with_data_alone_is_not_validated(mini: Path) -> None:
    shutil.rmtree(mini / "shapes")
    shutil.rmtree(mini / "ontology")
    result = run_cli(mini, "validate")
    assert result.exit_code == 0
    assert "nothing (no shapes, no checks)" in result.output


@pytest.mark.parametrize("command", ["validate", "build", "info"])
def test_a_folder_that_is_no_dataset_is_told_so(tmp_path: Path, command: str) -> None:
    """A wrong --root or working folder "conformed", and a build wrote a dataset of nothing."""
    (tmp_path / "notes").mkdir()
    result = run_cli(tmp_path, command)
    assert result.exit_code == 2
    assert "is not a dataset folder: no RDF file in ontology/, data/ or shapes/" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_a_shape_violation_shows_path_and_value_with_the_folders_prefixes(tmp_path: Path) -> None:
    """<https://w3id.org/reef/ontology#depth> and "2.5"^^<http://www.w3.org/2001/XMLSchema#...>
    read as r:depth and "2.5"^^xsd:integer, as the files write them."""
    folder = tmp_path / "reef"
    assert (
        run_cli(tmp_path, "init", str(folder), "--base-iri", "https://w3id.org/reef/").exit_code
        == 0
    )
    shapes = folder / "shapes" / "reef.ttl"
    text = shapes.read_text(encoding="utf-8")
    shapes.write_text(
        text.replace(
            "sh:uniqueLang true\n    ] .",
            "sh:uniqueLang true\n    ] , [ sh:path r:depth ; sh:datatype xsd:decimal ] .",
        ),
        encoding="utf-8",
    )
    with (folder / "data" / "reef.trig").open("a", encoding="utf-8") as stream:
        stream.write('\n<https://w3id.org/reef/id/item/first> r:depth "2.5"^^xsd:integer .\n')
    result = run_cli(folder, "validate", "--format", "json")
    found = [
        v
        for v in json.loads(result.stdout)["violations"]
        if v["constraint"] == "DatatypeConstraintComponent"
    ]
    assert [(v["path"], v["value"]) for v in found] == [("r:depth", '"2.5"^^xsd:integer')]


def test_validation_split_over_processes_finds_the_same_violations(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ldkit.pipeline import checks, validation
    from ldkit.pipeline.loading import read_folder
    from ldkit.server.settings import load_settings

    _replace(mini / "data" / "events.trig", '"2016-07-29"', '"2016-07-20"')
    _replace(mini / "data" / "places.ttl", ', "Casablanca"@fr', "")
    folder = read_folder(load_settings(mini))
    alone = validation.validate_folder(folder)
    monkeypatch.setattr(validation, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(checks, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(validation.os, "cpu_count", lambda: 2)
    split = validation.validate_folder(folder)
    assert len(alone.violations) == 2
    assert split.violations == alone.violations
    assert len(split.report) == len(alone.report)


WARNING_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
<https://example.org/mini/shapes#PlaceNameShape> a sh:NodeShape ;
    sh:targetClass schema:Place ;
    sh:property [ sh:path rdfs:label ; sh:maxCount 1 ; sh:severity sh:Warning ;
                  sh:message "A place has one label, in one language."@en ] .
"""


def test_a_warning_shape_is_a_warning_in_every_format(mini: Path) -> None:
    (mini / "shapes" / "warnings.ttl").write_text(WARNING_SHAPE, encoding="utf-8")
    text = run_cli(mini, "validate")
    assert text.exit_code == 0, text.output
    assert "  warning: rdfs:label: A place has one label, in one language." in text.output
    assert "conforms: 0 error(s), 1 warning(s), 0 info" in text.output
    report = json.loads(run_cli(mini, "validate", "--format", "json").output)
    assert report["conforms"] is True
    assert report["counts"] == {"error": 0, "warning": 1, "info": 0}
    assert [v["severity"] for v in report["violations"]] == ["warning"]
    graph = Graph().parse(data=run_cli(mini, "validate", "--format", "turtle").output)
    assert list(graph.objects(None, SH.resultSeverity)) == [SH.Warning]


def test_fail_on_warning_exits_1_on_a_warning(mini: Path) -> None:
    (mini / "shapes" / "warnings.ttl").write_text(WARNING_SHAPE, encoding="utf-8")
    assert run_cli(mini, "validate", "--fail-on", "warning").exit_code == 1
    assert run_cli(mini, "validate", "--fail-on", "info").exit_code == 1
    assert run_cli(mini, "validate", "--fail-on", "error").exit_code == 0


def test_build_goes_ahead_with_warnings_and_counts_them(mini: Path) -> None:
    # A warning once made `ldkit build` refuse with "2 violation(s)" where validate counted 1.
    (mini / "shapes" / "warnings.ttl").write_text(WARNING_SHAPE, encoding="utf-8")
    result = run_cli(mini, "build")
    assert result.exit_code == 0, result.output
    assert "with 1 warning(s)" in result.output
    assert (mini / "dist" / "store").is_dir()


def test_build_refuses_errors_and_counts_only_the_errors(mini: Path) -> None:
    (mini / "shapes" / "warnings.ttl").write_text(WARNING_SHAPE, encoding="utf-8")
    _replace(mini / "data" / "events.trig", '"2016-07-29"', '"2016-07-20"')
    result = run_cli(mini, "build")
    assert result.exit_code == 1
    assert "not built: 1 error(s): the data does not conform" in result.output
