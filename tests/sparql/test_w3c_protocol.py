"""The W3C SPARQL 1.1 Protocol (34) and Service Description (3) tests, against a real server.

The manifests are read as data: each protocol test's HTTP requests are sent in order to a gunicorn
server over a scratch store with updates enabled, and each response is checked against the test's
expected status class, result format and boolean. Before each test the dataset is reset to the
data the suite expects (graphs dataN.rdf from dataN.nt, data0.rdf empty).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

from ldkit.server.formats import GRAPH_ANSWER_FORMATS, RESULTS_FORMATS, by_key
from tests.helpers.servers import KASEI, W3C, RunningServer, scratch_settings, w3c_build

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TOKEN = "w3c-test-token"


def _protocol_tests() -> list[tuple[str, list[dict[str, Any]]]]:
    manifest = Graph().parse(W3C / "protocol-manifest.ttl", format="turtle")
    root = next(manifest.subjects(RDF.type, MF.Manifest))
    entries = Collection(manifest, manifest.value(root, MF.entries))
    tests = []
    for entry in entries:
        action = manifest.value(entry, MF.action)
        requests = Collection(manifest, manifest.value(action, HT.requests))
        tests.append((str(entry).rsplit("#", 1)[1], [_request(manifest, r) for r in requests]))
    return tests


def _request(manifest: Graph, node: Any) -> dict[str, Any]:
    body = manifest.value(node, HT.body)
    headers_list = manifest.value(node, HT.headers)
    headers = {}
    if headers_list is not None:
        for header in Collection(manifest, headers_list):
            headers[str(manifest.value(header, HT.fieldName))] = str(
                manifest.value(header, HT.fieldValue)
            )
    response = manifest.value(node, HT.resp)
    return {
        "method": str(manifest.value(node, HT.methodName)),
        "path": str(manifest.value(node, HT.absolutePath)),
        "body": str(manifest.value(body, CNT.chars)) if body is not None else None,
        "headers": headers,
        "statuses": {
            str(s).rsplit("#", 1)[1] for s in manifest.objects(response, MF.expectedStatus)
        },
        "format": _optional(manifest.value(response, MF.expectedFormat)),
        "boolean": _optional(manifest.value(response, MF.expectedBoolean)),
    }


def _optional(value: Any) -> Any:
    return value.toPython() if value is not None else None


PROTOCOL_TESTS = _protocol_tests()


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    settings = scratch_settings(tmp_path_factory.mktemp("w3c"), update_token=TOKEN)
    w3c_build(settings.build_dir)
    with RunningServer(settings) as server:
        yield server


def _reset(server: RunningServer) -> None:
    inserts = " ".join(
        f"GRAPH <{KASEI}data{n}.rdf> {{ {(W3C / f'data{n}.nt').read_text()} }}" for n in (1, 2, 3)
    )
    update = f"DROP ALL ; CREATE SILENT GRAPH <{KASEI}data0.rdf> ; INSERT DATA {{ {inserts} }}"
    status, _, body = server.update(update, TOKEN)
    assert status == 204, body


def test_the_suite_has_all_its_tests() -> None:
    assert len(PROTOCOL_TESTS) == 34


@pytest.mark.parametrize(("name", "requests"), PROTOCOL_TESTS, ids=[t[0] for t in PROTOCOL_TESTS])
def test_protocol(w3c_server: RunningServer, name: str, requests: list[dict[str, Any]]) -> None:
    _reset(w3c_server)
    for request in requests:
        headers = {**request["headers"], "Authorization": f"Bearer {TOKEN}"}
        body = request["body"].encode("utf-8") if request["body"] is not None else None
        if "UTF-16" in headers.get("content-type", "") and body is not None:
            body = request["body"].encode("utf-16")
        status, response_headers, data = w3c_server.request(
            request["method"], request["path"], body, headers
        )
        assert f"StatusCode{status // 100}xx" in request["statuses"], (name, status, data)
        _check_format(request, response_headers.get("content-type", ""), data)


def _check_format(request: dict[str, Any], content_type: str, data: bytes) -> None:
    media_type = content_type.split(";")[0].strip()
    fmt = by_key(media_type) if media_type else None
    expected = request["format"]
    if expected == "boolean":
        assert fmt in RESULTS_FORMATS[:2], content_type
        answer = _boolean(fmt.key, data)
        assert request["boolean"] is None or answer is request["boolean"]
    elif expected == "tabular":
        assert fmt in RESULTS_FORMATS, content_type
    elif expected == "RDF":
        assert fmt in GRAPH_ANSWER_FORMATS, content_type
        Graph().parse(data=data, format=fmt.rdflib)


def _boolean(key: str, data: bytes) -> bool:
    if key == "json":
        return bool(json.loads(data)["boolean"])
    element = ElementTree.fromstring(data).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None
    return element.text == "true"


def _description(server: RunningServer, accept: str | None) -> tuple[Graph, str]:
    headers = {"Accept": accept} if accept else {}
    status, response_headers, data = server.request("GET", "/sparql", None, headers)
    assert status == 200
    media_type = response_headers["content-type"].split(";")[0]
    fmt = by_key(media_type, GRAPH_ANSWER_FORMATS)
    assert fmt is not None, media_type
    return Graph().parse(data=data, format=fmt.rdflib), server.url


@pytest.mark.parametrize("accept", [None, "text/turtle", "application/rdf+xml", "*/*"])
def test_service_description_returns_rdf(w3c_server: RunningServer, accept: str | None) -> None:
    graph, _ = _description(w3c_server, accept)
    assert len(graph) > 0


def test_service_description_has_endpoint_triple(w3c_server: RunningServer) -> None:
    graph, url = _description(w3c_server, "application/rdf+xml")
    assert (None, SD.endpoint, URIRef(url)) in graph


def test_service_description_conforms_to_schema(w3c_server: RunningServer) -> None:
    graph, url = _description(w3c_server, "text/turtle")
    services = list(graph.subjects(SD.endpoint, URIRef(url)))
    assert len(services) == 1
    service = services[0]
    assert (service, RDF.type, SD.Service) in graph
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert languages and languages <= {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
    assert SD.SPARQL11Update in languages  # this server was started with an update token
    for prop in (SD.resultFormat, SD.feature, SD.endpoint):
        assert all(isinstance(value, URIRef) for value in graph.objects(service, prop))
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    default_graph = graph.value(dataset, SD.defaultGraph)
    assert (default_graph, RDF.type, SD.Graph) in graph
    for named in graph.objects(dataset, SD.namedGraph):
        assert isinstance(graph.value(named, SD.name), URIRef)


def test_manifest_files_carry_their_licence() -> None:
    assert "W3C Test Suite Licence" in Path(W3C / "LICENCE.md").read_text()
