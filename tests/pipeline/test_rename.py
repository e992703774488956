"""`ldkit rename`: NEW takes OLD's place in every file, OLD stays deprecated, validation passes."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ldkit.pipeline.build import build_folder
from ldkit.pipeline.iri_text import replace_iri
from ldkit.pipeline.loading import read_folder
from ldkit.server.settings import load_settings
from tests.helpers.support import folder_digest, run_cli

CM = "https://w3id.org/climate-mobility/ontology#"
OLD, NEW = URIRef(CM + "serves"), URIRef(CM + "supports")


def _ontology(root: Path) -> Graph:
    graph = Graph()
    for path in sorted((root / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def test_dry_run_shows_the_diff_and_writes_nothing(dataset_copy: Path) -> None:
    before = folder_digest(dataset_copy)
    result = run_cli(dataset_copy, "rename", "--dry-run", "cm:serves", "cm:supports")
    assert result.exit_code == 0, result.output
    assert "--- a/data/bodies.trig" in result.output
    assert "-        cm:serves event:cop22 ." in result.output
    assert "+        cm:supports event:cop22 ." in result.output
    assert "would change" in result.output
    assert "note: cm:supports has the labels and definitions of cm:serves" in result.output
    assert folder_digest(dataset_copy) == before


def test_rename_round_trip_validates_with_the_old_term_deprecated(dataset_copy: Path) -> None:
    old_ontology = _ontology(dataset_copy)
    result = run_cli(dataset_copy, "rename", "cm:serves", "cm:supports")
    assert result.exit_code == 0, result.output
    validated = run_cli(dataset_copy, "validate", "--fail-on", "warning")
    assert validated.exit_code == 0, validated.output
    ontology = _ontology(dataset_copy)
    assert ontology.value(OLD, OWL.deprecated) == Literal(True)
    assert ontology.value(OLD, DCTERMS.isReplacedBy) == NEW
    assert ontology.value(OLD, SKOS.changeNote) is not None
    for predicate in (RDFS.label, SKOS.definition, RDFS.isDefinedBy):
        assert set(ontology.objects(NEW, predicate)) == set(old_ontology.objects(OLD, predicate))
        assert set(ontology.objects(OLD, predicate)) == set(old_ontology.objects(OLD, predicate))
    used = {q.predicate.value for q in read_folder(load_settings(dataset_copy)).data.quads}
    assert str(OLD) not in used and str(NEW) in used


def test_rename_keeps_the_files_comments_and_prefixes(dataset_copy: Path) -> None:
    path = dataset_copy / "ontology" / "climate-mobility.ttl"
    before = path.read_text(encoding="utf-8")
    assert run_cli(dataset_copy, "rename", "cm:serves", "cm:supports").exit_code == 0
    after = path.read_text(encoding="utf-8")
    kept = [line for line in before.splitlines() if line.startswith(("#", "@prefix"))]
    assert [line for line in after.splitlines() if line in kept] == kept
    assert "cm:supports a owl:ObjectProperty ;" in after


@pytest.mark.parametrize(
    ("old", "new", "query"),
    [
        ("cm:serves", "cm:supports", "09-technical-meeting-served.rq"),
        # schema:audience is in the expected answers of question 16 as a full IRI.
        ("schema:audience", "cm:intendedAudience", "16-field-visit.csv"),
    ],
)
def test_the_competency_questions_answer_as_written_after_a_rename(
    dataset_copy: Path, tmp_path: Path, old: str, new: str, query: str
) -> None:
    result = run_cli(dataset_copy, "rename", old, new)
    assert result.exit_code == 0, result.output
    assert new.split(":")[1] in (dataset_copy / "queries" / query).read_text(encoding="utf-8")
    assert run_cli(dataset_copy, "validate").exit_code == 0
    settings = load_settings(dataset_copy).replace(out=tmp_path / "dist")
    build_folder(settings)
    store = ox.Store.read_only(str(settings.build_dir / "store"))
    for query in sorted((dataset_copy / "queries").glob("*.rq")):
        answer = store.query(query.read_text(encoding="utf-8"), use_default_graph_as_union=True)
        got = answer.serialize(format=ox.QueryResultsFormat.CSV).decode()  # type: ignore[union-attr]
        expected = query.with_suffix(".csv").read_text(encoding="utf-8")
        assert _rows(got) == _rows(expected), query.name


def _rows(text: str) -> tuple[list[str], Counter[tuple[str, ...]]]:
    reader = csv.reader(io.StringIO(text))
    return next(reader, []), Counter(tuple(row) for row in reader)


def test_expected_answers_and_full_iris_are_rewritten_whole_names_only() -> None:
    answers = f"p,label\r\n{CM}serves,x\r\n{CM}servesArea,y\r\n"
    assert replace_iri(answers, str(OLD), str(NEW)) == (
        f"p,label\r\n{CM}supports,x\r\n{CM}servesArea,y\r\n"
    )
    turtle = f"@prefix cm: <{CM}> .\n<a> cm:serves <{CM}serves> ; cm:servesArea cm:serves.\n"
    assert replace_iri(turtle, str(OLD), str(NEW)) == (
        f"@prefix cm: <{CM}> .\n<a> cm:supports <{CM}supports> ; cm:servesArea cm:supports.\n"
    )


def test_a_rename_that_cannot_be_done_exits_2_saying_why(dataset_copy: Path) -> None:
    unknown = run_cli(dataset_copy, "rename", "cm:serve", "cm:supports")
    assert unknown.exit_code == 2 and "cm:serve is not declared in ontology/" in unknown.output
    taken = run_cli(dataset_copy, "rename", "cm:serves", "cm:pillar")
    assert taken.exit_code == 2 and "cm:pillar is declared in the ontology already" in taken.output
    foreign = run_cli(dataset_copy, "rename", "cm:serves", "schema:serves")
    assert foreign.exit_code == 2, foreign.output
    assert "schema:serves is not a term of this ontology" in foreign.output
    assert "https://w3id.org/climate-mobility/ontology#" in foreign.output


def test_a_reused_term_given_up_for_our_own_is_not_deprecated_by_us(dataset_copy: Path) -> None:
    result = run_cli(dataset_copy, "rename", "schema:Event", "cm:Event")
    assert result.exit_code == 0, result.output
    ontology = Graph()
    for path in (dataset_copy / "ontology").glob("*.ttl"):
        ontology.parse(path)
    event, ours = URIRef("https://schema.org/Event"), URIRef(f"{CM}Event")
    assert (event, None, None) not in ontology, "schema.org's term: no statement of ours is left"
    assert (ours, RDF.type, OWL.Class) in ontology
    assert run_cli(dataset_copy, "validate").exit_code == 0


def test_a_term_no_release_holds_is_renamed_outright(tmp_path: Path) -> None:
    """Before the first release (or for a term added since), no one was promised the old name:
    no deprecated copy is left. Once released, the old name stays as a tombstone."""
    folder = tmp_path / "reef"
    assert (
        run_cli(tmp_path, "init", str(folder), "--base-iri", "https://w3id.org/reef/").exit_code
        == 0
    )
    draft = run_cli(folder, "rename", "r:Item", "r:Reef")
    assert draft.exit_code == 0, draft.output
    assert "no release holds r:Item: renamed outright" in draft.stderr
    ontology = Graph().parse(folder / "ontology" / "reef.ttl", format="turtle")
    reef = URIRef("https://w3id.org/reef/ontology#")
    assert (reef + "Item", None, None) not in ontology and (
        reef + "Reef",
        RDF.type,
        OWL.Class,
    ) in ontology
    assert run_cli(folder, "validate", "--fail-on", "warning").exit_code == 0
    assert run_cli(folder, "release", "0.1.0").exit_code == 0
    released = run_cli(folder, "rename", "r:Reef", "r:Coral")
    assert released.exit_code == 0 and "renamed outright" not in released.stderr
    ontology = Graph().parse(folder / "ontology" / "reef.ttl", format="turtle")
    assert ontology.value(reef + "Reef", OWL.deprecated) == Literal(True)
