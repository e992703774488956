"""The query process: holds its own Store, runs one operation at a time, answers over a pipe.

pyoxigraph cannot interrupt a query, so each query runs in one of these processes, which the web
process kills and replaces when the time limit is hit (see `server.query_pool`).

Read-only stores are shared by many processes; a RocksDB store has at most one writer and a
reader must not read while it writes. When updates are enabled, every operation takes a lock file:
shared for reading, exclusive for writing (a writer opens the store read-write, writes, closes it
and bumps the generation file); a reader reopens its read-only store when the generation changed.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import time
import uuid
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from server import results
from server.formats import by_key


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
class StorePaths:
    """Where the store, its lock and its write generation live; `lock` None means read-only."""

    store: Path
    lock: Path | None = None

    @property
    def generation(self) -> Path:
        return self.store.parent / "store.generation"


class _Holder:
    """The store of one process, reopened when a writer has changed it."""

    def __init__(self, paths: StorePaths) -> None:
        self.paths = paths
        self.generation = paths.generation
        self.store: ox.Store | None = None
        self.seen = ""

    def reader(self) -> ox.Store:
        if self.store is not None and self.paths.lock is None:
            return self.store  # without a lock nothing ever writes: no generation to check
        current = _read_generation(self.generation)
        if self.store is None or current != self.seen:
            self.store = None
            self.store = ox.Store.read_only(str(self.paths.store))
            self.seen = current
        return self.store

    @contextmanager
    def locked(self, exclusive: bool) -> Any:
        if self.paths.lock is None:
            yield
            return
        with open(self.paths.lock, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def writer(self) -> Any:
        if self.paths.lock is None:
            raise PermissionError("this store is read-only")
        with self.locked(exclusive=True):
            self.store = None  # never read through a stale handle after this write
            store = ox.Store(str(self.paths.store))
            try:
                yield store
                store.flush()
            finally:
                del store
                bump_generation(self.paths.generation)


def _read_generation(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def bump_generation(path: Path) -> None:
    """Record that the store changed, atomically (readers compare the file's content)."""
    scratch = path.with_suffix(f".{os.getpid()}.tmp")
    scratch.write_text(uuid.uuid4().hex)
    os.replace(scratch, path)


def run_query(holder: _Holder, job: dict[str, Any]) -> Answer:
    """Run a query and serialise its answer in the format `job["format"]`, capped."""
    fmt = by_key(job["format"])
    assert fmt is not None
    with holder.locked(exclusive=False):
        answer = holder.reader().query(job["query"], base_iri=job.get("base_iri"), **_dataset(job))
        limit = job["row_limit"]
        if isinstance(answer, ox.QueryBoolean):
            return Answer(200, results.boolean_body(bool(answer), fmt), fmt.media_type, rows=1)
        if isinstance(answer, ox.QuerySolutions):
            body, rows, cut = results.solutions_body(answer, fmt, limit)
        else:
            body, rows, cut = results.triples_body(answer, fmt, limit, job.get("prefixes") or {})
    return Answer(200, body, fmt.media_type, rows=rows, truncated=cut)


def _dataset(job: dict[str, Any]) -> dict[str, Any]:
    """The dataset arguments: the protocol's graphs, else the query's FROM, else the union."""
    if job.get("default_graphs") is not None:
        return {
            "default_graph": [ox.NamedNode(iri) for iri in job["default_graphs"]],
            "named_graphs": [ox.NamedNode(iri) for iri in job["named_graphs"]],
        }
    return {"use_default_graph_as_union": not job.get("has_from")}


def run_update(holder: _Holder, job: dict[str, Any]) -> Answer:
    """Apply a SPARQL update as the store's only writer."""
    ox.Store().update(job["update"], base_iri=job.get("base_iri"))  # syntax first, nothing held
    with holder.writer() as store:
        store.update(job["update"], base_iri=job.get("base_iri"))
    return Answer(204)


def read_graph(holder: _Holder, job: dict[str, Any]) -> Answer:
    """Serialise one graph of the store (Graph Store Protocol GET)."""
    fmt = by_key(job["format"])
    assert fmt is not None
    graph = ox.NamedNode(job["graph"]) if job.get("graph") else ox.DefaultGraph()
    with holder.locked(exclusive=False):
        store = holder.reader()
        if isinstance(graph, ox.NamedNode) and not store.contains_named_graph(graph):
            return Answer(404, f"no graph <{job['graph']}> in this dataset".encode())
        quads = store.quads_for_pattern(None, None, None, graph)
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        body, rows, cut = results.triples_body(triples, fmt, job["row_limit"], {})
    return Answer(200, body, fmt.media_type, rows=rows, truncated=cut)


def write_graph(holder: _Holder, job: dict[str, Any]) -> Answer:
    """Replace (PUT), add to (POST) or delete (DELETE) one graph (Graph Store Protocol)."""
    graph = ox.NamedNode(job["graph"]) if job.get("graph") else ox.DefaultGraph()
    triples: list[ox.Quad] = []
    if job["method"] in ("PUT", "POST"):
        fmt = by_key(job["format"])
        assert fmt is not None and isinstance(fmt.oxigraph, ox.RdfFormat)
        parsed = ox.parse(job["body"], format=fmt.oxigraph, base_iri=job.get("base_iri"))
        triples = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in parsed]
    with holder.writer() as store:
        exists = isinstance(graph, ox.DefaultGraph) or store.contains_named_graph(graph)
        if job["method"] == "DELETE" and not exists:
            return Answer(404, f"no graph <{job['graph']}> in this dataset".encode())
        if job["method"] in ("PUT", "DELETE"):
            if isinstance(graph, ox.NamedNode) and exists:
                store.remove_graph(graph)
            elif exists:
                store.clear_graph(graph)
        if isinstance(graph, ox.NamedNode) and job["method"] != "DELETE":
            store.add_graph(graph)
        store.extend(triples)
    return Answer(201 if not exists and job["method"] != "DELETE" else 204, created=not exists)


OPERATIONS = {
    "query": run_query,
    "update": run_update,
    "read_graph": read_graph,
    "write_graph": write_graph,
}


def serve(connection: Connection, paths: StorePaths) -> None:
    """Answer operations sent over `connection` until the web process closes it."""
    holder = _Holder(paths)
    while True:
        try:
            operation, job = connection.recv()
        except (EOFError, OSError):
            return
        started = time.perf_counter()
        try:
            answer = OPERATIONS[operation](holder, job)
        except SyntaxError as error:
            answer = Answer(400, str(error).encode())
        except (ValueError, TypeError) as error:
            answer = Answer(400, str(error).encode())
        except Exception as error:  # the web process answers 500 with the message
            answer = Answer(500, f"{type(error).__name__}: {error}".encode())
        answer_time = time.perf_counter() - started
        connection.send((answer, answer_time))
