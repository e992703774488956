"""`ldkit publish` into real stores (Oxigraph, Virtuoso): counts match, idempotent, safe to fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from ldkit.pipeline import publish as publishing
from ldkit.server.settings import Settings
from ldkit.server.stores.http_client import RemoteError, StoreClient
from tests.helpers.stores import OxigraphServer, VirtuosoServer
from tests.helpers.support import run_cli

ORGANISATIONS = "https://w3id.org/climate-mobility/id/graph/iom-morocco-wim-excom-meeting-page"
Server = OxigraphServer | VirtuosoServer
STORES: dict[str, type[Server]] = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}


@pytest.fixture(params=sorted(STORES))
def store_kind(request: pytest.FixtureRequest) -> type[Server]:
    return STORES[request.param]


@pytest.fixture
def store(store_kind: type[Server], tmp_path: Path) -> Iterator[Server]:
    """A real store, started empty on loopback for one test."""
    server = store_kind(tmp_path / "store").start()
    yield server
    server.stop()


def _args(server: Server, gsp: bool) -> list[str]:
    args = ["publish", "--endpoint", server.query_url, "--update-endpoint", server.update_url]
    return args + (["--gsp-endpoint", server.gsp_url] if gsp else [])


def _remote_counts(server: Server) -> dict[str, int]:
    """Triples per graph in the store, leaving out the graphs it held before any publishing."""
    remote = StoreClient(server.query_url)
    rows = remote.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in rows}
    return {g: n for g, n in counts.items() if g not in server.system_graphs}


@pytest.mark.parametrize("gsp", [False, True], ids=["update", "graph-store"])
def test_publish_replaces_every_graph_and_counts_match(
    gsp: bool, store: Server, built_settings: Settings
) -> None:
    result = run_cli(built_settings.root, *_args(store, gsp))
    assert result.exit_code == 0, result.stderr
    local = {g: len(t) for g, t in publishing.local_graphs(built_settings).items()}
    assert _remote_counts(store) == local
    assert ORGANISATIONS in local
    # Publishing again gives the same store.
    again = run_cli(built_settings.root, *_args(store, gsp))
    assert again.exit_code == 0, again.stderr
    assert _remote_counts(store) == local


def test_the_competency_questions_give_the_same_answers_remotely(
    store: Server, built_settings: Settings
) -> None:
    graphs = publishing.local_graphs(built_settings)
    publishing.publish(StoreClient(store.query_url, store.update_url), graphs)
    local = ox.Store.read_only(str(built_settings.build_dir / "store"))
    union = StoreClient(store.union_query_url)
    for path in sorted((built_settings.root / "queries").glob("*.rq")):
        query = path.read_text(encoding="utf-8")
        solutions = local.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions), path.name
        names = [v.value for v in solutions.variables]
        expected = sorted(
            tuple(row[n].value if row[n] is not None else "" for n in names)  # type: ignore[union-attr]
            for row in solutions
        )
        remote = sorted(
            tuple(row[n]["value"] if n in row else "" for n in names) for row in union.select(query)
        )
        assert remote == expected, path.name
    del local


def test_a_dead_store_gives_one_line_and_exit_2(
    store_kind: type[Server],
    built_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(publishing, "RETRY_DELAYS", (0.1,))  # retried still, without the wait
    server = store_kind(tmp_path / "dead")  # never started
    result = run_cli(built_settings.root, *_args(server, gsp=False))
    assert result.exit_code == 2
    assert "not published:" in result.stderr
    assert "cannot connect" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_update_says_why_in_the_stores_words(store: Server) -> None:
    remote = StoreClient(store.query_url, store.update_url)
    with pytest.raises(RemoteError) as refused:
        remote.update("INSERT DATA { <urn:ldkit:s> <urn:ldkit:p> }")
    message = str(refused.value)
    assert "\n" not in message
    # SPARQLWrapper's summary alone does not say what is wrong; the store's first line does.
    _summary, _, store_says = message.partition("probably the SPARQL query is badly formed.")
    assert store_says.strip(), message


def test_a_store_killed_mid_publish_keeps_its_previous_graphs(
    store: Server, built_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = StoreClient(store.query_url, store.update_url, timeout=5)
    graphs = publishing.local_graphs(built_settings)
    publishing.publish(remote, graphs)
    before = _remote_counts(store)
    monkeypatch.setattr(publishing, "RETRY_DELAYS", (0.1,))
    changed = {g: t[: len(t) // 2] for g, t in graphs.items()}
    sent = []

    def kill_after_first_chunk(n: int) -> None:
        sent.append(n)
        if len(sent) == 2:
            store.kill()

    with pytest.raises(RemoteError, match="cannot connect"):
        publishing.publish(remote, changed, chunk_size=20, advance=kill_after_first_chunk)
    store.start()
    after = _remote_counts(store)
    staging = [g for g in after if g.startswith("urn:ldkit:staging:")]
    assert {g: n for g, n in after.items() if g not in staging} == before


def test_chunks_keep_a_blank_node_in_one_request() -> None:
    b1, b2 = ox.BlankNode("b1"), ox.BlankNode("b2")
    p = ox.NamedNode("http://example.org/p")
    triples = [
        ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), p, b1 if i % 2 else b2)
        for i in range(10)
    ]
    triples.append(ox.Triple(b1, p, ox.Literal("x")))
    chunks = [chunk for _first, chunk in publishing._chunks(triples, 3)]
    assert sum(map(len, chunks)) == len(triples)
    for node in (b1, b2):
        holding = [c for c in chunks if any(node in (t.subject, t.object) for t in c)]
        assert len(holding) == 1
