"""The store contract: what the server uses of a store, what comes back, and how it fails.

Both implementations (`embedded`, over the pyoxigraph build through killable query processes,
and `remote`, over a SPARQL 1.1 store) import only this module. An operation is one of
a job below (a query, an update, a graph read or written); it answers an `Answer`, wrapped in an
`Outcome` with the dataset version, or raises one of the failures below.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, Protocol

import pyoxigraph as ox

from ldkit.server.settings import Settings

CACHE_ENTRIES = 4096
CACHE_BODY_BYTES = 8 * 1024 * 1024  # larger answers are not kept
CACHE_TOTAL_BYTES = 128 * 1024 * 1024  # per web process


@dataclasses.dataclass(frozen=True)
class QueryJob:
    """Run a query; its answer in the media type `format`, cut at `row_limit` rows or triples.

    The dataset: the protocol's `default_graphs` and `named_graphs` when given, else the query's
    own FROM (`has_from`), else the union of all graphs. `prefixes` are kept in Turtle answers.
    `lookups` says the query only describes named things (`query_text.looks_up_only`): its work
    is bounded by the row cap, so a store may answer it without a process it could stop.
    """

    query: str
    format: str
    row_limit: int
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] = ()
    has_from: bool = False
    prefixes: tuple[tuple[str, str], ...] = ()
    lookups: bool = False


@dataclasses.dataclass(frozen=True)
class UpdateJob:
    """Apply a SPARQL update."""

    update: str
    base_iri: str | None = None


@dataclasses.dataclass(frozen=True)
class ReadGraphJob:
    """Read one graph (`graph` None: the store's default graph) in the media type `format`."""

    graph: str | None
    format: str
    row_limit: int


@dataclasses.dataclass(frozen=True)
class WriteGraphJob:
    """PUT (replace), POST (add to) or DELETE one graph; `body` in the media type `format`."""

    graph: str | None
    method: str
    base_iri: str | None = None
    format: str = ""
    body: bytes = b""


Job = QueryJob | UpdateJob | ReadGraphJob | WriteGraphJob
WRITES = (UpdateJob, WriteGraphJob)


@dataclasses.dataclass
class Answer:
    """What a query process sends back: a status, a body and what the body is."""

    status: int
    body: bytes = b""
    media_type: str = "text/plain; charset=utf-8"
    rows: int = 0
    truncated: bool = False
    created: bool = False


@dataclasses.dataclass(frozen=True)
class DatasetVersion:
    """What identifies the data being served: the build digest plus the write generation."""

    tag: str
    modified: datetime


@dataclasses.dataclass(frozen=True)
class Outcome:
    """An answer from the store and how long the engine took."""

    answer: Answer
    seconds: float
    version: DatasetVersion
    cached: bool = False


def knows_by_asking(store: Store, iri: str) -> bool:
    """Whether the dataset says anything of `iri`, as subject or object: one cached ASK."""
    x = str(ox.NamedNode(iri))
    job = QueryJob(
        f"ASK {{ {{ {x} ?p ?o }} UNION {{ ?s ?q {x} }} }}",
        "application/sparql-results+json",
        1,
        store.settings.base_iri,
    )
    answer = store.run(job, cacheable=True).answer
    if answer.status >= 400:
        return False
    return bool(ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON))


class StoreUnavailable(RuntimeError):
    """The store cannot answer at all (a remote store down, refusing us or failing)."""


class Store(Protocol):
    """What the server uses of a store; its operations and jobs are those of `worker`."""

    settings: Settings

    @property
    def writable(self) -> bool: ...

    def version(self) -> DatasetVersion: ...

    def run(self, job: Job, cacheable: bool = False) -> Outcome: ...

    def knows(self, iri: str) -> bool: ...

    def forget(self) -> None: ...

    def close(self) -> None: ...


class TimeLimitExceeded(RuntimeError):
    """The operation ran past the time limit; its process was killed."""


class PoolBusy(RuntimeError):
    """Every query process stayed busy for a whole time limit."""


class WorkerLost(RuntimeError):
    """The query process died while answering (it was replaced)."""


class WriteStopped(RuntimeError):
    """A write ran past the time limit before it committed: it was stopped and changed nothing."""


class StoreSlowToOpen(RuntimeError):
    """The store took longer than OPEN_LIMIT to open."""


class AnswerCache:
    """Answers of one web process by (job, dataset version), least recently used out.

    Keys start with the operation and the version tag; an answer for another tag than the current
    one empties the cache first, so nothing from an older version is ever served.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._lock = threading.Lock()
        self._tag = ""
        self._bytes = 0

    @staticmethod
    def key(tag: str, job: Job) -> tuple[Any, ...]:
        return (type(job).__name__, tag, job)

    def get(self, key: tuple[Any, ...]) -> Answer | None:
        with self._lock:
            if key[1] != self._tag:
                self._cache.clear()
                self._tag, self._bytes = key[1], 0
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], answer: Answer) -> None:
        if answer.status != 200 or len(answer.body) > CACHE_BODY_BYTES:
            return
        with self._lock:
            if key[1] != self._tag:
                return  # the data changed while the query ran
            previous = self._cache.pop(key, None)
            self._bytes -= len(previous.body) if previous else 0
            self._cache[key] = answer
            self._bytes += len(answer.body)
            while len(self._cache) > CACHE_ENTRIES or self._bytes > CACHE_TOTAL_BYTES:
                _, dropped = self._cache.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._tag, self._bytes = "", 0


def parse_time(value: Any) -> datetime:
    """A time read from a build or a store (UTC when it has no zone; 2000 when unreadable)."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
