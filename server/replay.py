"""Answers replayed: a GET answered before, for the same dataset version, sent again from memory.

`replaying(app, store)` wraps the WSGI app once (in `create_app`, inside the request guard). A
GET whose path, query string, host, scheme and `Accept`, `Accept-Encoding` and `Accept-Language`
match an earlier one that got a 200 with a `Content-Length` of at most REPLAY_BODY_BYTES gets the
same status, headers and body again, as long as the store's dataset version is the same: every
check the app made then (the query's safety, the time limit, the row cap) holds for the same
request now; a conditional request gets its 304 as `http_headers.finish_read` gives it (werkzeug's
`make_conditional` on the same validators). A request with credentials or cookies, any other
method, a `Range` request, an answer marked `no-store` or setting a cookie, and a streamed answer go
to the app.
Replayed SPARQL answers say `Server-Timing: query;dur=0.0`, as the answer cache's do.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

from ldkit.server.http_headers import CONDITIONAL_REQUEST_HEADERS, make_conditional
from ldkit.server.stores.base import Store

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Replay = tuple[str, list[tuple[str, str]], bytes]  # status line, headers, body

REPLAY_ENTRIES = 2048
REPLAY_BODY_BYTES = 256 * 1024
REPLAY_TOTAL_BYTES = 64 * 1024 * 1024  # per web process
# What an answer may depend on besides the path and the query string (links are absolute with
# the host and scheme asked: canonical links, the service description's endpoint).
KEYED = (
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_HOST",
    "wsgi.url_scheme",
    "SCRIPT_NAME",
)
# Credentials and cookies may change the answer; a range is cut from the file by the app.
BYPASS_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_RANGE")


class Replays:
    """The answers of one web process by request and dataset version, least recently used out."""

    def __init__(self) -> None:
        self._answers: OrderedDict[tuple[str, ...], Replay] = OrderedDict()
        self._lock = threading.Lock()
        self._tag = ""
        self._bytes = 0

    def get(self, tag: str, key: tuple[str, ...]) -> Replay | None:
        with self._lock:
            if tag != self._tag:  # a new version: nothing from the old one is ever sent
                self._answers.clear()
                self._tag, self._bytes = tag, 0
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, tag: str, key: tuple[str, ...], replay: Replay) -> None:
        with self._lock:
            if tag != self._tag or key in self._answers:
                return
            self._answers[key] = replay
            self._bytes += len(replay[2])
            while len(self._answers) > REPLAY_ENTRIES or self._bytes > REPLAY_TOTAL_BYTES:
                _, (_, _, body) = self._answers.popitem(last=False)
                self._bytes -= len(body)


def replaying(app: WSGIApp, store: Store) -> WSGIApp:
    """`app` with its replayable answers sent again from memory."""
    replays = Replays()

    def replayed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in BYPASS_HEADERS):
            return app(environ, start_response)
        try:
            tag = store.version().tag
        except Exception:  # a remote store that cannot say: the app answers, and says why
            return app(environ, start_response)
        key = (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        key += tuple(str(environ.get(h, "")) for h in KEYED)
        found = replays.get(tag, key)
        if found is not None:
            status, headers, body = found
            if any(h in environ for h in CONDITIONAL_REQUEST_HEADERS):  # a 304, as the app's
                again = make_conditional(Response(body, int(status[:3]), headers), environ)
                return again(environ, start_response)
            start_response(status, headers)
            return [body]
        seen: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, *rest)

        answer = app(environ, remember)
        length = _replayable_length(*seen) if seen else None
        if length is None:
            return answer
        body = b"".join(answer)
        if hasattr(answer, "close"):
            answer.close()
        if len(body) == length:
            replays.put(tag, key, (seen[0], _timed_out_of(seen[1]), body))
        return [body]

    return replayed


def _replayable_length(status: str, headers: list[tuple[str, str]]) -> int | None:
    """The `Content-Length` of an answer that may be replayed, else None."""
    if not status.startswith("200"):
        return None
    found = {name.lower(): value for name, value in headers}
    length = found.get("content-length", "")
    replayable = (
        length.isdigit()
        and int(length) <= REPLAY_BODY_BYTES
        and "no-store" not in found.get("cache-control", "")
        and "set-cookie" not in found
    )
    return int(length) if replayable else None


def _timed_out_of(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers to send again: a query's time is that of an answer from memory."""
    return [
        (name, "query;dur=0.0" if name.lower() == "server-timing" else value)
        for name, value in headers
    ]
