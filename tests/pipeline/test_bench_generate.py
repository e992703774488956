"""The benchmark's graph generator: deterministic, sized as asked, same verdict as its source."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bench.generate import generate
from ldkit.pipeline.loading import read_folder
from ldkit.pipeline.validation import validate_folder
from ldkit.server.settings import load_settings
from tests.helpers.paths import ROOT

BASE = "https://example.org/mini/"

PYPROJECT = f"""[tool.ldkit]
base_iri = "{BASE}"
name = "mini"
"""

ONTOLOGY = """@prefix ex: <https://example.org/mini/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

ex:Meeting a owl:Class ; rdfs:subClassOf schema:Event ; rdfs:label "meeting"@en, "réunion"@fr .
org:FormalOrganization rdfs:subClassOf org:Organization .
ex:Decision a owl:Class ; rdfs:label "decision"@en, "décision"@fr .
ex:count a owl:ObjectProperty ; rdfs:label "count"@en, "effectif"@fr .
ex:value a owl:DatatypeProperty ; rdfs:label "value"@en, "valeur"@fr .
"""

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <https://example.org/mini/ontology#> .
@prefix s: <https://example.org/mini/shapes#> .

s:labels a sh:PropertyShape ; sh:path rdfs:label ; sh:minCount 2 ; sh:uniqueLang true ;
  sh:languageIn ("en" "fr") ; sh:message "one label in English and one in French"@en .
s:EventShape a sh:NodeShape ; sh:targetClass schema:Event ; sh:property s:labels ;
  sh:message "an event"@en ;
  sh:property [ sh:path schema:startDate ; sh:datatype xsd:date ; sh:minCount 1 ; sh:maxCount 1 ;
                sh:message "one start date, an xsd:date"@en ] ;
  sh:property [ sh:path schema:endDate ; sh:datatype xsd:date ; sh:maxCount 1 ;
                sh:message "at most one end date, an xsd:date"@en ] ;
  sh:property [ sh:path schema:location ; sh:class schema:Place ; sh:minCount 1 ;
                sh:message "held in a place"@en ] ;
  sh:property [ sh:path schema:organizer ; sh:class org:Organization ;
                sh:message "organised by an organisation"@en ] ;
  sh:property [ sh:path prov:wasDerivedFrom ; sh:class prov:Entity ; sh:minCount 1 ;
                sh:message "has a source"@en ] ;
  sh:sparql [ sh:message "the end is never before the start"@en ;
    sh:select \"\"\"SELECT $this ?value WHERE {
      $this <https://schema.org/startDate> ?start ; <https://schema.org/endDate> ?value .
      FILTER (?value < ?start) }\"\"\" ] .
s:PlaceShape a sh:NodeShape ; sh:targetClass schema:Place ; sh:property s:labels ;
  sh:property [ sh:path schema:containedInPlace ; sh:class schema:Place ;
                sh:message "contained in a place"@en ] .
s:OrganizationShape a sh:NodeShape ; sh:targetClass org:Organization ; sh:property s:labels ;
  sh:property [ sh:path ex:count ; sh:node s:CountShape ; sh:message "a dated count"@en ] .
s:CountShape a sh:NodeShape ;
  sh:property [ sh:path ex:value ; sh:datatype xsd:nonNegativeInteger ; sh:minCount 1 ;
                sh:message "a number"@en ] ;
  sh:property [ sh:path dcterms:date ; sh:datatype xsd:date ; sh:minCount 1 ;
                sh:message "a date"@en ] ;
  sh:property [ sh:path dcterms:source ; sh:class prov:Entity ; sh:minCount 1 ;
                sh:message "a source"@en ] .
s:DecisionShape a sh:NodeShape ; sh:targetClass ex:Decision ; sh:property s:labels ;
  sh:property [ sh:path dcterms:identifier ; sh:pattern "^(\\\\d+)/(CP|CMP|CMA)\\\\.(\\\\d+)$" ;
                sh:minCount 1 ; sh:message "a decision number like 1/CP.21"@en ] .
s:ConceptShape a sh:NodeShape ; sh:targetClass skos:Concept ;
  sh:property [ sh:path skos:prefLabel ; sh:minCount 2 ; sh:uniqueLang true ;
                sh:message "labels in both languages"@en ] ;
  sh:property [ sh:path skos:inScheme ; sh:hasValue <https://example.org/mini/id/scheme/themes> ;
                sh:message "in the themes scheme"@en ] .
s:SourceShape a sh:NodeShape ; sh:targetClass prov:Entity ; sh:property s:labels ;
  sh:property [ sh:path schema:url ; sh:nodeKind sh:IRI ; sh:minCount 1 ;
                sh:message "a web address"@en ] .
"""

CHECK = """#+ message: a thing without a type
SELECT ?thing WHERE {
  ?thing ?p ?o .
  FILTER (isIRI(?thing) && STRSTARTS(STR(?thing), "https://example.org/mini/id/"))
  FILTER NOT EXISTS { ?thing a ?type }
}
"""

DATA = """@prefix ex: <https://example.org/mini/ontology#> .
@prefix id: <https://example.org/mini/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

id:source\\/page {
  id:source\\/page a prov:Entity ; rdfs:label "the page"@en, "la page"@fr ;
    schema:url <https://example.org/page> .
  id:event\\/meeting a ex:Meeting ; rdfs:label "the meeting"@en, "la réunion"@fr ;
    schema:startDate "2016-07-27"^^xsd:date ; schema:endDate "END"^^xsd:date ;
    schema:location id:place\\/casablanca ; schema:organizer id:org\\/iom ;
    prov:wasDerivedFrom id:source\\/page .
  id:event\\/visit a schema:Event ; rdfs:label "the visit"@en, "la visite"@fr ;
    schema:startDate "2016-07-29"^^xsd:date ;
    schema:location id:place\\/casablanca ; prov:wasDerivedFrom id:source\\/page .
  id:place\\/casablanca a schema:Place ; rdfs:label "Casablanca"@en, "Casablanca"@fr ;
    schema:containedInPlace id:place\\/morocco ; owl:sameAs <http://www.wikidata.org/entity/Q7903> .
  id:place\\/morocco a schema:Place ; rdfs:label "Morocco"@en, "Maroc"@fr .
  id:org\\/iom a org:FormalOrganization ; rdfs:label "IOM"@en, "OIM"@fr ;
    ex:count [ ex:value "174"^^xsd:nonNegativeInteger ; dcterms:date "2016-07-01"^^xsd:date ;
               dcterms:source id:source\\/page ] .
  id:decision\\/1-cp-21 a ex:Decision ; rdfs:label "decision 1/CP.21"@en,
    "décision 1/CP.21"@fr ; dcterms:identifier "1/CP.21" .
  id:scheme\\/themes a skos:ConceptScheme ; skos:hasTopConcept id:theme\\/youth .
  id:theme\\/youth a skos:Concept ; skos:prefLabel "youth"@en, "jeunesse"@fr ;
    skos:inScheme id:scheme\\/themes .
}
"""


def write_folder(root: Path, end: str = "2016-07-29") -> Path:
    """A small dataset folder laid out like ours; `end` is the meeting's end date."""
    for name in ("ontology", "data", "shapes"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "ontology" / "ontology.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (root / "ontology" / "untyped-violation.rq").write_text(CHECK, encoding="utf-8")
    (root / "shapes" / "shapes.ttl").write_text(SHAPES, encoding="utf-8")
    (root / "data" / "things.trig").write_text(DATA.replace("END", end), encoding="utf-8")
    return root


def digest(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    sha = hashlib.sha256()
    for path in files:
        sha.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def verdict(root: Path) -> tuple[bool, list[tuple[str, str]]]:
    report = validate_folder(read_folder(load_settings(root)))
    kinds = sorted({(v.constraint, v.message) for v in report.violations})
    return report.conforms, kinds


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "source")


def test_same_seed_same_bytes_other_seed_other_bytes(source: Path, tmp_path: Path) -> None:
    generate(source, tmp_path / "a", triples=2_000, seed=1)
    generate(source, tmp_path / "b", triples=2_000, seed=1)
    generate(source, tmp_path / "c", triples=2_000, seed=2)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


@pytest.mark.parametrize("triples", [500, 2_000, 10_000])
def test_reaches_the_requested_size(source: Path, tmp_path: Path, triples: int) -> None:
    info = generate(source, tmp_path / "out", triples=triples, seed=1)
    folder = read_folder(load_settings(tmp_path / "out"))
    distinct = {(q.subject, q.predicate, q.object) for q in folder.data.quads}
    assert info.quads == len(folder.data.quads)
    assert abs(len(distinct) - triples) <= 0.03 * triples


def test_copies_the_settings_ontology_and_shapes(source: Path, tmp_path: Path) -> None:
    generate(source, tmp_path / "out", triples=1_000, seed=1)
    settings = load_settings(tmp_path / "out")
    assert settings.base_iri == BASE
    assert (tmp_path / "out" / "shapes" / "shapes.ttl").read_bytes() == (
        source / "shapes" / "shapes.ttl"
    ).read_bytes()
    assert (tmp_path / "out" / "ontology" / "untyped-violation.rq").is_file()


@pytest.mark.parametrize("end", ["2016-07-29", "2016-07-20", "29 July 2016"])
def test_same_verdict_as_the_source(tmp_path: Path, end: str) -> None:
    source = write_folder(tmp_path / "source", end=end)
    generate(source, tmp_path / "out", triples=3_000, seed=7)
    expected = verdict(source)
    assert verdict(tmp_path / "out") == expected
    assert expected[0] is (end == "2016-07-29")


def test_the_repository_dataset_keeps_its_verdict(tmp_path: Path) -> None:
    root = ROOT
    source_quads = len(read_folder(load_settings(root)).data.quads)
    generate(root, tmp_path / "out", triples=3 * source_quads, seed=1)
    assert verdict(tmp_path / "out")[0] == verdict(root)[0]
