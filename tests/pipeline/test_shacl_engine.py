"""The fast SHACL engine (scripts/shacl) gives pySHACL's results, result for result.

Each test validates one folder twice, with pySHACL (the reference: one merged rdflib graph, no
inference, SHACL-SPARQL on) and with the engine on pyoxigraph, and compares the sets of
(focus node, result path, constraint component, value, source shape, severity). The folders: the
shipped data (conforms), the mini fixture, broken copies that make every constraint component
our shapes use fail (on plain, inverse and alternative paths, at node and property level), and a
generated 10k dataset with injected errors.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ldkit.pipeline import validation
from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import Folder, read_folder
from ldkit.pipeline.shacl import engine
from ldkit.pipeline.shacl.compile import Compiler
from ldkit.pipeline.shacl.focus import counts_repeats, inject_focus
from ldkit.pipeline.shacl.shapes import Unsupported
from ldkit.server.settings import load_settings
from tests.helpers.paths import FIXTURES, ROOT

Key = tuple[str, str, str, str, str, str]

PREFIXES = """
@prefix cm: <https://w3id.org/climate-mobility/ontology#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix t: <https://w3id.org/climate-mobility/id/test/> .
@prefix src: <https://w3id.org/climate-mobility/id/source/> .
@prefix ng: <https://w3id.org/climate-mobility/id/graph/> .
"""
LABELS = 'rdfs:label "x"@en, "x"@fr'

# Broken copies of the repository's data: Turtle appended in data/zz-broken.ttl, or a replacement.
BROKEN: dict[str, str | tuple[str, str, str]] = {
    "classes-and-counts": f"""
        t:org1 a org:Organization, schema:Organization ; {LABELS} .
        t:org2 a org:FormalOrganization ; {LABELS} .
        t:ev1 a schema:Event ; {LABELS} ; schema:location t:org1 ; schema:subEvent "not a node" .
        t:post1 a org:Post ; {LABELS} .
        t:post2 a org:Post ; {LABELS} ; org:postIn t:org1, t:org2 ; org:heldBy t:org1 .
        t:web a schema:WebSite ; {LABELS} .
        t:plan a prov:Plan ; {LABELS} ; prov:wasAttributedTo _:someone .
        t:qv a schema:QuantitativeValue ; {LABELS} ; schema:unitText "people" ;
            cm:asOf "2020-01-01"^^xsd:date ; prov:wasDerivedFrom t:org1 .
        t:ngo a schema:NGO ; {LABELS} .
    """,
    "literals": f"""
        t:ev2 a schema:Event ; {LABELS} ; schema:startDate "2016-13-45"^^xsd:date ;
            schema:endDate "2016-07-29" ; dcterms:date "2016"^^xsd:string, "2016"^^xsd:gYear,
            "2016-02"^^xsd:gYearMonth, "2016-99"^^xsd:gYearMonth .
        t:country1 a schema:Country ; {LABELS} ; cm:m49Code "50A", "504"@en .
        t:place1 a schema:Place ; rdfs:label "x"@en, "x"@fr, "x"@de .
        t:place2 a schema:Place ; rdfs:label "x"@en, "y"@en .
        t:place3 a schema:Place ; rdfs:label "x", "y"@fr-CA .
        t:quote a schema:Quotation ; {LABELS} ; schema:text "no language" ;
            schema:spokenByCharacter t:nobody .
        t:aud a schema:Audience ; {LABELS} ; schema:audienceType "x"@en .
        t:qv2 a schema:QuantitativeValue ; {LABELS} ; schema:value "12.5"^^xsd:integer, 3 ;
            schema:unitText "people" ; cm:asOf "2020-02-30"^^xsd:date ;
            prov:wasDerivedFrom src:nowhere .
        t:work a schema:CreativeWork ; {LABELS} ; schema:inLanguage "fra", "en" ;
            schema:url "http://example.org/", <ftp://example.org/> .
        t:role a schema:Role ; {LABELS} ; schema:performer t:p ;
            schema:roleName "a"@en, "b"@en, "c"@es .
        t:p a schema:Person ; {LABELS} .
        t:concept a skos:Concept ; {LABELS} ; skos:prefLabel "a"@en ; skos:inScheme t:scheme ;
            skos:definition "d"@en, "e"@en, "f"@it .
        t:scheme a skos:ConceptScheme ; {LABELS} .
        t:dataset a dcat:Dataset ; {LABELS} ; dcat:keyword "k", "k"@de .
    """,
    "links": f"""
        t:ext a schema:Place ; {LABELS} ; skos:exactMatch "Q42", <http://example.org/Q42> ;
            skos:closeMatch <http://www.wikidata.org/entity/Q42>, _:b1 ;
            skos:broadMatch <https://sws.geonames.org/12/x> .
        t:stmt a rdf:Statement ; {LABELS} ; rdf:subject "literal", t:ext ;
            rdf:predicate "not an IRI" ; prov:wasDerivedFrom t:ext .
        t:stmt2 a rdf:Statement ; {LABELS} ; rdf:subject _:b2 ; rdf:predicate _:b3 ;
            rdf:object 1 ; prov:wasDerivedFrom src:unknown .
        t:ev3 a schema:Event ; {LABELS} ; schema:about "literal", t:untyped, t:ext ;
            cm:serves t:ext2 .
        t:ext2 a skos:Concept, schema:Place ; {LABELS} ; skos:prefLabel "a"@en, "a"@fr ;
            skos:topConceptOf t:scheme .
        t:vd a void:Dataset ; {LABELS} ; void:exampleResource t:untyped .
        t:act a prov:Activity ; {LABELS} ; prov:wasAssociatedWith t:ext, t:p ;
            prov:used t:ext ; dcterms:date "2016-07-01"^^xsd:date, "2016"^^xsd:gYear .
        t:p a schema:Person ; {LABELS} ; org:holds t:ext .
        t:scheme a skos:ConceptScheme ; {LABELS} .
    """,
    "paths": f"""
        t:collab a org:OrganizationalCollaboration, org:Organization, schema:Organization ;
            {LABELS} .
        t:collab2 a org:OrganizationalCollaboration, org:Organization, schema:Organization ;
            {LABELS} .
        t:member org:memberOf t:collab2 .
        t:orgrole a org:Role ; {LABELS} .
        t:orgrole2 a org:Role ; {LABELS} .
        t:notamembership org:role t:orgrole2 .
        t:scheme1 a skos:ConceptScheme ; {LABELS} .
        t:scheme2 a skos:ConceptScheme ; {LABELS} .
        t:thing skos:inScheme t:scheme2 .
        t:thing2 skos:topConceptOf t:scheme2 .
        t:unit a org:OrganizationalUnit ; {LABELS} .
        t:change a org:ChangeEvent ; {LABELS} ; org:resultingOrganization t:unit .
        t:membership a org:Membership ; {LABELS} ; org:member t:p, t:unit ;
            org:organization t:unit ; org:role t:orgrole ; schema:startDate "soon" .
        t:p a schema:Person ; {LABELS} .
    """,
    "sparql": f"""
        ng:test1 a prov:Entity ; {LABELS} ; prov:wasDerivedFrom src:a, src:b .
        ng:test2 a prov:Entity ; {LABELS} .
        ng:test3 a prov:Entity, schema:WebPage ; {LABELS} ; prov:wasDerivedFrom src:a .
        t:dec a schema:Legislation ; {LABELS} ;
            schema:legislationType <https://w3id.org/climate-mobility/id/concept/cop-decision> .
        t:dec2 a schema:Legislation ; {LABELS} ;
            schema:legislationType <https://w3id.org/climate-mobility/id/concept/cop-decision> ;
            schema:legislationIdentifier "CP.21", "2/CMA.1" .
        t:ev4 a schema:Event ; {LABELS} ; schema:startDate "2020-05-02"^^xsd:date ;
            schema:endDate "2020-05-01"^^xsd:date, "2020-05-03"^^xsd:date .
    """,
    "end-before-start": ("events.trig", '"2016-07-29"^^xsd:date', '"2016-07-20"^^xsd:date'),
    "bad-decision-identifier": ("decisions.trig", '"1/CP.21"', '"1/CP21"'),
}

# Every constraint component the repository's shapes use must fail in some broken copy.
COMPONENTS = {
    "Class", "Datatype", "NodeKind", "MinCount", "MaxCount", "Pattern", "LanguageIn",
    "UniqueLang", "Or", "Node", "SPARQL",
}  # fmt: skip


def _path_text(graph: Graph, path: Node | None) -> str:
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in graph:
        return "(" + "/".join(_path_text(graph, p) for p in Collection(graph, path)) + ")"  # type: ignore[arg-type]
    for predicate, inner in graph.predicate_objects(path):  # type: ignore[arg-type]
        if predicate == SH.inversePath:
            return "^" + _path_text(graph, inner)
        if predicate == SH.alternativePath:
            items = Collection(graph, inner)  # type: ignore[arg-type]
            return "(" + "|".join(_path_text(graph, p) for p in items) + ")"
    return f"?{sorted(graph.predicate_objects(path))}"  # type: ignore[arg-type]


def _shape_text(shapes: Graph, shape: Node | None) -> str:
    """A shape by name, or a blank property shape by its parent and path."""
    if not isinstance(shape, BNode):
        return str(shape)
    parents = sorted(str(s) for s in shapes.subjects(SH.property, shape))
    return f"{parents}/{_path_text(shapes, shapes.value(shape, SH.path))}"


def result_keys(results: Graph, shapes: Graph) -> set[Key]:
    keys = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        value = results.value(result, SH.value)
        keys.add(
            (
                str(results.value(result, SH.focusNode)),
                _path_text(results, results.value(result, SH.resultPath)),
                str(results.value(result, SH.sourceConstraintComponent)),
                value.n3() if value is not None else "",
                _shape_text(shapes, results.value(result, SH.sourceShape)),
                str(results.value(result, SH.resultSeverity)),
            )
        )
    return keys


def _messages(results: Graph) -> set[tuple[str, str]]:
    return {
        (str(results.value(r, SH.focusNode)), str(m))
        for r in results.subjects(RDF.type, SH.ValidationResult)
        for m in results.objects(r, SH.resultMessage)
        if results.value(r, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
    }


def _no_fallback(_shapes: Graph) -> Graph:
    raise AssertionError("the engine fell back to pySHACL")


def both(folder: Folder) -> tuple[set[Key], set[Key], engine.EngineReport]:
    """(pySHACL's results, the engine's results, the engine's report) on `folder`."""
    shapes = to_graph(folder.shapes.quads)
    parts = [folder.data.quads, folder.ontology.quads]
    reference = validation._pyshacl(validation._merged(parts), shapes)
    report = engine.validate(parts, shapes, _no_fallback)
    assert set(report.engines.values()) == {"fast"}, report.summary()
    return result_keys(reference, shapes), result_keys(report.results, shapes), report


def _diff(expected: set[Key], found: set[Key]) -> str:
    missing = "\n".join(f"  - {k}" for k in sorted(expected - found))
    extra = "\n".join(f"  + {k}" for k in sorted(found - expected))
    return f"missing (pySHACL only):\n{missing}\nextra (engine only):\n{extra}"


def _copy_repo(tmp: Path) -> Path:
    root = tmp / "repo"
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_shipped_data_gives_no_result_on_either_engine() -> None:
    reference, fast, _report = both(read_folder(load_settings(ROOT)))
    assert reference == fast == set()


def test_the_mini_fixture_and_its_breakages(tmp_path: Path) -> None:
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root)
    reference, fast, _ = both(read_folder(load_settings(root)))
    assert reference == fast == set()
    events = root / "data" / "events.trig"
    text = events.read_text(encoding="utf-8")
    text = text.replace('"2016-07-29"', '"2016-07-20"').replace('"2016-07-27"^^xsd:date', '"x"')
    events.write_text(text, encoding="utf-8")
    places = root / "data" / "places.ttl"
    places.write_text(places.read_text(encoding="utf-8").replace(', "Casablanca"@fr', ""))
    reference, fast, _ = both(read_folder(load_settings(root)))
    assert reference, "the breakages were not caught"
    assert reference == fast, _diff(reference, fast)


_COVERED: set[str] = set()


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_copy_gives_the_same_results(name: str, tmp_path: Path) -> None:
    root = _copy_repo(tmp_path)
    breakage = BROKEN[name]
    if isinstance(breakage, str):
        (root / "data" / "zz-broken.ttl").write_text(PREFIXES + breakage, encoding="utf-8")
    else:
        filename, old, new = breakage
        path = root / "data" / filename
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    reference, fast, _ = both(read_folder(load_settings(root)))
    assert reference, "the breakage was not caught"
    assert reference == fast, _diff(reference, fast)
    _COVERED.update(k[2].rsplit("#", 1)[-1].removesuffix("ConstraintComponent") for k in fast)


@pytest.mark.parametrize("name", ["links", "sparql"])
def test_ldkit_reports_are_the_same_on_both_engines(name: str, tmp_path: Path) -> None:
    """Same violations (messages, files) and isomorphic SHACL reports (the Turtle output)."""
    root = _copy_repo(tmp_path)
    (root / "data" / "zz-broken.ttl").write_text(PREFIXES + str(BROKEN[name]), encoding="utf-8")
    folder = read_folder(load_settings(root))
    fast = validation.validate_folder(folder, "fast")
    reference = validation.validate_folder(folder, "pyshacl")
    assert not fast.conforms
    assert sorted(fast.violations, key=repr) == sorted(reference.violations, key=repr)
    assert isomorphic(fast.report, reference.report)
    assert fast.engines["pyshacl"] == {} and len(fast.engines["fast"]) == 34  # type: ignore[arg-type]


def test_the_broken_copies_cover_every_component_the_shapes_use() -> None:
    if len(_COVERED) == 0:
        pytest.skip("run with the broken copies")
    assert COMPONENTS <= _COVERED, f"not covered: {COMPONENTS - _COVERED}"


def test_a_generated_10k_dataset_with_injected_errors(tmp_path: Path) -> None:
    out = tmp_path / "10k"
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--triples", "10k", "--seed", "3",
         "--root", str(ROOT), "--out", str(out)],
        check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    injected = "".join(v for v in BROKEN.values() if isinstance(v, str))
    (out / "data" / "zz-broken.ttl").write_text(PREFIXES + injected, encoding="utf-8")
    folder = read_folder(load_settings(out))
    assert len(folder.data.quads) > 9000
    reference, fast, _ = both(folder)
    assert len(reference) > 50
    assert reference == fast, _diff(reference, fast)


# --- the engine's own rules: what it compiles, what it leaves to pySHACL -------------------------


SHAPES = '''
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Closed a sh:NodeShape ; sh:targetClass ex:A ; sh:closed true ; sh:ignoredProperties ( ) .
ex:Pair a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:lessThan ex:q ] .
ex:Fine a sh:NodeShape ; sh:targetNode ex:a1 ; sh:property [
    sh:path [ sh:zeroOrMorePath ex:p ] ; sh:in ( ex:a1 ex:a2 1 ) ; sh:minCount 1 ] ;
    sh:xone ( [ sh:class ex:A ] [ sh:hasValue ex:a1 ] ) ;
    sh:not [ sh:nodeKind sh:Literal ] .
ex:Implicit a sh:NodeShape, rdfs:Class ; sh:property [ sh:path ex:p ; sh:maxCount 0 ] .
ex:Seq a sh:PropertyShape ; sh:targetSubjectsOf ex:p ; sh:path ( ex:p ex:q ) ;
    sh:datatype xsd:integer ; sh:severity sh:Warning .
ex:Sparql a sh:NodeShape ; sh:targetClass ex:A ; sh:targetObjectsOf ex:q ;
    sh:sparql [ sh:message "union {$this} {?o}" ; sh:select """
        PREFIX ex: <http://example.org/>
        SELECT $this ?o WHERE {
          { $this ex:p ?o } UNION { ?o ex:q ?w FILTER (isLiteral(?w) || $this = ex:a1) } }""" ] ,
      [ sh:select """
        PREFIX ex: <http://example.org/>
        SELECT $this WHERE { OPTIONAL { $this ex:q ?x } FILTER (!BOUND(?x)) }""" ] ,
      [ sh:select """
        PREFIX ex: <http://example.org/>
        SELECT $this (COUNT(?o) AS ?n) WHERE { $this ex:p ?o } GROUP BY $this
        HAVING (COUNT(?o) > 1)""" ] ,
      [ sh:message "{?value}" ; sh:select """
        PREFIX ex: <http://example.org/>
        SELECT $this ?value WHERE { ?value ex:q ?w FILTER NOT EXISTS { $this ex:p ?value } }""" ] ,
      [ sh:select "SELECT $this ?k WHERE { BIND (1 AS ?k) }" ] .
ex:PathSparql a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ex:p ;
    sh:sparql [ sh:select
        "SELECT $this ?value WHERE { $this $PATH ?value FILTER isLiteral(?value) }" ] .
'''
DATA = """
@prefix ex: <http://example.org/> .
ex:a1 a ex:A, ex:Implicit ; ex:p ex:a2, 5 ; ex:q 1 .
ex:a2 a ex:A ; ex:p ex:a3 ; ex:q ex:a1 .
ex:a3 ex:q "x", 2 .
"""


def test_unsupported_shapes_fall_back_to_pyshacl_and_agree() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    quads = list(ox.parse(DATA, format=ox.RdfFormat.TURTLE))
    _compiler, checks, reasons = engine.plan(shapes)
    ex = "http://example.org/"
    assert set(map(str, reasons)) == {f"{ex}Closed", f"{ex}Pair"}
    assert "sh:closed" in reasons[URIRef(f"{ex}Closed")]
    assert "sh:lessThan" in reasons[URIRef(f"{ex}Pair")]
    assert {str(s) for s in checks} == {
        f"{ex}Fine",
        f"{ex}Implicit",
        f"{ex}Seq",
        f"{ex}Sparql",
        f"{ex}PathSparql",
    }

    def fallback(part: Graph) -> Graph:
        return validation._pyshacl(to_graph(quads), part)

    report = engine.validate([quads], shapes, fallback)
    reference = validation._pyshacl(to_graph(quads), shapes)
    expected, found = result_keys(reference, shapes), result_keys(report.results, shapes)
    assert expected == found, _diff(expected, found)
    assert _messages(reference) == _messages(report.results)
    assert {k[2].rsplit("#")[-1] for k in found} >= {
        "SPARQLConstraintComponent",
        "ClosedConstraintComponent",
        "LessThanConstraintComponent",
        "MaxCountConstraintComponent",
        "DatatypeConstraintComponent",
        "InConstraintComponent",
    }


DEACTIVATED = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Off a sh:NodeShape ; sh:targetClass ex:A ; sh:deactivated true ;
    sh:property [ sh:path ex:q ; sh:minCount 5 ] .
ex:On a sh:NodeShape ; sh:targetClass ex:A ;
    sh:property [ sh:path ex:q ; sh:datatype xsd:integer ] ,
        [ sh:path ex:p ; sh:maxCount 0 ; sh:deactivated true ] ,
        [ sh:path ex:p ; sh:maxCount 0 ; sh:deactivated false ] .
ex:OffSparql a sh:NodeShape ; sh:targetClass ex:A ;
    sh:sparql [ sh:deactivated true ; sh:select "SELECT $this WHERE { $this ?p ?o }" ] .
"""


def test_deactivated_shapes_and_constraints_are_not_checked_by_either_engine() -> None:
    shapes = Graph().parse(data=DEACTIVATED, format="turtle")
    quads = list(ox.parse(DATA, format=ox.RdfFormat.TURTLE))
    report = engine.validate([quads], shapes, lambda part: Graph())
    reference = validation._pyshacl(to_graph(quads), shapes)
    expected, found = result_keys(reference, shapes), result_keys(report.results, shapes)
    assert expected == found, _diff(expected, found)
    components = {k[2].rsplit("#")[-1] for k in found}
    assert components == {"DatatypeConstraintComponent", "MaxCountConstraintComponent"}
    assert all("minCount" not in k[2] and "SPARQL" not in k[2] for k in found)


def test_recursive_shapes_are_left_to_pyshacl() -> None:
    shapes = Graph().parse(data=SHAPES + RECURSIVE, format="turtle")
    _compiler, checks, reasons = engine.plan(shapes)
    assert "recursive" in reasons[URIRef("http://example.org/Rec")]
    assert URIRef("http://example.org/Fine") in checks


RECURSIVE = """
ex:Rec a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:node ex:Rec2 ] .
ex:Rec2 a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:node ex:Rec ] .
"""


@pytest.mark.parametrize(
    ("added", "all_to_pyshacl"),
    [
        ('ex:a1 ex:p "174"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .\n', False),
        ('ex:a1 ex:p "3.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n', False),
        # two literals the store keeps as one value: counts would differ, all go to pySHACL
        (
            'ex:a1 ex:p "3.0"^^<http://www.w3.org/2001/XMLSchema#decimal> , '
            '"3.00"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n',
            True,
        ),
    ],
)
def test_literals_the_store_would_rewrite_send_only_the_shapes_reading_them_to_pyshacl(
    added: str, all_to_pyshacl: bool
) -> None:
    """One "3.0"^^xsd:decimal sent every shape to pySHACL (at 1M triples, it never finished):
    now only the shapes reading lexical forms go, and the results are pySHACL's all the same,
    naming the literal as the data writes it ("3.0", not the store's "3")."""
    iris_only = "ex:Iris a sh:NodeShape ; sh:targetSubjectsOf ex:p ;\n"
    iris_only += "    sh:property [ sh:path ex:p ; sh:nodeKind sh:IRI ] .\n"
    shapes = Graph().parse(data=SHAPES + iris_only, format="turtle")
    quads = list(ox.parse(DATA + added, format=ox.RdfFormat.TURTLE))
    assert engine.rewritten_literals([quads])

    def fallback(part: Graph) -> Graph:
        return validation._pyshacl(to_graph(quads), part)

    report = engine.validate([quads], shapes, fallback)
    fast = {shape for shape, used in report.engines.items() if used == "fast"}
    assert (not fast) if all_to_pyshacl else fast
    assert "rewritten" in report.summary() or "as one value" in report.summary()
    reference = validation._pyshacl(to_graph(quads), shapes)
    assert result_keys(reference, shapes) == result_keys(report.results, shapes)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT $this WHERE { $this ?p ?o } LIMIT 1",
        "SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }",
        "SELECT (COUNT(*) AS ?n) WHERE { $this ?p ?o }",
        "SELECT ?x WHERE { { SELECT ?x WHERE { $this ?p ?x } } }",
    ],
)
def test_sparql_constraints_the_batch_rewrite_cannot_keep_exact_are_refused(query: str) -> None:
    with pytest.raises(Unsupported):
        inject_focus(query, lambda v: f"{{ VALUES {v} {{ 1 }} }}")


def test_the_focus_is_bound_in_the_query_not_in_its_strings_comments_or_names() -> None:
    query = (
        "SELECT $this ?v WHERE { $this ex:VALUES ?v # { ?this }\n"
        '  FILTER(?v != "{ $this }") OPTIONAL { $this ex:q ?w } }'
    )
    injected, projected = inject_focus(query, lambda v: f"<F:{v}>")
    assert injected == query.replace("WHERE { ", "WHERE { <F:?this>  ", 1)
    assert projected == ("this", "v")
    assert counts_repeats("SELECT $this (COUNT(?x) AS ?n) WHERE { $this ex:p ?x } GROUP BY $this")
    assert not counts_repeats("SELECT $this (COUNT( DISTINCT ?x) AS ?n) WHERE { $this ex:p ?x }")
    assert not counts_repeats('SELECT $this WHERE { $this ex:count ?x FILTER(?x != "SUM(") }')


def test_every_shipped_shape_is_compiled() -> None:
    shapes = to_graph(read_folder(load_settings(ROOT)).shapes.quads)
    compiler = Compiler(shapes)
    _c, checks, reasons = engine.plan(shapes)
    assert not reasons and len(checks) == len(set(shapes.subjects(RDF.type, SH.NodeShape))) - 1
    assert compiler is not None and Literal(1) is not None
