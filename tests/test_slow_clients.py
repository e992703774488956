"""50 slow clients do not stop the site: a normal request is answered in under 2 s (issue 15).

Each slow client opens a connection, sends half a request and then one header line every
second, as a trickling attacker would (`bench.serving.SlowClients`); meanwhile ordinary requests
to `ldkit serve` (its default stack) must be answered within the bound the issue sets.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bench.serving import SlowClients
from ldkit.server.settings import Settings
from tests.helpers.servers import RunningServer

BOUND_SECONDS = 2.0


@pytest.fixture(scope="module")
def server(built_settings: Settings) -> Iterator[RunningServer]:
    with RunningServer(built_settings.replace(time_limit=5), workers=2) as running:
        yield running


def test_fifty_half_sent_requests_leave_the_site_answering(server: RunningServer) -> None:
    with SlowClients(server.port, count=50, interval=1.0):
        time.sleep(1.5)  # every slow client is connected and has trickled a line
        for path in ("/id/place/casablanca.html", "/sparql?query=ASK%7B%7D", "/"):
            started = time.monotonic()
            status, _, _ = server.request("GET", path, timeout=BOUND_SECONDS + 5)
            elapsed = time.monotonic() - started
            assert status == 200, path
            assert elapsed < BOUND_SECONDS, f"{path} took {elapsed:.2f} s behind 50 slow clients"
