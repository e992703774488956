"""Answers replayed from memory are the app's answers, for the same request and data only.

`server/replay.py` sits in front of every view: a wrong key would send one reader's format,
language or host to another, and a stale entry would hide a write. Each test drives the replay
over the real app and data, counting the requests that reach the app behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.test import Client, TestResponse

from ldkit.server.app import create_app
from ldkit.server.replay import replaying
from ldkit.server.settings import Settings
from tests.helpers.servers import BASE, sample_settings

TOKEN = "s3cret"
SELECT = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")


class Replayed:
    """The real app behind a replay of its own, and how many requests went past the replay."""

    def __init__(self, app: Flask) -> None:
        self.reached = 0
        store = app.extensions["ldkit_store"]

        def counted(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
            self.reached += 1
            return Flask.wsgi_app(app, environ, start)

        self.client = Client(replaying(counted, store), use_cookies=False)  # as a browser sends

    def get(self, path: str, **headers: str) -> TestResponse:
        return self.client.get(path, headers=headers)


@pytest.fixture
def replayed(tmp_path: Path) -> Iterator[Replayed]:
    app = create_app(sample_settings(tmp_path, update_token=TOKEN), pool_size=1)
    yield Replayed(app)
    app.extensions["ldkit_store"].close()


def test_a_repeated_request_gets_the_same_answer_without_the_app(replayed: Replayed) -> None:
    first = replayed.get(SELECT)
    again = replayed.get(SELECT)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data
    assert replayed.reached == 1
    assert again.headers["Server-Timing"] == "query;dur=0.0"
    varying = ("Server-Timing", "Date")
    assert [h for h in again.headers if h[0] not in varying] == [
        h for h in first.headers if h[0] not in varying
    ]


@pytest.mark.parametrize(
    "header, first, second",
    [
        ("Accept", "text/csv", "application/sparql-results+json"),
        ("Accept-Encoding", "identity", "gzip"),
        ("Accept-Language", "fr", "en"),
        ("Host", "a.example", "b.example"),
    ],
)
def test_a_request_that_asks_otherwise_goes_to_the_app(
    replayed: Replayed, header: str, first: str, second: str
) -> None:
    one = replayed.get(SELECT, **{header: first})
    other = replayed.get(SELECT, **{header: second})
    assert replayed.reached == 2
    if header == "Accept":
        assert one.mimetype == "text/csv" and other.mimetype == "application/sparql-results+json"


@pytest.mark.parametrize("header", ["Authorization", "Cookie"])
def test_a_request_with_credentials_always_goes_to_the_app(replayed: Replayed, header: str) -> None:
    for _ in range(3):
        assert replayed.get(SELECT, **{header: "Bearer nobody"}).status_code == 200
    assert replayed.reached == 3


def test_an_answer_that_is_not_a_200_is_never_replayed(replayed: Replayed) -> None:
    for _ in range(3):
        assert replayed.get("/id/thing/nothing-by-this-name").status_code == 404
        assert replayed.get("/sparql?query=SELEC").status_code == 400
    assert replayed.reached == 6


def test_a_replayed_answer_still_says_not_modified(replayed: Replayed) -> None:
    etag = replayed.get(SELECT).headers["ETag"]
    assert replayed.get(SELECT).status_code == 200  # from memory now
    again = replayed.get(SELECT, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert replayed.reached == 1


def test_a_write_ends_every_replay_of_the_data_before_it(replayed: Replayed) -> None:
    before = replayed.get(SELECT, Accept="text/csv").data
    assert replayed.get(SELECT, Accept="text/csv").data == before
    update = f'INSERT DATA {{ <{BASE}id/thing/new> <{BASE}p> "new" }}'
    written = replayed.client.post(
        "/sparql",
        data=update,
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status_code == 204
    after = replayed.get(SELECT, Accept="text/csv").data
    assert int(after.split()[1]) == int(before.split()[1]) + 1


def test_a_range_of_a_dump_is_cut_even_when_the_whole_is_in_memory(
    built_settings: Settings,
) -> None:
    # The replay answered `Range: bytes=0-9` with the whole dump (a 200), as it had it.
    app = create_app(built_settings, pool_size=1)
    try:
        replayed, dump = Replayed(app), "/dumps/dataset.nt.gz"
        with replayed.get(dump) as first, replayed.get(dump) as again:
            whole = first.data
            assert again.data == whole and replayed.reached == 1  # from memory now
        with replayed.get(dump, Range="bytes=0-9") as part:
            assert part.status_code == 206 and part.data == whole[:10]
            assert part.headers["Content-Range"] == f"bytes 0-9/{len(whole)}"
    finally:
        app.extensions["ldkit_store"].close()
