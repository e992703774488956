"""The SPARQL 1.1 Protocol at /sparql through the real app: operations, conneg, HTTP behaviour."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from rdflib import Graph

from ldkit.server.app import create_app
from tests.helpers.servers import BASE, sample_settings

SELECT = "SELECT ?name WHERE { ?org <https://schema.org/name> ?name } ORDER BY ?name"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
TOKEN = "s3cret"


@pytest.fixture
def client(tmp_path: Path, app_client: Callable[..., FlaskClient]) -> FlaskClient:
    return app_client(sample_settings(tmp_path, update_token=TOKEN), pool_size=2)


def get(client: FlaskClient, query: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(f"/sparql?query={quote(query)}", headers=headers)


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [b["name"]["value"] for b in response.get_json()["results"]["bindings"]]


def test_query_by_get_post_form_and_post_direct_agree(client: FlaskClient) -> None:
    by_get = get(client, SELECT)
    by_form = client.post("/sparql", data={"query": SELECT})
    by_body = client.post("/sparql", data=SELECT, content_type="application/sparql-query")
    assert by_get.status_code == by_form.status_code == by_body.status_code == 200
    assert names(by_get) == names(by_form) == names(by_body)
    assert names(by_get) == ["<script>alert(1)</script>", "Organisation 1", "Organisation 2"]


def test_default_graph_is_the_union_of_all_graphs(client: FlaskClient) -> None:
    answer = get(client, 'ASK { ?s ?p "in extra" . ?o <https://schema.org/name> ?n }')
    assert answer.get_json()["boolean"] is True


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (f"default-graph-uri={quote(BASE + 'id/graph/extra')}", False),
        (f"default-graph-uri={quote(BASE + 'id/graph/organisations')}", True),
        (f"named-graph-uri={quote(BASE + 'id/graph/organisations')}", False),
    ],
)
def test_protocol_dataset_overrides_from(client: FlaskClient, params: str, expected: bool) -> None:
    query = f"ASK FROM <{BASE}id/graph/extra> {{ ?o <https://schema.org/name> ?n }}"
    answer = client.get(f"/sparql?query={quote(query)}&{params}")
    assert answer.get_json()["boolean"] is expected


def test_from_in_the_query_replaces_the_union(client: FlaskClient) -> None:
    query = f"ASK FROM <{BASE}id/graph/extra> {{ ?o <https://schema.org/name> ?n }}"
    assert get(client, query).get_json()["boolean"] is False


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        (SELECT, "", "application/sparql-results+json"),
        (SELECT, "application/sparql-results+xml", "application/sparql-results+xml"),
        (SELECT, "text/csv", "text/csv"),
        (SELECT, "text/tab-separated-values", "text/tab-separated-values"),
        (
            SELECT,
            "text/csv;q=0.5, application/sparql-results+xml;q=0.9",
            "application/sparql-results+xml",
        ),
        (SELECT, "application/json", "application/sparql-results+json"),
        ("ASK {}", "application/sparql-results+xml", "application/sparql-results+xml"),
        (CONSTRUCT, "", "text/turtle"),
        (CONSTRUCT, "application/n-triples", "application/n-triples"),
        (CONSTRUCT, "application/ld+json", "application/ld+json"),
        (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
        (CONSTRUCT, "text/turtle;q=0.2, application/rdf+xml;q=0.8", "application/rdf+xml"),
        (
            f"DESCRIBE <{BASE}id/organisation/org1>",
            "application/n-triples",
            "application/n-triples",
        ),
        (SELECT, "text/html", "text/html"),
    ],
)
def test_format_from_accept(client: FlaskClient, query: str, accept: str, media_type: str) -> None:
    response = get(client, query, Accept=accept) if accept else get(client, query)
    assert response.status_code == 200
    assert response.mimetype == media_type


@pytest.mark.parametrize(
    ("query", "value", "media_type"),
    [
        (SELECT, "csv", "text/csv"),
        (SELECT, "tsv", "text/tab-separated-values"),
        (SELECT, "xml", "application/sparql-results+xml"),
        (CONSTRUCT, "nt", "application/n-triples"),
        (CONSTRUCT, "jsonld", "application/ld+json"),
        (CONSTRUCT, "xml", "application/rdf+xml"),
    ],
)
def test_format_parameter_wins_over_accept(
    client: FlaskClient, query: str, value: str, media_type: str
) -> None:
    response = client.get(f"/sparql?query={quote(query)}&format={value}", headers={"Accept": "*/*"})
    assert response.mimetype == media_type


def test_construct_answers_parse_as_the_same_graph(client: FlaskClient) -> None:
    graphs = []
    for accept, parser in [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ]:
        graphs.append(Graph().parse(data=get(client, CONSTRUCT, Accept=accept).data, format=parser))
    assert all(len(g) == 7 for g in graphs)


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "text/turtle"),
        (CONSTRUCT, "application/sparql-results+json"),
        (SELECT, "image/png"),
    ],
)
def test_unacceptable_type_is_406(client: FlaskClient, query: str, accept: str) -> None:
    response = get(client, query, Accept=accept)
    assert response.status_code == 406
    assert b"offered as" in response.data


def test_unknown_format_parameter_is_406(client: FlaskClient) -> None:
    assert client.get(f"/sparql?query={quote(SELECT)}&format=png").status_code == 406


def test_syntax_error_is_400_with_the_parser_message(client: FlaskClient) -> None:
    response = get(client, "SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    assert b"error at 1:" in response.data


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(client: FlaskClient, method: str) -> None:
    assert client.open(f"/sparql?query={quote('ASK {}')}", method=method).status_code == 405


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "ASK {}", "content_type": "text/plain"}, 415),
        ({"data": "query=ASK%20%7B%7D"}, 415),
        ({"data": "ASK {}", "content_type": "application/sparql-query; charset=latin-1"}, 400),
        ({"data": b"ASK { ?s ?p '\xff' }", "content_type": "application/sparql-query"}, 400),
        (
            {"data": b"query=ASK%20%7B%FF%7D", "content_type": "application/x-www-form-urlencoded"},
            400,
        ),
        (
            {
                "data": "query=ASK{}&update=CLEAR ALL",
                "content_type": "application/x-www-form-urlencoded",
            },
            400,
        ),
        (
            {
                "data": "query=ASK{}&query=ASK{}",
                "content_type": "application/x-www-form-urlencoded",
            },
            400,
        ),
        ({"data": "x" * (1024 * 1024 + 1), "content_type": "application/sparql-query"}, 413),
    ],
)
def test_malformed_posts_are_refused(client: FlaskClient, kwargs: dict, status: int) -> None:
    assert client.post("/sparql", **kwargs).status_code == status


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("/sparql?query=ASK{}", {"data": "ASK {}", "content_type": "application/sparql-query"}),
        ("/sparql?query=ASK{}", {"data": {"query": "SELECT * {?s ?p ?o}"}}),
        ("/sparql?update=CLEAR%20ALL", {"data": {"query": "ASK {}"}}),
    ],
)
def test_a_post_with_its_operation_also_in_the_url_is_refused(
    client: FlaskClient, url: str, kwargs: dict
) -> None:
    """Which of the two would run? SPARQL 1.1 Protocol (2.1.2, 2.1.3) puts a POST's query in
    its body: one in the URL as well is a 400 that says so, and nothing runs."""
    response = client.post(url, **kwargs)
    assert response.status_code == 400
    assert "not in the URL" in response.get_data(as_text=True)


def test_undecodable_query_string_is_400(client: FlaskClient) -> None:
    assert client.get("/sparql?query=ASK%20%7B%FE%7D").status_code == 400


def test_cors_on_answers_errors_and_preflight(client: FlaskClient) -> None:
    assert get(client, SELECT).headers["Access-Control-Allow-Origin"] == "*"
    assert get(client, "ASK {").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_etag_and_last_modified_give_304(client: FlaskClient) -> None:
    first = get(client, SELECT)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert get(client, SELECT, **{"If-None-Match": etag}).status_code == 304
    assert get(client, SELECT, **{"If-Modified-Since": modified}).status_code == 304
    assert get(client, SELECT, Accept="text/csv", **{"If-None-Match": etag}).status_code == 200


def test_gzip_when_accepted(client: FlaskClient) -> None:
    query = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"
    plain = get(client, query)
    zipped = get(client, query, **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Accept-Encoding" in zipped.headers["Vary"]


def test_gzip_refused_with_q_0_is_not_sent(client: FlaskClient) -> None:
    query = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }"
    answer = get(client, query, **{"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in answer.headers
    assert answer.data == get(client, query).data


def test_cache_control_for_read_only_data(tmp_path: Path) -> None:
    app = create_app(sample_settings(tmp_path), pool_size=1)
    try:
        response = get(app.test_client(), SELECT)
        assert "max-age" in response.headers["Cache-Control"]
        assert "public" in response.headers["Cache-Control"]
    finally:
        app.extensions["ldkit_store"].close()


def test_errors_are_not_cached(client: FlaskClient) -> None:
    assert get(client, "ASK {").headers["Cache-Control"] == "no-store"


def test_row_cap_cuts_and_says_so(tmp_path: Path) -> None:
    app = create_app(sample_settings(tmp_path, row_limit=2), pool_size=1)
    try:
        client = app.test_client()
        cut = get(client, SELECT)
        assert cut.headers["X-Ldkit-Truncated"] == "true"
        assert len(names(cut)) == 2
        assert "row limit" in cut.headers["Warning"]
        graph = get(client, CONSTRUCT, Accept="application/n-triples")
        assert graph.headers["X-Ldkit-Truncated"] == "true"
        assert len(graph.data.splitlines()) == 2
        assert "X-Ldkit-Truncated" not in get(client, "SELECT * { ?s a ?t } LIMIT 1").headers
    finally:
        app.extensions["ldkit_store"].close()


def test_update_changes_answers_and_empties_the_cache(client: FlaskClient) -> None:
    before = get(client, SELECT)
    update = f'INSERT DATA {{ <{BASE}id/organisation/new> <https://schema.org/name> "Zed" }}'
    written = client.post(
        "/sparql",
        data=update,
        content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status_code == 204
    after = get(client, SELECT)
    assert names(after) == [*names(before), "Zed"]
    assert after.headers["ETag"] != before.headers["ETag"]
    assert get(client, SELECT, **{"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_update_by_form_with_using_graph_uri(client: FlaskClient) -> None:
    update = f"INSERT {{ GRAPH <{BASE}g/copy> {{ ?s <{BASE}p> ?o }} }} WHERE {{ ?s <{BASE}p> ?o }}"
    extra = quote(f"{BASE}id/graph/extra", safe="")
    written = client.post(
        f"/sparql?using-graph-uri={extra}",
        data={"update": update},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status_code == 204
    assert get(client, f"ASK {{ GRAPH <{BASE}g/copy> {{ ?s ?p 'in extra' }} }}").get_json()[
        "boolean"
    ]


def test_answers_are_json_the_client_can_read(client: FlaskClient) -> None:
    document = json.loads(get(client, "SELECT (1 AS ?one) {}").data)
    assert document["head"]["vars"] == ["one"]
    assert document["results"]["bindings"][0]["one"]["datatype"].endswith("#integer")


def test_base_iri_of_relative_iris_is_the_endpoint(client: FlaskClient) -> None:
    document = get(client, "SELECT (<thing> AS ?t) {}").get_json()
    assert document["results"]["bindings"][0]["t"]["value"] == "http://localhost/thing"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (NOW() AS ?t) {}",
        "SELECT (STRUUID() AS ?id) {}",
        "SELECT ?r { BIND(rand() AS ?r) }",
        "CONSTRUCT { <urn:a> <urn:at> ?t } WHERE { BIND(NOW() AS ?t) }",
    ],
)
def test_an_answer_that_changes_every_run_is_never_kept(client: FlaskClient, query: str) -> None:
    # NOW() was answered from the cache with the time of the first run, with an ETag that made
    # any later run a 304.
    first, again = get(client, query), get(client, query)
    assert first.status_code == again.status_code == 200
    for answer in (first, again):
        assert answer.headers["Cache-Control"] == "no-store"
        assert "ETag" not in answer.headers and "Last-Modified" not in answer.headers
        assert "Accept" in answer.headers["Vary"]
    if "UUID" in query:
        assert first.data != again.data
    assert get(client, query, **{"If-None-Match": "*"}).status_code == 200


def test_a_query_naming_now_only_in_a_string_or_a_variable_is_kept(client: FlaskClient) -> None:
    query = 'SELECT ?now { BIND("NOW()" AS ?now) }'
    get(client, query)
    assert "ETag" in get(client, query).headers


def test_a_dataset_parameter_that_is_not_an_iri_is_named_and_a_blank_one_ignored(
    client: FlaskClient,
) -> None:
    ask = quote("ASK {}")
    refused = client.get(f"/sparql?query={ask}&named-graph-uri=not%20an%20iri")
    assert refused.status_code == 400
    assert "named-graph-uri 'not an iri' is not an absolute IRI" in refused.get_data(as_text=True)
    blank = client.get(f"/sparql?query={ask}&default-graph-uri=", headers={"Accept": "text/csv"})
    assert blank.status_code == 200  # a form's empty field names no graph


@pytest.mark.parametrize(
    ("query", "columns"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", ["s", "p", "o"]),  # pyoxigraph said o, p, s
        ("SELECT DISTINCT * WHERE { ?thing a ?class } LIMIT 1", ["thing", "class"]),
        ("SELECT ?o ?s WHERE { ?s ?p ?o } LIMIT 1", ["o", "s"]),  # a projection as written
    ],
)
def test_columns_come_in_the_order_the_query_names_them(
    client: FlaskClient, query: str, columns: list[str]
) -> None:
    assert (
        get(client, query, Accept="application/sparql-results+json").get_json()["head"]["vars"]
        == columns
    )
    csv_header = get(client, query, Accept="text/csv").get_data(as_text=True).splitlines()[0]
    assert csv_header == ",".join(columns)


def test_an_undeclared_prefix_is_named_before_the_parsers_message(client: FlaskClient) -> None:
    """pyoxigraph lists the code points a name may hold; people need to read "rdfs:"."""
    response = get(client, "SELECT ?s WHERE {\n  ?s rdfs:label ?l }")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.startswith("the prefix rdfs: is not declared: add a PREFIX line")
    assert "(PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>)" in text
    assert "error at 2:" in text  # the parser's own message stays, with its position
    update = client.post(
        "/sparql",
        data={"update": "INSERT DATA { <x:a> foo:b 1 }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert update.status_code == 400
    assert update.get_data(as_text=True).startswith("the prefix foo: is not declared")
