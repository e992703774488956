"""The store of `ldkit serve --endpoint`: the same operations as the embedded store, remotely.

`RemoteStore` has the interface of `embedded.EmbeddedStore` (`run`, `version`,
`writable`, `forget`, `close`, `settings`) and answers the operations of `worker`
(query, update, read graph, write graph) with the same `Answer`s, so every view works unchanged:

- **Queries** go to the store's query URL as a SPARQL 1.1 Protocol POST. SELECT and ASK ask for
  SPARQL XML results, CONSTRUCT and DESCRIBE for N-Triples: both are streamed and parsed as they
  arrive, the row cap stops the reading at `row_limit + 1` rows, and the answer is written in the
  requested format by the same serialisers as the embedded store (`sparql.results`), so every
  format on offer is still offered. XML rather than JSON because Virtuoso's JSON is not standard
  (`typed-literal`, ASK as a `__ASK_RETVAL` row); its blank-node labels (`nodeID://b1`) are
  renamed, and its ASK rows read as booleans.
- **The default graph is the union of all graphs** unless the request names a dataset or the
  query has `FROM`. Whether the store's own default graph is already the union (Virtuoso) or needs
  `union-default-graph` (the Oxigraph server) is found once per process by asking whether a
  triple of a named graph is seen without `GRAPH`, without and then with that parameter.
  `default-graph-uri` and `named-graph-uri` are passed through.
- **The time limit** is the deadline of each request (connect, wait, read); past it the answer is
  the embedded store's "the query was stopped" (503). The store may go on computing: give it its
  own limit too (docs/scaling.md).
- **The dataset version** (ETags, the answer cache) is read from the store: the `dcterms:modified`
  of the dataset in its description graph, which `ldkit publish` writes, read again at most every
  `VERSION_SECONDS`. A write through this server sets it to the time of the write, so every
  instance over the same store sees a new version within that delay: the server keeps no state of
  its own and any number of instances may run behind a load balancer.
- **Writes** (updates, Graph Store PUT/POST/DELETE) go to `update_endpoint` as SPARQL Update, for
  clients holding the update token (checked by `sparql.execution` before anything is sent);
  without an update endpoint they are refused. The Graph Store's `?default` is the graph that
  `ldkit publish` fills with the build's default graph, `{base}id/graph/default`.
- **Failures**: a store that cannot be reached, refuses us or fails is `StoreUnavailable` (502
  with one line); its refusal of a query (HTTP 400, a syntax error) is a 400 with its message.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from datetime import UTC, datetime
from http.client import HTTPResponse
from typing import Any

import pyoxigraph as ox

from ldkit.server.formats import Format, by_key
from ldkit.server.settings import Settings
from ldkit.server.sparql import query_text, results
from ldkit.server.stores.base import (
    WRITES,
    Answer,
    AnswerCache,
    DatasetVersion,
    Job,
    Outcome,
    QueryJob,
    ReadGraphJob,
    StoreUnavailable,
    TimeLimitExceeded,
    UpdateJob,
    WriteGraphJob,
    knows_by_asking,
    parse_time,
)
from ldkit.server.stores.http_client import Credentials, Refusal, Unreachable, open_request
from ldkit.server.stores.remote_answers import (
    as_triples,
    ask_row,
    response_format,
    solutions,
    until,
)
from ldkit.server.xml_entities import parse_graph

VERSION_SECONDS = 5.0  # how long a dataset version read from the store is trusted
UNION_PARAMETER = "union-default-graph"  # the Oxigraph server's union of all graphs
RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"
FORM = "application/x-www-form-urlencoded"
UPDATE = "application/sparql-update"
DCTERMS_MODIFIED = "http://purl.org/dc/terms/modified"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


class _Refused(Exception):
    """The store refused the request itself (HTTP 400): the client's fault, with the reason."""


class RemoteStore:
    """A remote SPARQL 1.1 store (`settings.endpoint`, `settings.update_endpoint`) as our store."""

    def __init__(self, settings: Settings, credentials: Credentials | None = None) -> None:
        if not settings.endpoint:
            raise ValueError("a remote store needs a query URL (endpoint)")
        self.settings = settings
        self.query_url = settings.endpoint
        self.update_url = settings.update_endpoint
        self.credentials = credentials or Credentials()
        self.description_graph = settings.description_graph
        self.default_graph = settings.default_graph  # as `ldkit publish` names it
        self._cache = AnswerCache()
        self._version: DatasetVersion | None = None
        self._version_read = -math.inf
        self._version_lock = threading.Lock()
        self._union: str | None = None  # "native" or "parameter", found on first use

    @property
    def writable(self) -> bool:
        """Whether writes are enabled: an update token and a store to send them to."""
        return bool(self.settings.update_token and self.update_url)

    def version(self) -> DatasetVersion:
        """The dataset version; the last one read (or a placeholder) when the store is down."""
        try:
            return self._current_version()
        except (StoreUnavailable, TimeoutError, _Refused):
            return self._version or DatasetVersion("unreachable", _now().replace(microsecond=0))

    def run(self, job: Job, cacheable: bool = False) -> Outcome:
        """Run a job on the store; reads may be answered from the cache."""
        started = time.perf_counter()
        try:
            version = self._current_version()
        except TimeoutError:
            raise self._time_limit() from None
        key = AnswerCache.key(version.tag, job) if cacheable else ()
        if cacheable and (hit := self._cache.get(key)) is not None:
            return Outcome(hit, 0.0, version, cached=True)
        deadline = time.monotonic() + self.settings.time_limit
        writes = isinstance(job, WRITES)
        try:
            answer = self._answer(job, deadline)
        except _Refused as refused:
            answer = Answer(400, str(refused).encode())
        except (ValueError, SyntaxError) as error:  # a graph IRI or a body we cannot read
            answer = Answer(400, str(error).encode())
        except (StoreUnavailable, TimeoutError) as error:
            if writes:
                self._written()  # it may have been applied: never serve what was before
            if isinstance(error, TimeoutError):
                raise self._time_limit() from None
            raise
        if writes and answer.status < 400:
            self._written()
        if cacheable:
            self._cache.put(key, answer)
        return Outcome(answer, time.perf_counter() - started, version)

    def knows(self, iri: str) -> bool:
        """Whether the dataset says anything of `iri` (an ASK to the store, cached)."""
        return knows_by_asking(self, iri)

    def forget(self) -> None:
        """Empty the answer cache and read the version again on next use."""
        self._cache.clear()
        with self._version_lock:
            self._version_read = -math.inf

    def close(self) -> None:
        """Nothing is held between requests (each request opens its own connection)."""

    def _time_limit(self) -> TimeLimitExceeded:
        """The embedded store's own words for a query stopped at the time limit."""
        return TimeLimitExceeded(
            f"the query was stopped: it ran past the time limit of {self.settings.time_limit:g} s"
        )

    # Operations -------------------------------------------------------------------------

    def _answer(self, job: Job, deadline: float) -> Answer:
        if isinstance(job, QueryJob):
            return self._query(job, deadline)
        if isinstance(job, ReadGraphJob):
            return self._read_graph(job, deadline)
        if isinstance(job, UpdateJob):
            return self._update(job, deadline)
        return self._write_graph(job, deadline)

    def _query(self, job: QueryJob, deadline: float) -> Answer:
        fmt = _format(job.format)
        text = _with_base(job.query, job.base_iri)
        params = [("query", text)]
        if job.default_graphs is not None:
            params += [("default-graph-uri", iri) for iri in job.default_graphs]
            params += [("named-graph-uri", iri) for iri in job.named_graphs]
        elif not job.has_from and self._union_mode(deadline) == "parameter":
            params.append((UNION_PARAMETER, ""))
        form = query_text.query_form(job.query)
        limit = job.row_limit
        if form in ("CONSTRUCT", "DESCRIBE"):
            return self._graph_answer(params, fmt, limit, dict(job.prefixes), deadline)
        with self._post(self.query_url, params, RESULTS_XML, deadline) as response:
            names, boolean, rows = solutions(response, deadline)
            if form == "ASK" and boolean is None:
                boolean = ask_row(rows)  # Virtuoso answers ASK as one row
            if boolean is not None:
                body = results.boolean_body(boolean, fmt)
                return Answer(200, body, fmt.media_type, rows=1)
            body, count, cut = results.bindings_body(names, rows, fmt, limit)
        return Answer(200, body, fmt.media_type, rows=count, truncated=cut)

    def _read_graph(self, job: ReadGraphJob, deadline: float) -> Answer:
        graph = ox.NamedNode(job.graph or self.default_graph)
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        answer = self._graph_answer(
            [("query", query)], _format(job.format), job.row_limit, {}, deadline
        )
        if answer.rows == 0 and job.graph:
            # A store holds no empty graphs (Virtuoso) or cannot say it does: empty is absent.
            return Answer(404, f"no graph <{job.graph}> in this dataset".encode())
        return answer

    def _graph_answer(
        self,
        params: list[tuple[str, str]],
        fmt: Format,
        limit: int,
        prefixes: dict[str, str],
        deadline: float,
    ) -> Answer:
        with self._post(self.query_url, params, N_TRIPLES, deadline) as response:
            source = response_format(response)
            if not isinstance(source.oxigraph, ox.RdfFormat):
                raise StoreUnavailable(f"{self.query_url} answered a graph as {source.media_type}")
            parsed = until(ox.parse(response, format=source.oxigraph), deadline)
            try:
                body, count, cut = results.triples_body(as_triples(parsed), fmt, limit, prefixes)
            except SyntaxError as error:
                message = f"{self.query_url} sent an unreadable graph: {error}"
                raise StoreUnavailable(message) from None
        return Answer(200, body, fmt.media_type, rows=count, truncated=cut)

    def _update(self, job: UpdateJob, deadline: float) -> Answer:
        if not self.update_url:
            return _read_only()
        self._send_update(_with_base(job.update, job.base_iri), deadline)
        return Answer(204)

    def _write_graph(self, job: WriteGraphJob, deadline: float) -> Answer:
        if not self.update_url:
            return _read_only()
        graph = ox.NamedNode(job.graph or self.default_graph)
        triples: list[ox.Triple] = []
        if job.method in ("PUT", "POST"):
            source = _format(job.format)
            assert isinstance(source.oxigraph, ox.RdfFormat)
            triples = parse_graph(job.body, source.oxigraph, job.base_iri)
        exists = not job.graph or self._ask(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        if job.method == "DELETE" and not exists:
            return Answer(404, f"no graph <{job.graph}> in this dataset".encode())
        operations = []
        if job.method in ("PUT", "DELETE"):
            operations.append(f"DROP SILENT GRAPH {graph}")
        if triples:
            operations.append(_insert(graph, triples))
        if operations:
            self._send_update(" ;\n".join(operations), deadline)
        created = not exists and job.method != "DELETE"
        return Answer(201 if created else 204, created=created)

    # The dataset version ----------------------------------------------------------------

    def _current_version(self) -> DatasetVersion:
        with self._version_lock:
            if self._version and time.monotonic() - self._version_read < VERSION_SECONDS:
                return self._version
        query = (
            f"SELECT ?modified WHERE {{ GRAPH <{self.description_graph}> "
            f"{{ <{self.settings.dataset_iri}> <{DCTERMS_MODIFIED}> ?modified }} }}"
        )
        values = sorted(row["modified"].value for row in self._select(query) if row.get("modified"))
        digest = hashlib.sha256("|".join(values).encode()).hexdigest()[:16]
        tag = f"remote-{digest}" if values else "remote-undescribed"
        modified = max((parse_time(v) for v in values), default=datetime(2000, 1, 1, tzinfo=UTC))
        version = DatasetVersion(tag, modified.replace(microsecond=0))
        with self._version_lock:
            self._version, self._version_read = version, time.monotonic()
        return version

    def _written(self) -> None:
        """After a write: record its time as the dataset's `dcterms:modified`, forget answers."""
        graph, modified = f"<{self.description_graph}>", f"<{DCTERMS_MODIFIED}>"
        dataset = f"<{self.settings.dataset_iri}>"
        stamp = f'"{_now().isoformat()}"^^<{XSD_DATETIME}>'
        update = (
            f"DELETE WHERE {{ GRAPH {graph} {{ {dataset} {modified} ?m }} }} ;\n"
            f"INSERT DATA {{ GRAPH {graph} {{ {dataset} {modified} {stamp} }} }}"
        )
        with contextlib.suppress(StoreUnavailable, TimeoutError, _Refused):
            self._send_update(update, time.monotonic() + self.settings.time_limit)
        self.forget()

    # The union of all graphs ------------------------------------------------------------

    def _union_mode(self, deadline: float) -> str:
        """'native' when the store's default graph is the union of its graphs, else 'parameter'."""
        if self._union is not None:
            return self._union
        probe = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && isIRI(?o)) }"
        rows = self._select(probe + " LIMIT 1", deadline)
        if not rows:
            return "native"  # nothing in named graphs yet: ask again next time
        triple = " ".join(str(rows[0][name]) for name in ("s", "p", "o"))
        if self._ask(f"ASK {{ {triple} }}", deadline=deadline):
            self._union = "native"
        elif self._ask(f"ASK {{ {triple} }}", [(UNION_PARAMETER, "")], deadline):
            self._union = "parameter"
        else:
            self._union = "native"  # neither: the store's default graph is what it is
        return self._union

    # HTTP -------------------------------------------------------------------------------

    def _select(
        self, query: str, deadline: float | None = None, extra: Iterable[tuple[str, str]] = ()
    ) -> list[dict[str, Any]]:
        deadline = deadline or time.monotonic() + self.settings.time_limit
        with self._post(self.query_url, [("query", query), *extra], RESULTS_XML, deadline) as r:
            _names, _boolean, rows = solutions(r, deadline)
            return list(rows)

    def _ask(
        self, query: str, extra: Iterable[tuple[str, str]] = (), deadline: float | None = None
    ) -> bool:
        deadline = deadline or time.monotonic() + self.settings.time_limit
        with self._post(self.query_url, [("query", query), *extra], RESULTS_XML, deadline) as r:
            _names, boolean, rows = solutions(r, deadline)
            return boolean if boolean is not None else ask_row(rows)

    def _send_update(self, update: str, deadline: float) -> None:
        assert self.update_url
        with self._post(self.update_url, update.encode(), "*/*", deadline, UPDATE) as response:
            response.read()

    def _post(
        self,
        url: str,
        data: list[tuple[str, str]] | bytes,
        accept: str,
        deadline: float,
        content_type: str = FORM,
    ) -> HTTPResponse:
        """POST to the store; `_Refused`, `StoreUnavailable` or `TimeoutError` when not 2xx."""
        body = data if isinstance(data, bytes) else urllib.parse.urlencode(data).encode()
        headers = {"Content-Type": content_type, "Accept": accept}
        try:
            return open_request(url, body, headers, self.credentials, _left(deadline))
        except Refusal as refusal:
            if refusal.status == 400:
                told = refusal.body or f"the store refused the request ({refusal.where})"
                raise _Refused(told) from None
            raise StoreUnavailable(
                f"the SPARQL store at {refusal.where} answered HTTP {refusal.status}"
                f" {refusal.reason}. {refusal.detail}".strip()
            ) from None
        except Unreachable as failure:
            if failure.timed_out:
                raise TimeoutError(f"{failure.where} took too long") from None
            raise StoreUnavailable(
                f"the SPARQL store at {failure.where} cannot be reached ({failure.reason})"
            ) from None


# Small helpers ----------------------------------------------------------------------------


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("no time left")
    return left


def _format(key: str) -> Format:
    fmt = by_key(key)
    if fmt is None:
        raise ValueError(f"no format {key!r}")
    return fmt


def _with_base(text: str, base: str | None) -> str:
    """The text with a BASE before it when it has relative IRIs (to resolve them as we would).

    Only then, so that the store's messages point at the right column; on the first line, so
    that they point at the right line.
    """
    relative = any(
        t.kind == "iri" and not _ABSOLUTE.match(t.text[1:]) for t in query_text.tokens(text)
    )
    if not base or not relative:
        return text
    try:
        iri = ox.NamedNode(base)
    except ValueError:
        return text  # not an IRI (an odd Host header): relative IRIs stay unresolved
    return f"BASE {iri} {text}"


def _insert(graph: ox.NamedNode, triples: list[ox.Triple]) -> str:
    """Triples added to a graph; with blank nodes, a template Virtuoso accepts (as publishing)."""
    body = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    blank = any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    )
    if blank:
        return f"INSERT {{ GRAPH {graph} {{\n{body}}} }} WHERE {{}}"
    return f"INSERT DATA {{ GRAPH {graph} {{\n{body}}} }}"


def _read_only() -> Answer:
    return Answer(403, b"this endpoint is read-only: the server has no --update-endpoint")


def _now() -> datetime:
    return datetime.now(UTC)
