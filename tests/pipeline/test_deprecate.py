"""`ldkit deprecate`: a term kept as a tombstone, what replaces it named, its uses moved on ask."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

from ldkit.pipeline.loading import read_folder
from ldkit.server.settings import load_settings
from tests.helpers.support import folder_digest, run_cli

CM = "https://w3id.org/climate-mobility/ontology#"
ONTOLOGY = Path("ontology") / "climate-mobility.ttl"
# A second name for cm:serves, as a merge of two ontologies leaves behind, used once in the data.
TWIN = """
cm:servesToo a owl:ObjectProperty ;
    rdfs:label "sert aussi"@fr , "serves too"@en ;
    skos:definition "Comme cm:serves."@fr , "As cm:serves."@en ;
    rdfs:domain schema:Event ;
    rdfs:isDefinedBy <https://w3id.org/climate-mobility/ontology> .
"""


def _ontology(root: Path) -> Graph:
    return Graph().parse(root / ONTOLOGY, format="turtle")


@pytest.fixture
def with_twin(dataset_copy: Path) -> Path:
    """The dataset with cm:servesToo declared and used by the meeting instead of cm:serves."""
    path = dataset_copy / ONTOLOGY
    path.write_text(path.read_text(encoding="utf-8") + TWIN, encoding="utf-8")
    events = dataset_copy / "data" / "events.trig"
    text = events.read_text(encoding="utf-8")
    assert "        cm:serves body:wim-excom ," in text
    events.write_text(
        text.replace(
            "        cm:serves body:wim-excom ,", "        cm:servesToo body:wim-excom ,", 1
        )
    )
    return dataset_copy


def test_dry_run_shows_the_tombstone_and_the_uses_left_and_writes_nothing(
    dataset_copy: Path,
) -> None:
    before = folder_digest(dataset_copy)
    result = run_cli(dataset_copy, "deprecate", "--dry-run", "cm:pillar", "--see", "cm:serves")
    assert result.exit_code == 0, result.output
    assert "+# Deprecated on " in result.output and ": see cm:serves." in result.output
    assert "+    rdfs:seeAlso cm:serves ;" in result.output
    assert "would change 1 file(s)" in result.stderr
    assert "cm:pillar is still used in data/events.trig" in result.stderr
    assert folder_digest(dataset_copy) == before


def test_a_deprecated_term_keeps_its_statements_and_validation_warns_of_its_uses(
    dataset_copy: Path, tmp_path: Path
) -> None:
    """Deprecating changes nothing a consumer relies on: the term keeps its labels and axioms,
    and `ldkit diff` sees one safe change."""
    shutil.copytree(dataset_copy, tmp_path / "before")
    old = _ontology(dataset_copy)
    pillar = URIRef(CM + "pillar")
    result = run_cli(
        dataset_copy, "deprecate", "cm:pillar", "--see", "cm:serves", "--why", "Pillars are themes."
    )
    assert result.exit_code == 0, result.output
    ontology = _ontology(dataset_copy)
    assert ontology.value(pillar, OWL.deprecated) == Literal(True)
    assert ontology.value(pillar, RDFS.seeAlso) == URIRef(CM + "serves")
    note = str(ontology.value(pillar, SKOS.changeNote))
    assert note.startswith("Deprecated on ") and note.endswith(". Pillars are themes.")
    for kept in (RDFS.label, SKOS.definition, RDFS.isDefinedBy, RDFS.domain, RDFS.range):
        assert set(ontology.objects(pillar, kept)) == set(old.objects(pillar, kept)) != set()
    diff = run_cli(dataset_copy, "diff", str(tmp_path / "before"), str(dataset_copy))
    assert diff.exit_code == 0, diff.output
    assert "1 change(s), 0 breaking" in diff.output and "term deprecated" in diff.output
    validated = run_cli(dataset_copy, "validate", "--format", "json")
    assert validated.exit_code == 0, validated.output
    assert '"constraint": "deprecated-term-in-data"' in validated.output
    assert "cm:pillar (see cm:serves)" in validated.output


def test_migrate_moves_every_use_to_the_replacement_and_validates_clean(with_twin: Path) -> None:
    result = run_cli(
        with_twin, "deprecate", "cm:servesToo", "--replaced-by", "cm:serves", "--migrate"
    )
    assert result.exit_code == 0, result.output
    assert "--- a/data/events.trig" in result.output
    assert "still used" not in result.stderr
    ontology = _ontology(with_twin)
    assert ontology.value(URIRef(CM + "servesToo"), DCTERMS.isReplacedBy) == URIRef(CM + "serves")
    used = {q.predicate.value for q in read_folder(load_settings(with_twin)).data.quads}
    assert CM + "servesToo" not in used
    validated = run_cli(with_twin, "validate", "--fail-on", "warning")
    assert validated.exit_code == 0, validated.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["cm:nothing"], "cm:nothing is not declared in ontology/"),
        (["schema:Event"], "not ours to deprecate"),
        (["cm:pillar", "--replaced-by", "cm:pilar"], "cm:pilar is not declared"),
        (["cm:pillar", "--replaced-by", "cm:pillar"], "cm:pillar cannot replace itself"),
        (["cm:pillar", "--migrate"], "--migrate moves the uses of a term to its replacement"),
    ],
)
def test_a_deprecation_that_cannot_be_done_says_why_and_writes_nothing(
    dataset_copy: Path, args: list[str], says: str
) -> None:
    before = folder_digest(dataset_copy)
    result = run_cli(dataset_copy, "deprecate", *args)
    assert result.exit_code == 2
    assert says in result.stderr and "Traceback" not in result.output
    assert folder_digest(dataset_copy) == before


def test_a_term_deprecated_already_or_replaced_by_a_deprecated_one_is_refused(
    dataset_copy: Path,
) -> None:
    assert run_cli(dataset_copy, "rename", "cm:serves", "cm:supports").exit_code == 0
    again = run_cli(dataset_copy, "deprecate", "cm:serves")
    assert again.exit_code == 2 and "cm:serves is deprecated already" in again.stderr
    onto = run_cli(dataset_copy, "deprecate", "cm:pillar", "--replaced-by", "cm:serves")
    assert onto.exit_code == 2 and "cm:serves is deprecated too" in onto.stderr
