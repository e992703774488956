"""A release round trip (issue 12): 1.0.0, then a rename, a deprecation, a tightened shape and a
new term; the diff classifies each change, 1.1.0 is refused, 2.0.0 released, and both versions
answer in HTML and Turtle with the changelog written."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL

from ldkit.pipeline.build import build_folder
from ldkit.server.settings import load_settings
from tests.helpers.paths import FIXTURES
from tests.helpers.support import run_cli

LIB = "https://example.org/library/ontology#"
ONTOLOGY = URIRef("https://example.org/library/ontology")


def version_iri(number: str) -> URIRef:
    return URIRef(f"https://example.org/library/ontology/{number}")


def evolve(root: Path) -> None:
    """What a maintainer changed after 1.0.0."""
    assert run_cli(root, "rename", "lib:borrowedBy", "lib:loanedTo").exit_code == 0
    ontology = root / "ontology" / "library.ttl"
    text = ontology.read_text(encoding="utf-8")
    text = text.replace(
        '"Un court imprimé."@fr ;', '"Un court imprimé."@fr ;\n    owl:deprecated true ;'
    )
    text += (
        "\nlib:isbn a owl:DatatypeProperty ;\n"
        '    rdfs:label "ISBN"@en , "ISBN"@fr ;\n'
        '    skos:definition "The book\'s ISBN."@en , "L\'ISBN du livre."@fr ;\n'
        "    rdfs:domain lib:Book ; rdfs:range xsd:string ;\n"
        "    rdfs:isDefinedBy <https://example.org/library/ontology> .\n"
    )
    ontology.write_text(text, encoding="utf-8")
    shapes = root / "shapes" / "library.ttl"
    tightened = shapes.read_text(encoding="utf-8").replace(
        "sh:datatype xsd:string ;", "sh:datatype xsd:string ;\n        sh:minCount 1 ;"
    )
    shapes.write_text(tightened, encoding="utf-8")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(FIXTURES / "library", root)
    first = run_cli(root, "release", "1.0.0", "--date", "2026-01-10")
    assert first.exit_code == 0, first.output
    evolve(root)
    return root


def test_the_diff_classifies_every_change(library: Path) -> None:
    result = run_cli(library, "diff", "--format", "json")
    assert result.exit_code == 0
    found = {(c["kind"], c["subject"]): c for c in json.loads(result.stdout)}
    expected = {
        ("constraint tightened", "lib:Book / lib:shelfMark"): "breaking for producers",
        ("term deprecated", "lib:Pamphlet"): "safe",
        ("term deprecated", "lib:borrowedBy"): "safe",
        ("term added", "lib:loanedTo"): "safe",
        ("term added", "lib:isbn"): "safe",
    }
    assert {key: c["impact"] for key, c in found.items()} == expected
    assert found[("term deprecated", "lib:borrowedBy")]["detail"].startswith(
        "renamed to lib:loanedTo"
    )
    assert found[("constraint tightened", "lib:Book / lib:shelfMark")]["uses"] == 2  # two books
    assert run_cli(library, "diff", "--fail-on", "breaking").exit_code == 1


def test_a_minor_version_is_refused_and_writes_nothing(library: Path) -> None:
    ontology = (library / "ontology" / "library.ttl").read_text(encoding="utf-8")
    changelog = (library / "releases" / "CHANGELOG.md").read_text(encoding="utf-8")
    refused = run_cli(library, "release", "1.1.0")
    assert refused.exit_code == 1
    assert "major version (2.0.0)" in refused.stderr
    assert "Breaking: lib:Book / lib:shelfMark (constraint tightened" in refused.stderr
    again = run_cli(library, "release", "1.0.0")
    assert again.exit_code == 1 and "1.0.0 is released already" in again.stderr
    malformed = run_cli(library, "release", "1.1")
    assert malformed.exit_code == 2, malformed.output
    assert (library / "ontology" / "library.ttl").read_text(encoding="utf-8") == ontology
    assert (library / "releases" / "CHANGELOG.md").read_text(encoding="utf-8") == changelog
    assert not (library / "releases" / "1.1.0").exists()


def test_a_release_dated_before_the_last_one_is_refused_and_writes_nothing(library: Path) -> None:
    ontology = (library / "ontology" / "library.ttl").read_text(encoding="utf-8")
    refused = run_cli(library, "release", "2.0.0", "--date", "2020-01-01")
    assert refused.exit_code == 1
    assert "2020-01-01 is before" in refused.stderr and "2026-01-10" in refused.stderr
    assert (library / "ontology" / "library.ttl").read_text(encoding="utf-8") == ontology
    assert not (library / "releases" / "2.0.0").exists()


def test_a_major_version_is_released_with_its_header_snapshot_and_changelog(library: Path) -> None:
    done = run_cli(library, "release", "2.0.0", "--date", "2026-02-01")
    assert done.exit_code == 0, done.output
    header = Graph().parse(library / "ontology" / "library.ttl")
    assert header.value(ONTOLOGY, OWL.versionIRI) == version_iri("2.0.0")
    assert header.value(ONTOLOGY, OWL.versionInfo) == Literal("2.0.0")
    assert header.value(ONTOLOGY, OWL.priorVersion) == version_iri("1.0.0")
    text = (library / "ontology" / "library.ttl").read_text(encoding="utf-8")
    assert 'owl:versionInfo "2.0.0" ;\n    owl:priorVersion' in text  # facts beside their kin
    assert 'dcterms:created "2026-01-10"^^xsd:date ;\n    dcterms:issued' in text
    frozen = Graph().parse(library / "releases" / "2.0.0" / "ontology.ttl")
    assert (URIRef(LIB + "isbn"), None, None) in frozen
    changelog = (library / "releases" / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split("## 2.0.0 — 2026-02-01", 1)[1].split("## 1.0.0", 1)[0]
    assert "### Breaking for producers" in section
    assert "`lib:Book / lib:shelfMark` — minCount none → 1 (2 things)" in section
    assert "(ISBN / ISBN)" in section  # labels in both languages
    assert run_cli(library, "diff", "--fail-on", "breaking").exit_code == 0  # nothing since


def test_both_versions_answer_in_html_and_turtle(
    library: Path, app_client: Callable[..., FlaskClient]
) -> None:
    assert run_cli(library, "release", "2.0.0", "--date", "2026-02-01").exit_code == 0
    settings = load_settings(library)
    build_folder(settings)
    client = app_client(settings)
    for number, has_isbn in (("1.0.0", False), ("2.0.0", True)):
        assert client.get(f"/ontology/{number}").headers["Location"] == f"/ontology/{number}.html"
        turtle = client.get(f"/ontology/{number}.ttl")
        assert turtle.status_code == 200
        graph = Graph().parse(data=turtle.data, format="turtle")
        assert graph.value(ONTOLOGY, OWL.versionInfo) == Literal(number)
        assert ((URIRef(LIB + "isbn"), None, None) in graph) is has_isbn
        assert b"@prefix lib: <https://example.org/library/ontology#>" in turtle.data
        page = client.get(f"/ontology/{number}.html?_lang=en").get_data(as_text=True)
        assert f"This is release {number}" in page
    prior = Graph().parse(data=client.get("/ontology/2.0.0.ttl").data, format="turtle")
    assert prior.value(ONTOLOGY, OWL.priorVersion) == version_iri("1.0.0")
    changes = client.get("/ontology/2.0.0.html?_lang=en").get_data(as_text=True)
    assert 'id="changes"' in changes and "minCount none → 1" in changes
    current = client.get("/ontology.html?_lang=en").get_data(as_text=True)
    listed = current.split('id="releases"', 1)[1]
    assert '"/ontology/2.0.0.html?_lang=en"' in listed
    assert '"/ontology/2.0.0.html?_lang=en#changes"' in listed  # its changelog section
    assert '"/ontology/1.0.0.html?_lang=en"' in listed and "1 February 2026" in listed
    assert client.get("/ontology/1.1.0").status_code == 404


def test_the_shipped_dataset_releases_0_2_0_and_0_1_0_still_answers(
    dataset_copy: Path, app_client: Callable[..., FlaskClient]
) -> None:
    ontology = dataset_copy / "ontology" / "climate-mobility.ttl"
    text = ontology.read_text(encoding="utf-8").replace(
        'dcterms:creator "ldkit contributors" ;',
        'dcterms:creator "ldkit contributors" ;\n    dcterms:bibliographicCitation'
        ' "ldkit contributors (2026). Climate-mobility ontology."@en ;',
    )
    ontology.write_text(text, encoding="utf-8")
    done = run_cli(dataset_copy, "release", "0.2.0", "--date", "2026-12-03")
    assert done.exit_code == 0, done.output
    settings = load_settings(dataset_copy, out=dataset_copy / "dist")
    build_folder(settings)
    client = app_client(settings)
    cm = "https://w3id.org/climate-mobility/ontology"
    for number in ("0.1.0", "0.2.0"):
        assert client.get(f"/ontology/{number}").headers["Location"] == f"/ontology/{number}.html"
        assert client.get(f"/ontology/{number}.html").status_code == 200
        graph = Graph().parse(data=client.get(f"/ontology/{number}.ttl").data, format="turtle")
        assert graph.value(URIRef(cm), OWL.versionInfo) == Literal(number)
    current = Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    assert current.value(URIRef(cm), OWL.priorVersion) == URIRef(f"{cm}/0.1.0")
    page = client.get("/ontology.html?_lang=en").get_data(as_text=True)
    assert "ldkit contributors (2026). Climate-mobility ontology." in page  # its own citation
