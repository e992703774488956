"""Talking to a remote SPARQL 1.1 store over HTTP: one request function, and the publish client.

`open_request` is the one HTTP stack of ldkit (User-Agent, credentials, failures told in one
line): the remote store (`remote`) and `StoreClient` both use it. `StoreClient` queries and
updates with SPARQLWrapper and sends graphs by the Graph Store Protocol, for `ldkit publish`;
its errors come out as `RemoteError`, transient ones (connection refused or reset, timeouts,
5xx) marked so that the caller may retry them.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import dataclasses
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPResponse
from typing import Any

from SPARQLWrapper import JSON, POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    SPARQLWrapperException,
    Unauthorized,
)

USER_AGENT = "ldkit (https://w3id.org/ldkit)"


class Refusal(Exception):
    """The server answered, but not with 2xx: the status, and the first of its own words."""

    def __init__(self, where: str, status: int, reason: str, body: str = "") -> None:
        self.detail = _first_line(body)
        super().__init__(f"{where}: HTTP {status} {reason}. {self.detail}".strip())
        self.where, self.status, self.reason, self.body = where, status, reason, body.strip()


class Unreachable(Exception):
    """No answer at all: the server cannot be reached, or took longer than the time allowed."""

    def __init__(self, where: str, reason: object, timed_out: bool) -> None:
        super().__init__(f"{where}: {'timed out' if timed_out else f'cannot connect ({reason})'}")
        self.where, self.reason, self.timed_out = where, reason, timed_out


DETAIL_BYTES = 4096  # of an error's body: enough for the store's message


def open_request(
    url: str,
    data: bytes | None,
    headers: dict[str, str],
    credentials: Credentials,
    timeout: float,
    method: str = "POST",
) -> HTTPResponse:
    """One HTTP request; the open response, else `Refusal` or `Unreachable`."""
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in {**headers, "User-Agent": USER_AGENT}.items():
        request.add_header(name, value)
    if (header := credentials.header()) is not None:
        request.add_header("Authorization", header)
    where = url.split("?", 1)[0]
    try:
        response: HTTPResponse = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        body = ""
        with contextlib.suppress(OSError), error:
            body = error.read(DETAIL_BYTES).decode("utf-8", "replace")
        raise Refusal(where, error.code, str(error.reason), body) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        timed_out = isinstance(reason, socket.timeout | TimeoutError)
        raise Unreachable(where, reason, timed_out) from None
    return response


class RemoteError(Exception):
    """A remote store refused or failed a request."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclasses.dataclass(frozen=True)
class Credentials:
    """HTTP credentials: a user and password (Basic) or a bearer token, or nothing."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def header(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None:
            pair = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(pair).decode()
        return None


@dataclasses.dataclass(frozen=True)
class StoreClient:
    """Where a remote store answers: its query, update and (optional) Graph Store URLs."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    credentials: Credentials = Credentials()
    timeout: float = 60.0

    @property
    def gsp_graph_parameter(self) -> str:
        """`graph` in the standard protocol; Virtuoso's `sparql-graph-crud` says `graph-uri`."""
        return "graph-uri" if self.gsp_url and "sparql-graph-crud" in self.gsp_url else "graph"

    def select(self, query: str) -> list[dict[str, Any]]:
        """The bindings of a SELECT query, as SPARQL JSON results."""
        result = self._wrapper(self.query_url, query).queryAndConvert()
        return result["results"]["bindings"]  # type: ignore[index,call-overload,no-any-return]

    def count(self, graph: str) -> int:
        """How many triples the named graph holds."""
        return self.counts([graph]).get(graph, 0)

    def counts(self, graphs: list[str], batch: int = 500) -> dict[str, int]:
        """How many triples each named graph holds (absent graphs are left out)."""
        found: dict[str, int] = {}
        for start in range(0, len(graphs), batch):
            values = " ".join(f"<{g}>" for g in graphs[start : start + batch])
            rows = self.select(
                f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }}"
                " GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            )
            found.update({row["g"]["value"]: int(row["n"]["value"]) for row in rows})
        return found

    def update(self, update: str) -> None:
        """Run a SPARQL Update request."""
        if not self.update_url:
            raise RemoteError("no update endpoint given (--update-endpoint)")
        wrapper = self._wrapper(self.update_url, update)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
        wrapper.query()

    def put_graph(self, graph: str, body: bytes, media_type: str, replace: bool) -> None:
        """Send a graph through the Graph Store Protocol: PUT replaces it, POST adds to it."""
        if not self.gsp_url:
            raise RemoteError("no Graph Store endpoint given (--gsp-endpoint)")
        query = urllib.parse.urlencode({self.gsp_graph_parameter: graph})
        separator = "&" if "?" in self.gsp_url else "?"
        url, method = f"{self.gsp_url}{separator}{query}", "PUT" if replace else "POST"
        try:
            headers = {"Content-Type": media_type}
            with open_request(url, body, headers, self.credentials, self.timeout, method) as answer:
                answer.read()
        except Refusal as refusal:
            raise _refusal_error(refusal) from None
        except Unreachable as failure:
            raise RemoteError(str(failure), transient=True) from None

    def _wrapper(self, url: str, text: str) -> _Wrapper:
        wrapper = _Wrapper(url, agent=USER_AGENT)
        wrapper.setQuery(text)
        wrapper.setReturnFormat(JSON)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(self.timeout))
        if (header := self.credentials.header()) is not None:
            wrapper.addCustomHttpHeader("Authorization", header)
        return wrapper


class _Wrapper(SPARQLWrapper):  # type: ignore[misc]
    """SPARQLWrapper whose failures become one-line RemoteErrors."""

    def _query(self) -> Any:
        try:
            return super()._query()
        except urllib.error.HTTPError as error:
            raise _http_error(self.endpoint, error) from None
        except Unauthorized:
            raise RemoteError(f"{self.endpoint}: credentials refused (HTTP 401)") from None
        except EndPointInternalError as error:
            message = f"{self.endpoint}: server error. {_wrapper_detail(error)}"
            raise RemoteError(message, transient=True) from None
        except SPARQLWrapperException as error:
            raise RemoteError(f"{self.endpoint}: {_wrapper_detail(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            raise _network_error(self.endpoint, error) from None

    def queryAndConvert(self) -> Any:  # noqa: N802 (SPARQLWrapper's name)
        try:
            return super().queryAndConvert()
        except (ValueError, json.JSONDecodeError) as error:
            raise RemoteError(f"{self.endpoint}: not SPARQL JSON results: {error}") from None


def _refusal_error(refusal: Refusal) -> RemoteError:
    if refusal.status in (401, 403):
        message = f"{refusal.where}: credentials refused (HTTP {refusal.status}) {refusal.detail}"
        return RemoteError(message.strip())
    return RemoteError(str(refusal), transient=refusal.status >= 500)


def _http_error(url: str, error: urllib.error.HTTPError) -> RemoteError:
    body = ""
    with contextlib.suppress(OSError):
        body = error.read(DETAIL_BYTES).decode("utf-8", "replace")
    return _refusal_error(Refusal(url.split("?", 1)[0], error.code, str(error.reason), body))


def _network_error(url: str, error: Exception) -> RemoteError:
    reason = getattr(error, "reason", error)
    where = url.split("?", 1)[0]
    if isinstance(reason, socket.timeout | TimeoutError):
        return RemoteError(f"{where}: timed out", transient=True)
    return RemoteError(f"{where}: cannot connect ({reason})", transient=True)


def _wrapper_detail(error: SPARQLWrapperException) -> str:
    """SPARQLWrapper's one-line summary, then the first line of the store's own answer.

    The store's answer says what to do (Virtuoso: "SR186: SECURITY: No permission to execute
    procedure ..."); SPARQLWrapper keeps it only as the repr of the body inside its message.
    """
    summary, _, response = str(error).partition("Response:\n")
    with contextlib.suppress(ValueError, SyntaxError):
        body = ast.literal_eval(response.strip())
        if isinstance(body, bytes):
            response = body.decode("utf-8", "replace")
    return f"{_first_line(summary)} {_first_line(response)}".strip()


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else ""
