"""`ldkit link check|suggest|report` against real local servers holding small fixtures.

Wikidata is a real Oxigraph server loaded with `fixtures/wikidata/excerpt.ttl`; UNBIS, the SDG
KOS and GeoNames are a loopback HTTP server answering per-concept Turtle from
`fixtures/concepts/`. Never the internet.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import OWL, PROV, SKOS

from ldkit.pipeline.linking.labels import MATCH, similarity
from ldkit.pipeline.linking.links import Thing
from ldkit.pipeline.linking.suggest import WD, score
from ldkit.pipeline.linking.targets import TARGETS
from ldkit.server.namespaces import SCHEMA
from tests.helpers.concept_server import ConceptServer
from tests.helpers.paths import FIXTURES, ROOT
from tests.helpers.servers import free_port
from tests.helpers.stores import OxigraphServer
from tests.helpers.support import run_cli

WIKIDATA_FIXTURE = FIXTURES / "wikidata" / "excerpt.ttl"
DOCUMENT_TARGETS = ("unbis", "sdg", "geonames")
BASE = "https://w3id.org/climate-mobility/"


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real Oxigraph SPARQL server holding the Wikidata-shaped fixture."""
    with OxigraphServer(tmp_path_factory.mktemp("wikidata")).load(WIKIDATA_FIXTURE) as server:
        yield server


@pytest.fixture(scope="module")
def concepts() -> Iterator[ConceptServer]:
    """Per-concept Turtle for UNBIS, the SDG KOS and GeoNames, on loopback."""
    fixtures = {
        key: (FIXTURES / "concepts" / f"{key}.ttl", TARGETS[key].namespace)
        for key in DOCUMENT_TARGETS
    }
    with ConceptServer(fixtures) as server:
        yield server


@pytest.fixture
def endpoints(wikidata: OxigraphServer, concepts: ConceptServer) -> list[str]:
    """The `--endpoint` options sending every target to the local servers."""
    options = ["--endpoint", wikidata.query_url]
    for key in DOCUMENT_TARGETS:
        options += ["--endpoint", f"{key}={concepts.url(key)}"]
    return options


def _edit_links(root: Path, target: str, old: str, new: str) -> None:
    path = root / "data" / "links" / f"{target}.trig"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_check_is_green_on_the_shipped_links(dataset_copy: Path, endpoints: list[str]) -> None:
    result = run_cli(dataset_copy, "link", "check", *endpoints)
    assert result.exit_code == 0, result.output
    assert "checked 31 links: 0 missing, 0 redirect, 0 label mismatch" in result.stderr
    assert result.stdout == ""
    for key in TARGETS:
        cache = (dataset_copy / "data" / "links" / "cache" / f"{key}.ttl").read_text()
        assert "check:checked" in cache and "rdfs:label" in cache


def test_a_missing_target_exits_1_and_is_named(dataset_copy: Path, endpoints: list[str]) -> None:
    _edit_links(dataset_copy, "wikidata", "wd:Q7903 .", "wd:Q99999999 .")
    result = run_cli(dataset_copy, "link", "check", "--target", "wikidata", *endpoints[:2])
    assert result.exit_code == 1
    assert "missing: place/casablanca exactMatch wikidata:Q99999999" in result.stdout
    assert "missing target(s): wikidata:Q99999999" in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_target_leaves_the_others_findings_shown(
    dataset_copy: Path, endpoints: list[str]
) -> None:
    # One target answering HTTP 500 (or not at all) hid every finding of the others.
    _edit_links(dataset_copy, "wikidata", "wd:Q7903 .", "wd:Q99999999 .")
    dead = [
        f"geonames=http://127.0.0.1:{free_port()}/" if o.startswith("geonames=") else o
        for o in endpoints
    ]
    result = run_cli(dataset_copy, "link", "check", *dead)
    assert result.exit_code == 2
    assert "missing: place/casablanca exactMatch wikidata:Q99999999" in result.stdout
    assert "GeoNames not checked: cannot fetch" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_concept_of_a_document_target_is_named(
    dataset_copy: Path, endpoints: list[str]
) -> None:
    _edit_links(dataset_copy, "unbis", "unbis:1007107 .", "unbis:1099999 .")
    result = run_cli(dataset_copy, "link", "check", "--target", "unbis", *endpoints[2:4])
    assert result.exit_code == 1
    assert "missing: concept/axis-youth-support relatedMatch unbis:1099999" in result.stdout


def test_a_label_mismatch_is_reported(dataset_copy: Path, endpoints: list[str]) -> None:
    # Casablanca linked to Marrakesh's item: the item exists, its labels are not ours.
    _edit_links(dataset_copy, "wikidata", "wd:Q7903 .", "wd:Q101625 .")
    result = run_cli(dataset_copy, "link", "check", "--target", "wikidata", *endpoints[:2])
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("label mismatch")]
    assert len(lines) == 2  # in English and in French
    assert "place/casablanca exactMatch wikidata:Q101625 (graph graph/links-wikidata)" in lines[0]
    assert '"Casablanca"@en' in result.stdout and '"Marrakesh"@en' in result.stdout


@pytest.mark.parametrize(
    ("target", "link", "written", "item"),
    [
        ("wikidata", "wd:Q7903 .", "https://www.wikidata.org/wiki/Q7903", "wikidata:Q7903"),
        (
            "geonames",
            "<https://sws.geonames.org/2553604/> .",
            "https://www.geonames.org/2553604/casablanca.html",
            "geonames:2553604/",
        ),
    ],
)
def test_a_link_to_an_items_page_is_miswritten_and_its_item_still_checked(
    dataset_copy: Path, endpoints: list[str], target: str, link: str, written: str, item: str
) -> None:
    """A link to the item's web page (or https for http) is no link to the item: it exits 1,
    names the item's own IRI, and the item is checked as if it were written right."""
    _edit_links(dataset_copy, target, link, f"<{written}> .")
    result = run_cli(dataset_copy, "link", "check", *endpoints)
    assert result.exit_code == 1, result.output
    assert f"miswritten: place/casablanca exactMatch <{written}>" in result.stdout
    assert f"write {item} (<{TARGETS[target].namespace}{item.split(':', 1)[1]}>)" in result.stdout
    assert "missing" not in result.stdout and "label mismatch" not in result.stdout
    assert f"miswritten target(s): <{written}>" in result.stderr


def test_two_things_said_to_be_one_item_are_both_named(
    dataset_copy: Path, endpoints: list[str]
) -> None:
    _edit_links(dataset_copy, "wikidata", "wd:Q7903 .", "wd:Q101625 .")  # Marrakesh's item
    result = run_cli(dataset_copy, "link", "check", "--target", "wikidata", *endpoints[:2])
    shared = [line for line in result.stdout.splitlines() if line.startswith("shared:")]
    assert len(shared) == 2, result.stdout
    assert "place/casablanca exactMatch wikidata:Q101625" in shared[0]
    assert shared[0].endswith("place/marrakech also said to be it")
    assert "place/marrakech exactMatch wikidata:Q101625" in shared[1]
    assert "2 shared" in result.stderr  # a warning: the exit code stays 0
    assert result.exit_code == 0


def test_a_redirect_is_reported(dataset_copy: Path, endpoints: list[str]) -> None:
    _edit_links(dataset_copy, "wikidata", "wd:Q7903 .", "wd:Q99990001 .")
    result = run_cli(dataset_copy, "link", "check", "--target", "wikidata", *endpoints[:2])
    assert result.exit_code == 0
    assert (
        "redirect: place/casablanca exactMatch wikidata:Q99990001 (graph graph/links-wikidata): "
        "wikidata:Q99990001 was merged into wikidata:Q7903" in result.stdout
    )
    assert "label mismatch" not in result.stdout  # the survivor's labels are compared


def test_the_cache_makes_a_second_run_work_offline(dataset_copy: Path, tmp_path: Path) -> None:
    with OxigraphServer(tmp_path / "store").load(WIKIDATA_FIXTURE) as server:
        first = run_cli(
            dataset_copy, "link", "check", "--target", "wikidata", "--endpoint", server.query_url
        )
        assert first.exit_code == 0
        assert "(9 asked, 0 from the cache)" in first.stderr
        server.stop()
        second = run_cli(
            dataset_copy, "link", "check", "--target", "wikidata", "--endpoint", server.query_url
        )
        assert second.exit_code == 0, second.output
        assert "(0 asked, 9 from the cache)" in second.stderr
        refused = run_cli(
            dataset_copy,
            "link",
            "check",
            "--target",
            "wikidata",
            "--endpoint",
            server.query_url,
            "--no-cache",
        )
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: cannot query http://127.0.0.1:")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_an_unreachable_target_exits_2_without_a_traceback(dataset_copy: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    result = run_cli(dataset_copy, "link", "check", "--target", "wikidata", "--endpoint", url)
    assert result.exit_code == 2
    assert "cannot query" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "option", ["unbis=http://127.0.0.1:1/", "ftp://example.org/", "nowhere=http://127.0.0.1:1/"]
)
def test_a_bad_endpoint_option_exits_2(dataset_copy: Path, option: str) -> None:
    result = run_cli(dataset_copy, "link", "check", "--target", "wikidata", "--endpoint", option)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --endpoint")


def test_suggest_ranks_the_removed_link_first_and_accept_writes_it(
    dataset_copy: Path, endpoints: list[str]
) -> None:
    _edit_links(dataset_copy, "wikidata", "    place:casablanca skos:exactMatch wd:Q7903 .\n", "")
    result = run_cli(dataset_copy, "link", "suggest", *endpoints[:2])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    first = lines[lines.index("place/casablanca:") + 1]
    assert "wikidata:Q7903" in first and "Q515 (city) fits City" in first
    assert "wikidata:Q132689" in lines[lines.index("place/casablanca:") + 2]  # the film, second

    accepted = run_cli(dataset_copy, "link", "suggest", "--accept", *endpoints[:2])
    assert accepted.exit_code == 0
    assert "accepted place/casablanca -> wikidata:Q7903" in accepted.stderr
    assert run_cli(dataset_copy, "validate").exit_code == 0
    graph = URIRef(f"{BASE}id/graph/links-wikidata-place-casablanca")
    dataset = Dataset().parse(dataset_copy / "data" / "links" / "wikidata.trig", format="trig")
    link = (
        URIRef(f"{BASE}id/place/casablanca"),
        SKOS.exactMatch,
        URIRef(f"{TARGETS['wikidata'].namespace}Q7903"),
    )
    assert (*link, graph) in dataset
    assert (graph, PROV.wasDerivedFrom, URIRef(f"{BASE}id/source/wikidata")) in dataset
    assert (graph, PROV.generatedAtTime, None) in dataset
    assert (
        run_cli(dataset_copy, "link", "check", "--target", "wikidata", *endpoints[:2]).exit_code
        == 0
    )


def test_suggest_finds_a_thing_by_its_other_names_and_accepts_it(
    dataset_copy: Path, endpoints: list[str]
) -> None:
    """IOM calls itself "UN Migration", which Wikidata does not: its other names ("OIM", "IOM"
    as schema:alternateName) are Wikidata's aliases of the item, and that is enough."""
    _edit_links(dataset_copy, "wikidata", "    organisation:iom skos:exactMatch wd:Q472311 .\n", "")
    path = dataset_copy / "data" / "organisations.trig"
    text = path.read_text(encoding="utf-8")
    labels = '"Organisation internationale pour les migrations (OIM)"@fr ,\n'
    labels += '            "International Organization for Migration (IOM)"@en'
    assert labels in text
    path.write_text(text.replace(labels, '"ONU Migration"@fr , "UN Migration"@en'))
    result = run_cli(dataset_copy, "link", "suggest", "--accept", *endpoints[:2])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    first = lines[lines.index("organisation/iom:") + 1]
    assert first.startswith("  0.93 wikidata:Q472311"), first
    assert 'alias@en "IOM" (0.90); alias@fr "OIM" (0.90)' in first
    assert "accepted organisation/iom -> wikidata:Q472311" in result.stderr


def test_an_item_without_a_french_label_is_judged_on_its_english_ones() -> None:
    """Small Wikidata items often lack French labels: that is no evidence against them (it
    scored 0 for French, so such an item could never reach 0.8 and be accepted)."""
    city = Thing(f"{BASE}id/place/casablanca", {str(SCHEMA.City)})
    city.labels |= {("en", "Casablanca"), ("fr", "Casablanca")}
    entry = {"labels": {("en", "Casablanca")}, "types": {f"{WD}Q515"}, "texts": set()}
    candidate = score(city, f"{WD}Q7903", entry)
    assert candidate.score == 1.0
    assert candidate.evidence == (
        'label@en "Casablanca" ~ "Casablanca" (1.00)',
        "type Q515 (city) fits City",
    )


def test_accept_never_links_a_thing_left_unlinked_as_unverified(
    dataset_copy: Path, endpoints: list[str]
) -> None:
    # `--accept` wrote event/cop22 although unverified.csv left it unlinked until a source says.
    _edit_links(dataset_copy, "wikidata", "    place:casablanca skos:exactMatch wd:Q7903 .\n", "")
    with (dataset_copy / "data" / "links" / "unverified.csv").open("a", encoding="utf-8") as f:
        f.write('place/casablanca,wikidata,"waiting for a source"\n')
    before = (dataset_copy / "data" / "links" / "wikidata.trig").read_text(encoding="utf-8")
    accepted = run_cli(dataset_copy, "link", "suggest", "--accept", *endpoints[:2])
    assert accepted.exit_code == 0, accepted.output
    assert "left place/casablanca unlinked" in accepted.stderr
    assert "accepted place/casablanca" not in accepted.stderr
    after = (dataset_copy / "data" / "links" / "wikidata.trig").read_text(encoding="utf-8")
    assert "Q7903" not in after[len(before) :]


@pytest.mark.parametrize(
    ("csv_text", "says"),
    [
        (
            "iri,target,note\nbody/wim,wikidata,x\n",
            "unverified.csv:1: the header is 'iri,target,note'",
        ),
        ("thing,target,note\nbody/wim,wikidat,x\n", "unverified.csv:2: a row names a thing"),
        (b"thing,target,note\nbody/\xff,wikidata,x\n", "unverified.csv: cannot be read"),
    ],
)
def test_a_broken_unverified_list_is_one_line_naming_it(
    dataset_copy: Path, endpoints: list[str], csv_text: str | bytes, says: str
) -> None:
    path = dataset_copy / "data" / "links" / "unverified.csv"
    path.write_bytes(csv_text if isinstance(csv_text, bytes) else csv_text.encode())
    before = (dataset_copy / "data" / "links" / "wikidata.trig").read_bytes()
    for command in (["report"], ["suggest", "--accept", *endpoints[:2]]):
        result = run_cli(dataset_copy, "link", *command)
        assert result.exit_code == 2, result.output
        assert says in result.stderr and "Traceback" not in result.output
    assert (dataset_copy / "data" / "links" / "wikidata.trig").read_bytes() == before


def test_report_counts_a_linked_thing_of_the_datasets_own_class(tmp_path: Path) -> None:
    """A thing of `r:Item` (no class ldkit knows to link) that is linked counted nowhere: the
    report said "wikidata: 1 linked" and "0 of 0 things linked (100.0%)"."""
    folder = tmp_path / "reef"
    assert (
        run_cli(tmp_path, "init", str(folder), "--base-iri", "https://w3id.org/reef/").exit_code
        == 0
    )
    empty = run_cli(folder, "link", "report")
    assert "(n/a)" in empty.stdout and "100.0%" not in empty.stdout
    with (folder / "data" / "reef.trig").open("a", encoding="utf-8") as stream:
        stream.write(
            "\n<https://w3id.org/reef/id/item/first>"
            " <http://www.w3.org/2004/02/skos/core#exactMatch>"
            " <http://www.wikidata.org/entity/Q7903> .\n"
        )
    figures = json.loads(run_cli(folder, "link", "report", "--format", "json").stdout)
    assert (figures["things"], figures["linked"]) == (1, 1)
    assert figures["classes"]["https://w3id.org/reef/ontology#Item"]["wikidata"] == 1


def test_report_counts_coverage_per_class_and_target(dataset_copy: Path) -> None:
    result = run_cli(dataset_copy, "link", "report", "--format", "json")
    assert result.exit_code == 0
    figures = json.loads(result.stdout)
    assert figures["targets"]["wikidata"] == {"linked": 9, "counterparts": 15}
    assert figures["targets"]["geonames"] == {"linked": 3, "counterparts": 3}
    assert figures["classes"]["schema:City"]["geonames"] == 2
    assert figures["classes"]["schema:Country"] == {
        "things": 1,
        "linked": 1,
        "wikidata": 1,
        "unbis": 1,
        "sdg": 0,
        "geonames": 1,
    }
    table = run_cli(dataset_copy, "link", "report")
    assert "schema:City" in table.stdout and "known counterpart" in table.stdout


def test_no_link_is_an_owl_same_as() -> None:
    """The store never merges our resources with foreign ones: links are SKOS mappings."""
    for path in sorted((ROOT / "data").rglob("*.trig")):
        if "cache" in path.parts:
            continue
        dataset = Dataset().parse(path, format="trig")
        assert not list(dataset.quads((None, OWL.sameAs, None, None))), path


class _NotSparql(http.server.BaseHTTPRequestHandler):
    """An endpoint that answers 200 with something that is not SPARQL JSON results."""

    body = b""
    media_type = ""

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", self.media_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.mark.parametrize(
    "media_type, body",
    [
        ("text/html", b"<html><body>Welcome</body></html>"),
        ("application/sparql-results+json", b"{}"),
        (
            "application/sparql-results+xml",
            b"<sparql xmlns='http://www.w3.org/2005/sparql-results#'/>",
        ),
    ],
)
def test_an_endpoint_answering_no_sparql_results_exits_2_in_one_line(
    dataset_copy: Path, media_type: str, body: bytes
) -> None:
    handler = type("Handler", (_NotSparql,), {"body": body, "media_type": media_type})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        for command in ("check", "suggest"):
            fresh = ["--no-cache"] if command == "check" else []  # suggest always asks
            options = ["--target", "wikidata", *fresh, "--endpoint", url]
            result = run_cli(dataset_copy, "link", command, *options)
            assert result.exit_code == 2, (command, result.output)
            assert "Traceback" not in result.output
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
            assert "did not answer SPARQL JSON results" in result.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_a_broken_cache_file_exits_2_naming_it(dataset_copy: Path, endpoints: list[str]) -> None:
    assert run_cli(dataset_copy, "link", "check", *endpoints).exit_code == 0
    cache = dataset_copy / "data" / "links" / "cache" / "wikidata.ttl"
    cache.write_text(cache.read_text(encoding="utf-8") + "\ngarbage <<<\n", encoding="utf-8")
    result = run_cli(dataset_copy, "link", "check", "--target", "wikidata")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "wikidata.ttl: the link cache cannot be read" in result.stderr


def test_an_answer_is_reused_only_where_it_was_asked(
    dataset_copy: Path, concepts: ConceptServer
) -> None:
    # A mistyped endpoint (no trailing slash) made every link "missing"; the cache then kept
    # those answers for the right endpoint too, so only --no-cache recovered.
    right = concepts.url("unbis")
    wrong = run_cli(
        dataset_copy,
        "link",
        "check",
        "--target",
        "unbis",
        "--endpoint",
        f"unbis={right.rstrip('/')}",
    )
    assert wrong.exit_code == 1 and "missing" in wrong.output
    again = run_cli(
        dataset_copy, "link", "check", "--target", "unbis", "--endpoint", f"unbis={right}"
    )
    assert again.exit_code == 0, again.output
    assert "0 from the cache" in again.stderr


@pytest.mark.parametrize(
    "ours, theirs, same",
    [
        ("COP22", "COP21", False),  # 0.80 on letters alone: a link to the wrong conference passed
        ("SDG 13: climate action", "SDG 11: climate action", False),
        ("SDG target 10.7", "SDG target 10.2", False),
        ("COP22", "COP22 (Marrakech)", True),
        ("2016 UN Climate Change Conference", "COP22 (2016 UN Climate Change Conference)", True),
        ("Organisation internationale pour les migrations (OIM)", "OIM", True),
    ],
)
def test_labels_with_other_numbers_never_match(ours: str, theirs: str, same: bool) -> None:
    assert (similarity(ours, theirs) >= MATCH) is same


def test_an_endpoint_url_that_is_a_404_says_so(
    dataset_copy: Path, wikidata: OxigraphServer
) -> None:
    wrong = wikidata.query_url.rsplit("/", 1)[0] + "/no-sparql-here"
    result = run_cli(
        dataset_copy, "link", "check", "--target", "wikidata", "--no-cache", "--endpoint", wrong
    )
    assert result.exit_code == 2
    assert (
        "HTTP 404: no SPARQL endpoint at this URL" in result.stderr
    )  # it said "not possible to connect"
