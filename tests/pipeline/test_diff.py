"""The semantic diff of two versions of an ontology and its shapes: each rule of who it breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from ldkit.pipeline.releases.diff import Change, breaking, diff, graph_prefixes, render
from ldkit.server.namespaces import SCHEMA, SH
from tests.helpers.paths import ROOT

CM = "https://w3id.org/climate-mobility/ontology#"
HEAD = """
@prefix cm: <https://w3id.org/climate-mobility/ontology#> .
@prefix cmsh: <https://w3id.org/climate-mobility/shapes#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
MEETING = "cm:Meeting a owl:Class ; rdfs:label 'meeting'@en .\n"


def turtle(text: str) -> Graph:
    """A graph of Turtle written after the common prefixes."""
    return Graph().parse(data=HEAD + text, format="turtle")


def changes_of(old: str, new: str, data: str | None = None) -> list[Change]:
    """The diff of two Turtle versions (and optional data) in the cm namespace."""
    return diff(turtle(old), turtle(new), CM, turtle(data) if data is not None else None)


def only(changes: list[Change]) -> Change:
    """The one change of a list, failing with the list when there are more or none."""
    assert len(changes) == 1, changes
    return changes[0]


def shape(prop: str, target: str = "cm:Meeting") -> str:
    """A node shape targeting `target` with one property shape of content `prop`."""
    return f"cmsh:S a sh:NodeShape ; sh:targetClass {target} ; sh:property [ {prop} ] .\n"


# --- Terms ------------------------------------------------------------------------------------


def test_a_new_term_is_a_safe_addition() -> None:
    change = only(changes_of(MEETING, MEETING + "cm:Venue a owl:Class ."))
    assert (change.kind, change.subject, change.impact) == ("term added", CM + "Venue", "safe")


def test_a_removed_term_breaks_consumers() -> None:
    change = only(changes_of(MEETING + "cm:Venue a owl:Class .", MEETING))
    assert (change.kind, change.subject) == ("term removed", CM + "Venue")
    assert (change.impact, change.detail) == ("breaking for consumers", "removed")
    assert breaking([change])


def test_a_reused_term_is_not_diffed_as_a_term() -> None:
    assert changes_of(MEETING + "schema:Event a owl:Class .", MEETING) == []


def test_a_rename_says_renamed_to_the_new_term() -> None:
    new = "cm:meets a owl:ObjectProperty ; dcterms:replaces cm:serves ."
    changes = changes_of("cm:serves a owl:ObjectProperty .", new)
    assert [(c.kind, c.subject, c.detail) for c in changes] == [
        ("term removed", CM + "serves", "renamed to cm:meets"),
        ("term added", CM + "meets", "replaces cm:serves"),
    ]


def test_a_deprecated_term_with_a_replacement_is_deprecated_not_removed() -> None:
    old = "cm:serves a owl:ObjectProperty .\ncm:meets a owl:ObjectProperty ."
    new = old + "\ncm:serves owl:deprecated true ; dcterms:isReplacedBy cm:meets ."
    change = only(changes_of(old, new))
    assert (change.kind, change.subject, change.impact) == (
        "term deprecated",
        CM + "serves",
        "safe",
    )
    assert change.detail == "replaced by cm:meets"  # cm:meets was there: not a rename


def test_a_deprecation_names_a_new_term_as_its_new_name_and_a_see_also_as_advice() -> None:
    old = "cm:serves a owl:ObjectProperty .\ncm:meets a owl:ObjectProperty ."
    renamed = old + "\ncm:serves owl:deprecated true ; dcterms:isReplacedBy cm:helps .\n"
    renamed += "cm:helps a owl:ObjectProperty ."
    assert "renamed to cm:helps" in [c.detail for c in changes_of(old, renamed)]
    seen = old + "\ncm:serves owl:deprecated true ; rdfs:seeAlso cm:meets ."
    assert only(changes_of(old, seen)).detail == "see cm:meets"


@pytest.mark.parametrize(
    ("constraint", "breaking"),
    [("sh:minCount 1", True), ("sh:datatype xsd:date", False), ("sh:minCount 0", False)],
)
def test_a_required_property_renamed_breaks_producers_of_the_old_name(
    constraint: str, breaking: bool
) -> None:
    """The shape follows the rename, so nothing moved, but data written for the old version says
    cm:date: a minCount on cm:when fails it. A datatype on a name old data never uses does not."""
    terms = "cm:Meeting a owl:Class .\ncm:date a owl:DatatypeProperty .\n"
    old = terms + shape(f"sh:path cm:date ; {constraint}")
    new = terms + "cm:when a owl:DatatypeProperty .\n"
    new += "cm:date owl:deprecated true ; dcterms:isReplacedBy cm:when .\n"
    new += shape(f"sh:path cm:when ; {constraint}")
    data = "<https://w3id.org/climate-mobility/id/event/x> a cm:Meeting ; cm:date '2016-07-27' ."
    moved = [c for c in changes_of(old, new, data) if c.kind == "constraint tightened"]
    assert [c.impact for c in moved] == (["breaking for producers"] if breaking else [])
    if breaking:
        assert moved[0].subject == "cm:Meeting / cm:when" and moved[0].uses == 1
        assert (
            moved[0].detail == "sh:minCount 1 now asks for cm:when: data that says cm:date lacks it"
        )


def test_a_min_count_added_on_a_renamed_property_is_one_change() -> None:
    """Told once, as the minCount tightened, not again as the rename's requirement."""
    terms = "cm:Meeting a owl:Class .\ncm:date a owl:DatatypeProperty .\n"
    old = terms + shape("sh:path cm:date")
    new = terms + "cm:when a owl:DatatypeProperty .\n"
    new += "cm:date owl:deprecated true ; dcterms:isReplacedBy cm:when .\n"
    new += shape("sh:path cm:when ; sh:minCount 1")
    tightened = [c for c in changes_of(old, new) if c.kind == "constraint tightened"]
    assert [c.detail for c in tightened] == ["minCount none → 1"]


def test_undeprecating_a_term_is_safe() -> None:
    old = "cm:serves a owl:ObjectProperty ; owl:deprecated true ."
    change = only(changes_of(old, "cm:serves a owl:ObjectProperty ."))
    assert (change.kind, change.impact) == ("term undeprecated", "safe")


def test_a_label_change_names_its_language_and_is_safe() -> None:
    old = "cm:Meeting a owl:Class ; rdfs:label 'meeting'@en , 'réunion'@fr ."
    new = "cm:Meeting a owl:Class ; rdfs:label 'meeting'@en , 'rencontre'@fr ."
    change = only(changes_of(old, new))
    assert (change.kind, change.impact) == ("label changed", "safe")
    assert change.detail == 'label@fr "réunion" → "rencontre"'


def test_a_changed_definition_breaks_consumers_and_a_new_language_is_safe() -> None:
    old = "cm:Meeting a owl:Class ; skos:definition 'A gathering.'@en ."
    new = "cm:Meeting a owl:Class ; skos:definition 'A formal gathering.'@en , 'Une réunion.'@fr ."
    changes = changes_of(old, new)
    assert [(c.kind, c.impact, c.detail) for c in changes] == [
        (
            "definition changed",
            "breaking for consumers",
            'definition@en "A gathering." → "A formal gathering."',
        ),
        ("definition changed", "safe", 'definition@fr none → "Une réunion."'),
    ]


def test_a_removed_superclass_breaks_consumers_and_an_added_one_is_safe() -> None:
    old = "cm:Meeting a owl:Class ; rdfs:subClassOf schema:Event ."
    new = "cm:Meeting a owl:Class ; rdfs:subClassOf schema:Thing ."
    changes = changes_of(old, new)
    assert [(c.kind, c.impact, c.detail) for c in changes] == [
        ("hierarchy changed", "breaking for consumers", "superclass schema:Event removed"),
        ("hierarchy changed", "safe", "superclass schema:Thing added"),
    ]


CLASSES = "cm:Place a owl:Class .\ncm:City a owl:Class ; rdfs:subClassOf cm:Place .\n"


@pytest.mark.parametrize(
    ("old_range", "new_range", "how", "impact"),
    [
        ("cm:Place", "cm:City", "narrowed", "breaking for producers"),
        ("cm:City", "cm:Place", "widened", "safe"),
        ("xsd:string", "xsd:date", "narrowed", "breaking for producers"),
        ("xsd:string", "rdfs:Literal", "widened", "safe"),
        ("cm:Place", "schema:Person", "changed", "breaking for consumers"),
    ],
)
def test_a_range_change_is_narrowed_widened_or_changed(
    old_range: str, new_range: str, how: str, impact: str
) -> None:
    old = CLASSES + f"cm:at a owl:ObjectProperty ; rdfs:range {old_range} ."
    new = CLASSES + f"cm:at a owl:ObjectProperty ; rdfs:range {new_range} ."
    change = only(changes_of(old, new))
    assert (change.kind, change.subject, change.impact) == ("range changed", CM + "at", impact)
    assert change.detail.endswith(f"({how})")


def test_a_domain_change_breaks_consumers() -> None:
    old = CLASSES + "cm:at a owl:ObjectProperty ; rdfs:domain cm:Place ."
    new = CLASSES + "cm:at a owl:ObjectProperty ; rdfs:domain cm:City ."
    change = only(changes_of(old, new))
    assert (change.kind, change.impact) == ("domain changed", "breaking for consumers")


def test_a_property_changing_kind_breaks_consumers() -> None:
    old = "cm:m49Code a owl:ObjectProperty ."
    change = only(changes_of(old, "cm:m49Code a owl:DatatypeProperty, rdf:Property ."))
    assert (change.kind, change.impact) == ("kind changed", "breaking for consumers")
    assert change.detail == "kind object property → datatype property"


def test_a_removed_property_used_by_three_subjects_breaks_producers_and_consumers() -> None:
    data = """
    <urn:a> cm:serves <urn:x> , <urn:y> .
    <urn:b> cm:serves <urn:x> .
    <urn:c> cm:serves <urn:x> .
    <urn:d> schema:name "not a use" .
    """
    found = changes_of("cm:serves a owl:ObjectProperty .", "", data)
    # Its producers' data no longer conforms; its consumers' queries answer nothing.
    assert {(c.kind, c.impact, c.uses) for c in found} == {
        ("term removed", "breaking for producers", 3),
        ("term removed", "breaking for consumers", 3),
    }


def test_a_deprecation_counts_the_things_still_using_the_term() -> None:
    data = "<urn:a> a cm:Meeting .\n<urn:b> a cm:Meeting ."
    change = only(changes_of(MEETING, MEETING + "cm:Meeting owl:deprecated true .", data))
    assert (change.kind, change.impact, change.uses) == ("term deprecated", "safe", 2)


# --- Shapes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "kind", "detail"),
    [
        ("sh:minCount 0", "sh:minCount 1", "constraint tightened", "minCount 0 → 1"),
        ("", "sh:minCount 1", "constraint tightened", "minCount none → 1"),
        ("sh:maxCount 3", "sh:maxCount 1", "constraint tightened", "maxCount 3 → 1"),
        ("sh:minCount 1", "", "constraint loosened", "minCount 1 → none"),
        ("sh:in ( 'a' 'b' )", "sh:in ( 'a' 'b' 'c' )", "constraint loosened", None),
        ("sh:in ( 'a' 'b' 'c' )", "sh:in ( 'c' 'a' )", "constraint tightened", None),
        ("sh:severity sh:Warning", "", "constraint tightened", "severity sh:Warning → none"),
        ("sh:severity sh:Warning", "sh:severity sh:Info", "constraint loosened", None),
        ("", "sh:datatype xsd:date", "constraint tightened", None),
        ("sh:datatype xsd:string", "sh:datatype xsd:date", "constraint changed", None),
        ("sh:class schema:Place", "sh:class schema:City", "constraint tightened", None),
        ("sh:nodeKind sh:BlankNodeOrIRI", "sh:nodeKind sh:IRI", "constraint tightened", None),
    ],
)
def test_a_property_constraint_moves(old: str, new: str, kind: str, detail: str | None) -> None:
    ontology = "schema:City rdfs:subClassOf schema:Place .\n"
    path = "sh:path schema:startDate ; "
    change = only(changes_of(ontology + shape(path + old), ontology + shape(path + new)))
    assert (change.kind, change.subject) == (kind, "cm:Meeting / schema:startDate")
    impact = "safe" if kind == "constraint loosened" else "breaking for producers"
    assert change.impact == impact
    if detail is not None:
        assert change.detail == detail


def test_reshuffled_blank_nodes_with_the_same_content_are_no_change() -> None:
    old = """
    cmsh:MeetingShape a sh:NodeShape ; sh:targetClass cm:Meeting ;
        sh:property _:p1 , _:p2 ;
        sh:or ( [ sh:class schema:Place ] [ sh:class schema:Person ] ) .
    _:p1 sh:path schema:startDate ; sh:minCount 1 ; sh:datatype xsd:date .
    _:p2 sh:path ( schema:location schema:name ) ; sh:in ( "a" "b" ) ;
        sh:node [ sh:property [ sh:path schema:name ; sh:minCount 1 ] ] .
    """
    new = """
    cmsh:EventShape a sh:NodeShape ; sh:targetClass cm:Meeting ;
        sh:or ( [ sh:class schema:Person ] [ sh:class schema:Place ] ) ;
        sh:property _:x9 , _:x8 .
    _:x8 sh:datatype xsd:date ; sh:minCount 1 ; sh:path schema:startDate .
    _:x9 sh:node [ sh:property [ sh:minCount 1 ; sh:path schema:name ] ] ;
        sh:in ( "b" "a" ) ; sh:path ( schema:location schema:name ) .
    """
    assert changes_of(old, new) == []
    # The same shapes with one nested value changed are a change, so the test above can fail.
    assert changes_of(
        old, new.replace("sh:minCount 1 ; sh:path schema:name", "sh:path schema:name")
    )


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("( schema:location schema:name )", "schema:location/schema:name"),
        ("[ sh:inversePath schema:organizer ]", "^schema:organizer"),
        ("( [ sh:inversePath schema:organizer ] schema:name )", "^schema:organizer/schema:name"),
        ("[ sh:alternativePath ( schema:name rdfs:label ) ]", "schema:name|rdfs:label"),
        ("[ sh:zeroOrMorePath schema:subEvent ]", "schema:subEvent*"),
        ("[ sh:oneOrMorePath ( schema:a schema:b ) ]", "(schema:a/schema:b)+"),
        ("[ sh:zeroOrOnePath [ sh:inversePath schema:a ] ]", "^schema:a?"),
        (
            "( schema:a [ sh:alternativePath ( schema:b schema:c ) ] )",
            "schema:a/(schema:b|schema:c)",
        ),
    ],
)
def test_paths_are_keyed_as_sparql_property_paths(path: str, text: str) -> None:
    change = only(changes_of("", shape(f"sh:path {path} ; sh:minCount 1")))
    assert change.subject == f"cm:Meeting / {text}"


def test_a_sequence_and_an_inverse_path_are_different_keys() -> None:
    old = shape("sh:path [ sh:inversePath schema:organizer ] ; sh:minCount 1")
    new = shape("sh:path ( schema:location schema:name ) ; sh:minCount 1")
    changes = changes_of(old, new)
    assert [(c.kind, c.subject) for c in changes] == [
        ("constraint added", "cm:Meeting / schema:location/schema:name"),
        ("constraint removed", "cm:Meeting / ^schema:organizer"),
    ]
    assert [c.impact for c in changes] == ["breaking for producers", "safe"]


def test_a_shape_targeting_subjects_of_a_property_is_keyed_by_that_target() -> None:
    target = "cmsh:Links a sh:NodeShape ; sh:targetSubjectsOf skos:exactMatch ;"
    old = target + " sh:property [ sh:path skos:exactMatch ; sh:pattern '^http://www' ] ."
    new = target + " sh:property [ sh:path skos:exactMatch ; sh:pattern '^https://www' ] ."
    data = "<urn:a> skos:exactMatch <urn:x> .\n<urn:b> skos:exactMatch <urn:y> .\n"
    change = only(changes_of(old, new, data + "<urn:x> skos:related <urn:a> ."))
    assert change.subject == "subjects of skos:exactMatch / skos:exactMatch"
    assert (change.kind, change.impact, change.uses) == (
        "constraint changed",
        "breaking for producers",
        2,
    )


def test_an_implicit_class_target_keys_by_the_class() -> None:
    old = "cm:Meeting a rdfs:Class, sh:NodeShape ;"
    old += " sh:property [ sh:path schema:name ; sh:maxCount 2 ] ."
    change = only(changes_of(old, old.replace("maxCount 2", "maxCount 1")))
    assert (change.kind, change.subject) == ("constraint tightened", "cm:Meeting / schema:name")


SPARQL = """
cmsh:S a sh:NodeShape ; sh:targetClass schema:Event ;
    sh:sparql [ sh:message "ends before it starts" ; sh:select \"\"\"
        SELECT $this WHERE { $this schema:endDate ?end ; schema:startDate ?start .
        FILTER (?end < ?start) }\"\"\" ] .
"""


def test_a_node_level_sparql_constraint_changed_is_a_changed_constraint() -> None:
    assert changes_of(SPARQL, SPARQL.replace("\n        FILTER", " FILTER")) == []
    change = only(changes_of(SPARQL, SPARQL.replace("?end < ?start", "?end <= ?start")))
    assert (change.kind, change.subject) == ("constraint changed", "schema:Event / (node)")
    assert change.impact == "breaking for producers"


def test_a_new_shape_is_counted_on_the_focus_nodes_it_selects() -> None:
    data = "<urn:a> a cm:Meeting .\n<urn:b> a cm:Meeting .\n<urn:c> a schema:Event ."
    change = only(changes_of("", shape("sh:path schema:name ; sh:maxCount 1"), data))
    assert (change.kind, change.impact, change.uses) == (
        "constraint added",
        "breaking for producers",
        2,
    )


def test_a_shape_for_a_class_new_in_this_version_is_safe() -> None:
    # No data made for the old version can hold instances of a class it did not have.
    new_class = "cm:Workshop a owl:Class ; rdfs:label 'workshop'@en .\n"
    strict = shape("sh:path schema:location ; sh:minCount 1", "cm:Workshop")
    change = only(
        [c for c in changes_of(MEETING, MEETING + new_class + strict) if c.kind != "term added"]
    )
    assert (change.kind, change.impact) == ("constraint added", "safe")
    # The same shape on a class the old version had is breaking.
    old = MEETING + new_class
    assert only(changes_of(old, old + strict)).impact == "breaking for producers"


def test_a_target_added_to_a_shape_is_one_added_constraint_on_that_target() -> None:
    classes = MEETING + "cm:Visit a owl:Class .\ncm:Speech a owl:Class .\n"
    prop = "sh:path schema:name ; sh:minCount 1"
    old = classes + shape(prop, "cm:Meeting, cm:Visit")
    new = classes + shape(prop, "cm:Meeting, cm:Visit, cm:Speech")
    data = "<urn:a> a cm:Meeting .\n<urn:b> a cm:Speech .\n<urn:c> a cm:Speech ."
    change = only(changes_of(old, new, data))
    assert (change.kind, change.subject) == ("constraint added", "cm:Speech / schema:name")
    assert (change.impact, change.uses) == ("breaking for producers", 2)  # the speeches only
    removed = only(changes_of(new, old, data))
    assert (removed.kind, removed.subject, removed.impact) == (
        "constraint removed",
        "cm:Speech / schema:name",
        "safe",
    )


def test_a_retargeted_shape_that_also_tightens_says_both() -> None:
    classes = MEETING + "cm:Visit a owl:Class .\n"
    old = classes + shape("sh:path schema:name ; sh:maxCount 2", "cm:Meeting")
    new = classes + shape("sh:path schema:name ; sh:maxCount 1", "cm:Meeting, cm:Visit")
    found = {(c.kind, c.subject) for c in changes_of(old, new)}
    assert found == {
        ("constraint added", "cm:Visit / schema:name"),
        ("constraint tightened", "cm:Meeting, cm:Visit / schema:name"),
    }


def test_a_removed_shape_is_safe() -> None:
    change = only(changes_of(shape("sh:path schema:name ; sh:minCount 1"), ""))
    assert (change.kind, change.impact, change.uses) == ("constraint removed", "safe", None)
    assert not breaking([change])


# --- Rendering --------------------------------------------------------------------------------

OLD = MEETING + "cm:serves a owl:ObjectProperty .\n" + shape("sh:path schema:name ; sh:minCount 0")
NEW = MEETING + "cm:Venue a owl:Class .\n" + shape("sh:path schema:name ; sh:minCount 1")


def rendered(fmt: str) -> str:
    """The diff of OLD and NEW, with data, rendered in `fmt` with the graphs' prefixes."""
    old, new = turtle(OLD), turtle(NEW)
    data = turtle("<urn:a> a cm:Meeting ; cm:serves <urn:b> .")
    labels = {CM + "Venue": "venue"}.get
    return render(diff(old, new, CM, data), fmt, lambda i: labels(i) or "?", graph_prefixes(old))


def test_markdown_has_a_section_per_impact_and_counts_things() -> None:
    text = rendered("markdown")
    producers, rest = text.split("### Breaking for consumers")
    consumers, safe = rest.split("### Safe")
    assert producers.startswith("### Breaking for producers")
    assert (
        "- **constraint tightened** `cm:Meeting / schema:name` — minCount 0 → 1 (1 thing)"
        in producers
    )
    assert "- **term removed** `cm:serves` (?) — removed (1 thing)" in producers
    assert consumers.strip() == "- **term removed** `cm:serves` (?) — removed (1 thing)"
    assert "- **term added** `cm:Venue` (venue) — added (0 things)" in safe


def test_json_lists_each_change_with_its_impact_and_full_iri() -> None:
    records = json.loads(rendered("json"))
    assert [r["impact"] for r in records] == ["breaking for producers"] * 2 + [
        "breaking for consumers",
        "safe",
    ]
    removed = next(r for r in records if r["kind"] == "term removed")
    assert (removed["subject"], removed["iri"], removed["uses"]) == ("cm:serves", CM + "serves", 1)


def test_the_table_has_one_aligned_line_per_change_breaking_first() -> None:
    lines = rendered("table").splitlines()
    assert lines[0].split() == ["IMPACT", "KIND", "SUBJECT", "DETAIL", "USES"]
    assert len(lines) == 5
    assert [line.startswith("breaking") for line in lines[1:]] == [True, True, True, False]
    kind_column = lines[0].index("KIND")
    assert all(line[kind_column - 2 : kind_column] == "  " for line in lines)
    assert "cm:Venue" in lines[4]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="markdown"):
        render([], "html")


# --- The repository's own ontology and shapes ---------------------------------------------------


def repository_version() -> Graph:
    """The repository's ontology and shapes in one graph."""
    graph = Graph()
    for path in sorted(
        [*Path(ROOT, "ontology").glob("*.ttl"), *Path(ROOT, "shapes").glob("*.ttl")]
    ):
        graph.parse(path, format="turtle")
    return graph


def test_the_repository_version_has_no_change_from_itself() -> None:
    assert diff(repository_version(), repository_version(), CM) == []


def test_raising_one_min_count_of_the_repository_is_exactly_one_tightened_change() -> None:
    old, new = repository_version(), repository_version()
    (unit_text,) = new.subjects(SH.path, SCHEMA.unitText)
    new.set((unit_text, SH.minCount, Literal(2)))
    change = only(diff(old, new, CM))
    assert (change.kind, change.subject) == (
        "constraint tightened",
        "schema:QuantitativeValue / schema:unitText",
    )
    assert change.detail == "minCount 1 → 2"
