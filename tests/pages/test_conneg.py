"""Content negotiation of the things (W3C Cool URIs, 303 recipe), on a real server and build."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, VOID

from ldkit.server.settings import Settings
from tests.helpers.servers import RunningServer
from tests.helpers.support import assert_same_graph

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
IOM = "/id/organisation/iom"


@pytest.fixture(scope="module")
def server(built_settings: Settings, live_server: Callable[..., RunningServer]) -> RunningServer:
    return live_server(built_settings)


# path, Accept, status, Location (303) or Content-Type (200, 4xx)
TABLE = [
    (IOM, None, 303, f"{IOM}.html"),
    (IOM, "*/*", 303, f"{IOM}.html"),
    (IOM, BROWSER, 303, f"{IOM}.html"),
    (IOM, "text/turtle", 303, f"{IOM}.ttl"),
    (IOM, "application/x-turtle", 303, f"{IOM}.ttl"),
    (IOM, "application/ld+json", 303, f"{IOM}.jsonld"),
    (IOM, "application/n-triples", 303, f"{IOM}.nt"),
    (IOM, "application/rdf+xml", 303, f"{IOM}.rdf"),
    (IOM, "application/json", 303, f"{IOM}.json"),
    (IOM, "text/turtle;q=0.5, application/ld+json;q=0.9", 303, f"{IOM}.jsonld"),
    (IOM, "text/html;q=0.1, text/turtle", 303, f"{IOM}.ttl"),
    (IOM, "application/rdf+xml, text/*;q=0.2", 303, f"{IOM}.rdf"),
    (IOM, "image/png", 406, "text/plain"),
    (IOM, "text/html;q=0", 406, "text/plain"),
    (IOM, "text/html;q=0.1, */*;q=0.5", 303, f"{IOM}.ttl"),
    # An alias counts only when named: `application/*` was HTML, through application/xhtml+xml.
    (IOM, "application/*", 303, f"{IOM}.nt"),  # the first offered of that type
    (IOM, "application/xhtml+xml", 303, f"{IOM}.html"),
    (f"{IOM}?_format=ttl", BROWSER, 303, f"{IOM}.ttl"),
    (f"{IOM}?_format=jsonld", None, 303, f"{IOM}.jsonld"),
    (f"{IOM}?_format=nonsense", None, 406, "text/plain"),
    (f"{IOM}?_lang=fr", BROWSER, 303, f"{IOM}.html?_lang=fr"),
    (f"{IOM}?_lang=fr&_page=2", BROWSER, 303, f"{IOM}.html?_lang=fr&_page=2"),  # was dropped
    (f"{IOM}?_page=2", "text/turtle", 303, f"{IOM}.ttl"),  # a document has no pages
    (f"{IOM}.ttl", BROWSER, 200, "text/turtle"),
    (f"{IOM}.jsonld", None, 200, "application/ld+json"),
    (f"{IOM}.nt", "text/turtle", 200, "application/n-triples"),
    (f"{IOM}.rdf", None, 200, "application/rdf+xml"),
    (f"{IOM}.html", "text/turtle", 200, "text/html"),
    (f"{IOM}.json", None, 200, "application/json"),
    (f"{IOM}.html?_format=ttl", None, 200, "text/turtle"),
    (f"{IOM}.html?_format=json", None, 200, "application/json"),
    ("/id/organisation/no-such-thing", BROWSER, 404, "text/html"),
    ("/id/organisation/no-such-thing", "text/turtle", 404, "text/html"),
    ("/id/organisation/no-such-thing.ttl", None, 404, "text/html"),
    # A suffix is read as written, on every document as on the exported files: `.TTL` is none.
    (f"{IOM}.TTL", None, 404, "text/html"),
    ("/ontology.TTL", None, 404, "text/html"),
    ("/id/dataset/climate-mobility.TTL", None, 404, "text/html"),
    ("/.well-known/void", "text/turtle", 303, "/id/dataset/climate-mobility.ttl"),
    ("/.well-known/void", BROWSER, 303, "/id/dataset/climate-mobility.html"),
    ("/ontology", "text/turtle", 303, "/ontology.ttl"),
    ("/ontology", BROWSER, 303, "/ontology.html"),
    ("/ontology/0.1.0", "application/rdf+xml", 303, "/ontology/0.1.0.rdf"),  # its own document
    ("/ontology/9.9.9", BROWSER, 404, "text/html"),
]


@pytest.mark.parametrize(("path", "accept", "status", "where"), TABLE)
def test_negotiation_table(
    server: RunningServer, path: str, accept: str | None, status: int, where: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    got, response, _ = server.request("GET", path, headers=headers)
    assert got == status, (path, accept, got)
    if status == 303:
        assert response["location"] == where
        assert "Accept" in response.get("vary", "")
    else:
        assert response["content-type"].startswith(where)
    if status in (303, 406) or path == IOM:
        assert "Accept" in response.get("vary", "")


@pytest.mark.parametrize("path", [IOM, "/ontology", "/.well-known/void"])
def test_a_303_links_to_its_document_in_its_body(server: RunningServer, path: str) -> None:
    """RFC 9110 (15.4.4): a 303 ought to carry a short hypertext note linking to its Location,
    for clients that do not follow redirects."""
    status, headers, body = server.request(
        "GET", f"{path}?_lang=fr&_page=1", headers={"Accept": BROWSER}
    )
    assert status == 303
    assert headers["content-type"].startswith("text/html")
    location = headers["location"]
    assert "&" in location  # _lang and _page both go along: the link is escaped
    assert f'<a href="{location.replace("&", "&amp;")}">'.encode() in body


@pytest.mark.parametrize("path", [IOM, f"{IOM}.html", f"{IOM}.ttl", "/", "/-/search?q=iom"])
def test_head_is_get_without_a_body(server: RunningServer, path: str) -> None:
    get_status, get_headers, get_body = server.request("GET", path)
    head_status, head_headers, head_body = server.request("HEAD", path)
    assert head_status == get_status
    assert head_body == b""
    for name in ("content-type", "location", "vary", "etag", "link"):
        assert head_headers.get(name) == get_headers.get(name), name


def _graph(server: RunningServer, path: str, fmt: str) -> Graph:
    status, _, body = server.request("GET", path)
    assert status == 200, path
    return Graph().parse(data=body, format=fmt)


def test_every_rdf_format_holds_the_same_graph(server: RunningServer) -> None:
    turtle = _graph(server, f"{IOM}.ttl", "turtle")
    for suffix, fmt in (("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")):
        assert_same_graph(_graph(server, f"{IOM}.{suffix}", fmt), turtle)


def test_resource_rdf_holds_its_triples_labels_incoming_and_dataset(
    server: RunningServer, built_settings: Settings
) -> None:
    base = built_settings.base_iri
    iom = URIRef(f"{base}id/organisation/iom")
    graph = _graph(server, f"{IOM}.ttl", "turtle")
    assert (
        iom,
        RDFS.label,
        Literal("Organisation internationale pour les migrations (OIM)", lang="fr"),
    ) in graph
    assert (iom, VOID.inDataset, URIRef(built_settings.dataset_iri)) in graph
    # a thing pointing at IOM, with its label
    morocco = URIRef(f"{base}id/organisation/iom-morocco")
    assert any(graph.triples((morocco, None, iom)))
    assert any(graph.triples((morocco, RDFS.label, None)))
    # labels of the properties it uses come from the ontology graph
    assert any(graph.triples((URIRef("https://schema.org/foundingDate"), RDFS.label, None)))
    # canonical IRIs, never this server's address
    assert not any("127.0.0.1" in str(term) for triple in graph for term in triple)


def test_blank_nodes_are_closed(server: RunningServer, built_settings: Settings) -> None:
    graph = _graph(server, "/id/dataset/climate-mobility.ttl", "turtle")
    dataset = URIRef(built_settings.dataset_iri)
    partitions = list(graph.objects(dataset, VOID.classPartition))
    assert partitions
    for partition in partitions:
        assert graph.value(partition, VOID["class"]) is not None
        assert graph.value(partition, VOID.entities) is not None
