"""Runaway queries neither delay a cheap one nor run past their time limit (issue 14).

With 4 runaway queries on 2 cores a plain ASK used to wait 5 s for a query process, and with 8,
a query that waited for a process ran 10.6 s against a 5 s limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from ldkit.server.settings import Settings
from tests.helpers.servers import RunningServer, make_build, scratch_settings

LIMIT = 4.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., RunningServer]
) -> RunningServer:
    tmp = tmp_path_factory.mktemp("fairness")
    settings: Settings = scratch_settings(tmp, time_limit=LIMIT)
    things = [
        ox.Triple(ox.NamedNode(f"urn:thing{n}"), ox.NamedNode("urn:p"), ox.Literal(str(n)))
        for n in range(2000)
    ]
    make_build(settings.build_dir, {None: things})
    return live_server(settings, workers=2)  # as `ldkit serve` runs by default


def timed_query(server: RunningServer, query: str, results: list[tuple[int, float]]) -> None:
    started = time.monotonic()
    status, _, _ = server.request("GET", "/sparql?query=" + quote(query), timeout=60)
    results.append((status, time.monotonic() - started))


def start_runaways(server: RunningServer, count: int) -> tuple[list[threading.Thread], list]:
    results: list[tuple[int, float]] = []
    threads = [
        threading.Thread(target=timed_query, args=(server, RUNAWAY, results)) for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    return threads, results


def test_a_cheap_query_is_answered_within_2_s_while_4_runaways_run(server: RunningServer) -> None:
    threads, runaways = start_runaways(server, 4)
    time.sleep(0.5)
    cheap: list[tuple[int, float]] = []
    timed_query(server, "ASK { ?s ?p ?o }", cheap)
    for thread in threads:
        thread.join()
    assert cheap[0][0] == 200
    assert cheap[0][1] < 2.0, f"the cheap query waited {cheap[0][1]:.1f} s"
    assert [status for status, _ in runaways] == [503] * 4


def test_no_query_runs_past_its_limit_by_more_than_10_percent(server: RunningServer) -> None:
    threads, runaways = start_runaways(server, 8)
    for thread in threads:
        thread.join()
    assert [status for status, _ in runaways] == [503] * 8
    slowest = max(seconds for _, seconds in runaways)
    assert slowest <= LIMIT * 1.1, f"a query ran {slowest:.1f} s against a {LIMIT:g} s limit"


def test_a_query_process_killed_by_its_query_says_why(tmp_path: Path) -> None:
    # The reason used to be empty: "the query process stopped unexpectedly ()".
    from ldkit.server.stores.base import QueryJob, WorkerLost
    from ldkit.server.stores.pool import QueryPool
    from ldkit.server.stores.worker import StorePaths

    settings = scratch_settings(tmp_path)
    make_build(settings.build_dir, {None: []})
    pool = QueryPool(StorePaths(settings.build_dir / "store"), 1, LIMIT)
    try:
        # Sent to the pool directly: the endpoint refuses such nesting before it gets there,
        # and a million levels overflow even the query thread's 1 GiB stack.
        nested = "SELECT * { BIND(" + "STR(" * 1_000_000 + "1" + ")" * 1_000_000 + " AS ?x) }"
        job = QueryJob(nested, "application/sparql-results+json", 10)
        with pytest.raises(WorkerLost, match=r"stopped unexpectedly \((killed by signal|exit)"):
            pool.run(job)
    finally:
        pool.close()
