"""A short load run (issue 15): 5,000 requests at concurrency 64 over pages, documents, 303s,
search and queries on the real server, with no error and memory that does not keep growing.
`bench/load.py` runs the long one (50,000)."""

from __future__ import annotations

from bench.load import RSS_GROWTH_LIMIT, run, things_of
from ldkit.server.settings import Settings
from tests.helpers.servers import RunningServer


def test_five_thousand_mixed_requests_at_c64_get_no_error(built_settings: Settings) -> None:
    with RunningServer(built_settings, workers=2) as server:
        assert server.process is not None
        things = things_of(server.port)
        assert len(things) > 100
        report = run(server.port, server.process.pid, things, 5_000, 64, checkpoint=1_000)
    assert report.requests == 5_000
    assert report.errors == 0, dict(report.statuses)
    assert {kind for kind, *_ in report.rows()} >= {"page", "conneg", "query", "search"}
    assert report.rss_growth < RSS_GROWTH_LIMIT, (report.rss_first, report.rss_last)
