"""The repository's own dataset: it validates, its shapes are sound, its checks catch errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import read_folder
from ldkit.server.settings import Settings, load_settings
from tests.helpers.support import run_cli

NODE_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@pytest.fixture(scope="module")
def folder(repo_settings: Settings):  # type: ignore[no-untyped-def]
    return read_folder(repo_settings)


@pytest.fixture(scope="module")
def shapes(folder) -> Graph:  # type: ignore[no-untyped-def]
    return to_graph(folder.shapes.quads)


@pytest.fixture(scope="module")
def data(folder) -> Graph:  # type: ignore[no-untyped-def]
    return to_graph(folder.data.quads)


@pytest.fixture(scope="module")
def ontology(folder) -> Graph:  # type: ignore[no-untyped-def]
    return to_graph(folder.ontology.quads)


def test_the_shipped_data_conforms(repo_settings: Settings) -> None:
    result = run_cli(repo_settings.root, "validate")
    assert result.exit_code == 0, result.output
    assert "checked shapes and checks" in result.output


def test_the_shapes_conform_to_shacl_shacl(shapes: Graph) -> None:
    conforms, _graph, text = pyshacl.validate(shapes, shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_every_node_shape_has_a_message(shapes: Graph) -> None:
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert node_shapes
    silent = [s for s in node_shapes if (s, SH.message, None) not in shapes]
    assert not silent, f"node shapes without sh:message: {silent}"


def test_every_property_shape_with_a_constraint_has_a_message(shapes: Graph) -> None:
    property_shapes = set(shapes.objects(None, SH.property))
    silent = [s for s in property_shapes if (s, SH.message, None) not in shapes]
    assert not silent, f"{len(silent)} property shapes without sh:message"


def _superclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    return set(ontology.transitive_objects(cls, RDFS.subClassOf))


def test_every_class_the_data_uses_has_a_shape(data: Graph, shapes: Graph, ontology: Graph) -> None:
    targeted = set(shapes.objects(None, SH.targetClass))
    targeted |= {
        s for s in shapes.subjects(RDF.type, SH.NodeShape) if (s, RDF.type, RDFS.Class) in shapes
    }
    used = set(data.objects(None, RDF.type))
    unshaped = sorted(c for c in used if not (_superclasses(ontology, c) & targeted))
    assert not unshaped, f"classes without a shape: {unshaped}"


def test_every_class_and_property_we_mint_is_labelled_and_defined(ontology: Graph) -> None:
    [ontology_iri] = ontology.subjects(RDF.type, OWL.Ontology)
    namespace = str(ontology_iri)
    minted = [
        t
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for t in ontology.subjects(RDF.type, kind)
        if str(t).startswith(namespace)
    ]
    assert minted
    for term in minted:
        for predicate in (RDFS.label, SKOS.definition):
            languages = {o.language for o in ontology.objects(term, predicate)}  # type: ignore[attr-defined]
            assert {"en", "fr"} <= languages, f"{term} lacks {predicate} in en or fr"


def test_the_ontology_has_a_versioned_header(ontology: Graph) -> None:
    [iri] = ontology.subjects(RDF.type, OWL.Ontology)
    assert ontology.value(iri, OWL.versionIRI) is not None
    assert ontology.value(iri, OWL.versionInfo) is not None


BREAKAGES = {
    # file, text to find, replacement, what the report must name
    "end-before-start": (
        "events.trig",
        '"2016-07-29"^^xsd:date',
        '"2016-07-20"^^xsd:date',
        "schema:endDate",
    ),
    "bad-decision-identifier": (
        "decisions.trig",
        '"1/CP.21"',
        '"1/CP21"',
        "schema:legislationIdentifier",
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_a_broken_copy_is_caught(name: str, dataset_copy: Path) -> None:
    filename, old, new, named = BREAKAGES[name]
    path = dataset_copy / "data" / filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old} not found in {filename}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run_cli(dataset_copy, "validate")
    assert result.exit_code == 1
    assert f"data/{filename}" in result.output
    assert named in result.output


def test_a_syntax_error_in_the_data_names_file_and_line(dataset_copy: Path) -> None:
    path = dataset_copy / "data" / "places.trig"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(11, "    this is not turtle")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(dataset_copy, "validate")
    assert result.exit_code == 2
    assert "data/places.trig, line 12:" in result.stderr


def test_settings_of_the_repository(repo_settings: Settings) -> None:
    assert load_settings(repo_settings.root).base_iri == "https://w3id.org/climate-mobility/"


# A place described in data/places.trig only (its external links, if any, would be in data/links/).
KATOWICE = "<https://w3id.org/climate-mobility/id/place/katowice>"
APPENDED = {
    # check that must catch it: triples appended to data/places.trig (default graph)
    "untyped-thing-violation": "<https://w3id.org/climate-mobility/id/place/atlantis> "
    '<http://www.w3.org/2000/01/rdf-schema#label> "Atlantis"@en, "Atlantide"@fr .',
    "foreign-iri-violation": f"{KATOWICE} <http://www.w3.org/2004/02/skos/core#exactMatch> "
    "<http://dbpedia.org/resource/Katowice> .",
    "undeclared-term-violation": f'{KATOWICE} <https://schema.org/populationCount> "290000" .',
    "missing-label-violation": "<https://w3id.org/climate-mobility/id/place/nowhere> a "
    '<https://schema.org/City> ; <http://www.w3.org/2000/01/rdf-schema#label> "Nowhere"@en .',
}


@pytest.mark.parametrize("check", sorted(APPENDED))
def test_each_data_quality_check_catches_its_violation(check: str, dataset_copy: Path) -> None:
    assert (dataset_copy / "ontology" / "checks" / f"{check}.rq").is_file()
    with (dataset_copy / "data" / "places.trig").open("a", encoding="utf-8") as stream:
        stream.write("\n" + APPENDED[check] + "\n")
    result = run_cli(dataset_copy, "validate", "--format", "json")
    assert result.exit_code == 1
    caught = [v for v in json.loads(result.output)["violations"] if v["constraint"] == check]
    assert caught, f"{check} did not catch: {APPENDED[check]}"
    assert all(v["files"] == ["data/places.trig"] for v in caught)


def test_a_data_quality_finding_names_its_columns(dataset_copy: Path) -> None:
    with (dataset_copy / "data" / "places.trig").open("a", encoding="utf-8") as stream:
        stream.write("\n" + APPENDED["undeclared-term-violation"] + "\n")
    result = run_cli(dataset_copy, "validate", "--format", "json")
    [finding] = [
        v
        for v in json.loads(result.output)["violations"]
        if v["constraint"] == "undeclared-term-violation"
    ]
    assert str(finding["message"]).endswith(
        "(term: <https://schema.org/populationCount>; kind: property)"
    )
