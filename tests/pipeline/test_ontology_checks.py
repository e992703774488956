"""ldkit's ontology checks: each catches its flaw in a folder of its own, none fires on ours."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from ldkit.pipeline.deprecation import deprecated_terms
from ldkit.pipeline.loading import read_folder
from ldkit.pipeline.ontology_checks import HERE, catalogue, default_profile
from ldkit.server.settings import Settings, load_settings
from tests.helpers.paths import FIXTURES
from tests.helpers.support import run_cli

BROKEN = FIXTURES / "broken-ontology"
CHECK_IDS = [check.id for check in catalogue()]


def _findings(root: Path, *args: str) -> list[dict[str, object]]:
    result = run_cli(root, "validate", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["violations"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def broken_findings() -> list[dict[str, object]]:
    return _findings(BROKEN)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    shutil.copytree(BROKEN, tmp_path / "zoo")
    return tmp_path / "zoo"


@pytest.mark.parametrize("check", [c for c in CHECK_IDS if c != "missing-ontology"])
def test_each_check_catches_its_flaw_with_its_severity(
    check: str, broken_findings: list[dict[str, object]]
) -> None:
    caught = [f for f in broken_findings if f["constraint"] == check]
    assert caught, f"{check} found nothing in {BROKEN}"
    assert {f["severity"] for f in caught} == {default_profile()[check]}
    assert all(f["files"] for f in caught), "a finding names the file to fix"


def test_a_folder_without_an_ontology_header_is_told(broken: Path) -> None:
    ontology = broken / "ontology" / "zoo.ttl"
    text = ontology.read_text(encoding="utf-8")
    header = text[text.index("<https://example.net/zoo/ontology> a") :]
    ontology.write_text(text.replace(header[: header.index(" .\n") + 3], ""), encoding="utf-8")
    caught = [f for f in _findings(broken) if f["constraint"] == "missing-ontology"]
    assert [f["severity"] for f in caught] == ["warning"]


def test_the_shipped_dataset_has_no_error_and_no_warning(repo_settings: Settings) -> None:
    result = run_cli(repo_settings.root, "validate", "--format", "json", "--fail-on", "warning")
    report = json.loads(result.output)
    assert result.exit_code == 0, [v for v in report["violations"] if v["severity"] != "info"]
    assert "ontology checks" in report["checked"]


def test_no_check_names_a_dataset() -> None:
    for path in HERE.glob("*.rq"):
        text = path.read_text(encoding="utf-8")
        assert "climate-mobility" not in text and "example." not in text, path.name
        assert "#+ description:" in text and "#+ message:" in text, path.name
    assert sorted(p.stem for p in HERE.glob("*.rq")) == sorted(
        c.id for c in catalogue() if c.scope != "queries"
    ), "every check file has a severity in profile.toml, and every entry a file"


def test_the_deprecation_warning_names_the_replacement(
    broken_findings: list[dict[str, object]],
) -> None:
    used = [f for f in broken_findings if str(f["constraint"]).startswith("deprecated-term-")]
    places = {str(f["files"][0]).split("/")[0] for f in used}  # type: ignore[index]
    assert places == {"data", "shapes", "queries"}
    for finding in used:
        assert "zoo:looksAfter (replaced by zoo:feeds)" in str(finding["message"])


def test_a_term_with_only_something_to_consider_is_not_said_replaced(broken: Path) -> None:
    """`rdfs:seeAlso` names what to consider, not a replacement: the warnings say "see"."""
    ontology = broken / "ontology" / "zoo.ttl"
    text = ontology.read_text(encoding="utf-8")
    ontology.write_text(text.replace("dcterms:isReplacedBy zoo:feeds", "rdfs:seeAlso zoo:feeds"))
    used = [f for f in _findings(broken) if str(f["constraint"]).startswith("deprecated-term-")]
    assert {str(f["files"][0]).split("/")[0] for f in used} == {"data", "shapes", "queries"}  # type: ignore[index]
    for finding in used:
        assert str(finding["message"]).endswith("zoo:looksAfter (see zoo:feeds)"), finding
        assert "replaced" not in str(finding["message"])


def test_a_range_admits_the_datatypes_derived_from_it(broken: Path) -> None:
    """An xsd:integer is an xsd:decimal (XML Schema 3.4.13): only the string is out of range,
    and the message says what datatype the value has."""
    with (broken / "ontology" / "zoo.ttl").open("a", encoding="utf-8") as stream:
        stream.write(
            '\nzoo:weight a owl:DatatypeProperty ; rdfs:label "weight"@en , "poids"@fr ;\n'
            '    skos:definition "In kilograms."@en , "En kilogrammes."@fr ;\n'
            "    rdfs:range xsd:decimal ; rdfs:isDefinedBy <https://example.net/zoo/ontology> .\n"
        )
    with (broken / "data" / "things.ttl").open("a", encoding="utf-8") as stream:
        stream.write(
            "\n<https://example.net/zoo/id/animal/rex> zoo:weight 12 , 12.5 , "
            '"12"^^<http://www.w3.org/2001/XMLSchema#positiveInteger> , "heavy" .\n'
        )
    found = [
        str(f["message"])
        for f in _findings(broken)
        if f["constraint"] == "range-mismatch" and "zoo:weight" in str(f["message"])
    ]
    assert found == ['zoo:weight "heavy" (xsd:string) is not a xsd:decimal']


def test_an_ill_typed_literal_is_one_finding_and_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ "2.5"^^xsd:integer: rdflib printed a traceback for it (twice), and nothing named it."""
    folder = tmp_path / "reef"
    assert (
        run_cli(tmp_path, "init", str(folder), "--base-iri", "https://w3id.org/reef/").exit_code
        == 0
    )
    shapes = folder / "shapes" / "reef.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8").replace(
            "sh:uniqueLang true\n    ] .",
            "sh:uniqueLang true\n    ] , [ sh:path rdfs:comment ; sh:datatype xsd:decimal ] .",
        ),
        encoding="utf-8",
    )
    with (folder / "data" / "reef.trig").open("a", encoding="utf-8") as stream:
        stream.write('\n<https://w3id.org/reef/id/item/first> rdfs:comment "2.5"^^xsd:integer .\n')
    caplog.set_level(logging.WARNING)
    result = run_cli(folder, "validate", "--format", "json")
    assert result.exit_code == 1
    assert not [r for r in caplog.records if r.name.startswith("rdflib")]  # each had a traceback
    found = [
        v for v in json.loads(result.stdout)["violations"] if v["constraint"] == "ill-typed-literal"
    ]
    assert [v["message"] for v in found] == [
        'rdfs:comment "2.5"^^xsd:integer is not a valid xsd:integer'
        " (fix the value, or its datatype)"
    ]
    assert found[0]["files"] == ["data/reef.trig"]


def test_the_profile_is_overridden_per_check_by_the_settings(broken: Path) -> None:
    with (broken / "ldkit.toml").open("a", encoding="utf-8") as stream:
        stream.write('\n[checks]\nmissing-definition = "info"\nhierarchy-cycle = "off"\n')
    found = _findings(broken)
    assert {f["severity"] for f in found if f["constraint"] == "missing-definition"} == {"info"}
    assert not [f for f in found if f["constraint"] == "hierarchy-cycle"]


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ('missing-defintion = "info"', "unknown ontology check(s) in the checks setting"),
        ('missing-definition = "fatal"', "checks.missing-definition = 'fatal'"),
    ],
)
def test_a_wrong_checks_setting_exits_2_saying_what_is_wrong(
    broken: Path, setting: str, says: str
) -> None:
    with (broken / "ldkit.toml").open("a", encoding="utf-8") as stream:
        stream.write(f"\n[checks]\n{setting}\n")
    result = run_cli(broken, "validate")
    assert result.exit_code == 2
    assert says in result.output


def test_no_ontology_checks_leaves_them_out(broken: Path) -> None:
    result = run_cli(broken, "validate", "--no-ontology-checks", "--format", "json")
    report = json.loads(result.output)
    assert "ontology checks" not in report["checked"]
    assert report["violations"] == [] and result.exit_code == 0


# The probes of issue 11, each appended to ontology/climate-mobility.ttl of a copy of ours.
PROBES = {
    "hierarchy-cycle": "cm:A a owl:Class ; rdfs:subClassOf cm:B . cm:B a owl:Class ; "
    "rdfs:subClassOf cm:A .",
    "incompatible-types": "cm:serves a owl:DatatypeProperty , owl:Class .",
    "unknown-datatype": "cm:m49Code rdfs:range xsd:strnig .",
    "unknown-domain-or-range": "cm:pillar rdfs:domain schema:Visit .",
    "unused-term": 'cm:visits a owl:ObjectProperty ; rdfs:label "visits"@en , "visite"@fr .',
    "multiple-labels": 'cm:pillar rdfs:label "strand"@en .',
    "reused-term-hijacked": "schema:Event rdfs:subClassOf cm:pillar .",
    "missing-definition": 'cm:visits a owl:ObjectProperty ; rdfs:label "visits"@en , "visite"@fr .',
    "missing-defined-by": 'cm:visits a owl:ObjectProperty ; rdfs:label "visits"@en , "visite"@fr .',
}


@pytest.mark.parametrize("check", sorted(PROBES))
def test_the_issue_probes_each_give_a_finding(check: str, dataset_copy: Path) -> None:
    with (dataset_copy / "ontology" / "climate-mobility.ttl").open("a", encoding="utf-8") as out:
        out.write("\n" + PROBES[check] + "\n")
    caught = [f for f in _findings(dataset_copy) if f["constraint"] == check]
    assert caught, f"{check} did not catch: {PROBES[check]}"


def test_the_ontology_version_terms_are_accepted(dataset_copy: Path) -> None:
    ontology = dataset_copy / "ontology" / "climate-mobility.ttl"
    text = ontology.read_text(encoding="utf-8")
    version = 'owl:versionInfo "0.1.0" ;'
    assert version in text
    ontology.write_text(
        text.replace(
            version,
            version + "\n    owl:priorVersion <https://w3id.org/climate-mobility/ontology/0.0.9> ;"
            "\n    owl:backwardCompatibleWith <https://w3id.org/climate-mobility/ontology/0.0.9> ;"
            "\n    owl:incompatibleWith <https://w3id.org/climate-mobility/ontology/0.0.1> ;",
        ),
        encoding="utf-8",
    )
    result = run_cli(dataset_copy, "validate", "--fail-on", "warning")
    assert result.exit_code == 0, result.output


def test_a_deprecation_written_as_a_string_is_an_error_and_deprecates_nothing(
    broken_findings: list[dict[str, object]],
) -> None:
    # `owl:deprecated "true"` once read as deprecated by some tools and not by others.
    about = [f for f in broken_findings if f["focus"] == "zoo:sweeps"]
    assert {str(f["constraint"]) for f in about if f["severity"] == "error"} == {
        "deprecated-not-boolean"
    }
    assert '"true"' in str(about[0]["message"])
    assert not any(str(f["constraint"]).startswith("deprecated-term-") for f in about)
    folder = read_folder(load_settings(BROKEN))
    assert not any(term.endswith("sweeps") for term in deprecated_terms(folder))
