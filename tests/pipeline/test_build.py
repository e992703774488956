"""`ldkit build`: dumps, VoID + DCAT computed from the data, the store, and a safe swap."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, VOID, XSD

from ldkit.pipeline.build import BuildInfo, is_stale
from ldkit.server.formats import RDF_FORMATS
from ldkit.server.settings import load_settings
from tests.helpers.paths import FIXTURES
from tests.helpers.support import assert_same_graph, run_cli

SPDX_VALUE = URIRef("http://spdx.org/rdf/terms#checksumValue")
DATASET = URIRef("https://example.org/mini/id/dataset/mini")


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", tmp_path / "mini")
    result = run_cli(tmp_path / "mini", "build")
    assert result.exit_code == 0, result.output + result.stderr
    return tmp_path / "mini"


def _dump(mini: Path, extension: str) -> bytes:
    return gzip.decompress((mini / "dist" / "dumps" / f"dataset.{extension}.gz").read_bytes())


def test_every_dump_holds_the_same_graph(mini: Path) -> None:
    reference = Graph().parse(data=_dump(mini, "nt"), format="nt")
    assert len(reference) > 20
    for fmt in RDF_FORMATS:
        body = _dump(mini, fmt.extension)
        if fmt.datasets:
            dataset = Dataset()
            dataset.parse(data=body, format=fmt.rdflib)
            graph = Graph()
            for s, p, o, _g in dataset.quads():
                graph.add((s, p, o))
        else:
            graph = Graph().parse(data=body, format=fmt.rdflib)
        assert_same_graph(graph, reference)


def test_void_counts_and_checksums_match_what_was_built(mini: Path) -> None:
    void = Graph().parse(mini / "dist" / "void.ttl")
    dump = Graph().parse(data=_dump(mini, "nt"), format="nt")
    ontology_triples = len(Graph().parse(mini / "ontology" / "mini.ttl"))
    assert void.value(DATASET, VOID.triples) == Literal(
        len(dump) - ontology_triples, datatype=XSD.integer
    )
    for distribution in void.objects(DATASET, DCAT.distribution):
        url = str(void.value(distribution, DCAT.downloadURL))
        data = (mini / "dist" / "dumps" / url.rsplit("/", 1)[1]).read_bytes()
        assert int(void.value(distribution, DCAT.byteSize)) == len(data)
        checksum = void.value(distribution, URIRef("http://spdx.org/rdf/terms#checksum"))
        assert str(void.value(checksum, SPDX_VALUE)) == hashlib.sha256(data).hexdigest()


def test_void_has_class_partitions_and_a_wikidata_linkset(mini: Path) -> None:
    void = Graph().parse(mini / "dist" / "void.ttl")
    classes = {
        str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))
        for p in void.objects(DATASET, VOID.classPartition)
    }
    assert classes == {"https://schema.org/MeetingEvent": 1, "https://schema.org/Place": 1}
    [linkset] = void.objects(DATASET, VOID.subset)
    assert void.value(linkset, VOID.linkPredicate) == URIRef("https://schema.org/sameAs")
    assert int(void.value(linkset, VOID.triples)) == 1
    target = void.value(linkset, VOID.objectsTarget)
    assert str(void.value(target, VOID.uriSpace)) == "http://www.wikidata.org/entity/"


def test_the_store_holds_data_ontology_and_description(mini: Path) -> None:
    store = ox.Store.read_only(str(mini / "dist" / "store"))
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {
        "https://example.org/mini/id/graph/page",
        "https://example.org/mini/id/graph/ontology",
        "https://example.org/mini/id/graph/dataset-description",
    }
    info = json.loads((mini / "dist" / "build.json").read_text())
    assert info["quads"] == len(store)
    del store


def test_invalid_data_is_refused_and_the_previous_build_stays(mini: Path) -> None:
    before = BuildInfo.read(mini / "dist")
    events = mini / "data" / "events.trig"
    events.write_text(events.read_text().replace('"2016-07-29"', '"2016-07-01"'))
    result = run_cli(mini, "build")
    assert result.exit_code == 1
    assert "not built" in result.stderr
    assert BuildInfo.read(mini / "dist") == before
    store = ox.Store.read_only(str(mini / "dist" / "store"))
    assert len(store) == before.quads
    del store


def test_a_changed_input_makes_the_build_stale(mini: Path) -> None:
    settings = load_settings(mini)
    assert not is_stale(settings)
    places = mini / "data" / "places.ttl"
    places.write_text(places.read_text().replace('"Casablanca"@en', '"Casa"@en'))
    assert is_stale(settings)


def test_server_settings_do_not_make_the_build_stale(mini: Path) -> None:
    settings = load_settings(mini)
    assert not is_stale(settings.replace(time_limit=5.0, update_token="secret", row_limit=10))
    assert is_stale(settings.replace(base_iri="https://example.org/other/"))
