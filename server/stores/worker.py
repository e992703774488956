"""The query process: holds its own Store, runs one operation at a time, answers over a pipe.

pyoxigraph cannot interrupt a query, so each query runs in one of these processes, which the web
process kills and replaces when the time limit is hit (see `ldkit.server.stores.pool`).

Read-only stores are shared by many processes; a RocksDB store has at most one writer and a
reader must not read while it writes. When updates are enabled, every operation takes a lock file:
shared for reading, exclusive for writing (a writer opens the store read-write, writes, closes it
and bumps the generation file); a reader reopens its read-only store when the generation changed.

Before its answer a process may report `Progress`: that it is opening the store (which the pool
does not count against the time limit) and that a write reached its point of no return (which
the pool never stops). A Graph Store PUT first writes the new graph to a journal file, so that a
process killed while replacing the graph is finished by the next one that opens the store: the
graph is always the old one or the new one, never empty or half-written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from ldkit.server.formats import by_key
from ldkit.server.sparql import results
from ldkit.server.stores.base import Answer, QueryJob, ReadGraphJob, UpdateJob, WriteGraphJob
from ldkit.server.xml_entities import parse_graph

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Progress:
    """A step a query process reports before its answer (see the module's docstring).

    `step` is "opening" (the store is being opened), "opened" (after `seconds`) or "committed"
    (the write is durable, or will be completed from its journal: stopping the process now would
    not undo it; `created` tells whether it created the graph).
    """

    step: str
    seconds: float = 0.0
    created: bool = False


# A write-ahead log larger than this after an interrupted write is replayed and flushed once by
# a read-write open (a checkpoint) instead of by every read-only open after it.
CHECKPOINT_LOG_BYTES = 16 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class StorePaths:
    """Where the store, its lock and its write generation live; `lock` None means read-only."""

    store: Path
    lock: Path | None = None

    @property
    def generation(self) -> Path:
        return self.store.parent / "store.generation"

    @property
    def journal(self) -> Path:
        """The graph a PUT is replacing, written before the store is touched."""
        return self.store.parent / "store.journal"

    @property
    def checkpoint_lock(self) -> Path:
        return self.store.parent / "store.checkpoint.lock"


def _no_report(progress: Progress) -> None:
    return None


class _Holder:
    """The store of one process, reopened when a writer has changed it."""

    def __init__(self, paths: StorePaths, report: Callable[[Progress], None] = _no_report) -> None:
        self.paths = paths
        self.generation = paths.generation
        self.store: ox.Store | None = None
        self.seen = ""
        self.report = report

    @contextlib.contextmanager
    def reading(self) -> Iterator[ox.Store]:
        """The store to read, under the shared lock for as long as it is read: no writer changes
        its files while it opens or answers (an open during a writer's compaction failed)."""
        with self.locked(exclusive=False):
            yield self._reader()

    def _reader(self) -> ox.Store:
        if self.store is not None and self.paths.lock is None:
            return self.store  # without a lock nothing ever writes: no generation to check
        current = _read_generation(self.generation)
        if self.store is None or current != self.seen:
            self.store = None
            self.store = self._open()
            self.seen = current
        return self.store

    def _open(self) -> ox.Store:
        """Open the store read-only, reporting the time it takes (a checkpoint first if due)."""
        self.report(Progress("opening"))
        started = time.perf_counter()
        try:
            checkpoint(self.paths)
            return ox.Store.read_only(str(self.paths.store))
        finally:
            self.report(Progress("opened", time.perf_counter() - started))

    def finish_interrupted_write(self) -> None:
        """Replay the journal of a PUT that a killed process left, before anything reads."""
        if self.paths.lock is not None and self.paths.journal.exists():
            self.write(lambda store: None)  # the writer replays the journal when it opens it

    @contextlib.contextmanager
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

    def write(self, change: Callable[[ox.Store], T]) -> T:
        """`change(store)` on the store opened read-write, as its only writer, then flushed.

        RocksDB lets one process at a time open a store read-write, and pyoxigraph closes it
        when its last reference goes. So the store never leaves this method: it is closed
        before the lock is let go, also when `change` fails (the traceback's finished frames
        let go of it), and the next writer of any process opens it at once.
        """
        if self.paths.lock is None:
            raise PermissionError("this store is read-only")
        with self.locked(exclusive=True):
            self.store = None  # never read through a stale handle after this write
            store = ox.Store(str(self.paths.store))
            try:
                replay_journal(store, self.paths.journal)
                done = change(store)
                store.flush()  # an empty write-ahead log: read-only opens stay instant
                return done
            except BaseException as error:
                traceback.clear_frames(error.__traceback__)
                raise
            finally:
                del store
                bump_generation(self.paths.generation)


def checkpoint(paths: StorePaths) -> None:
    """Flush a large write-ahead log (left by a killed writer) through one read-write open."""
    if _log_bytes(paths.store) <= CHECKPOINT_LOG_BYTES:
        return
    with open(paths.checkpoint_lock, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if _log_bytes(paths.store) <= CHECKPOINT_LOG_BYTES:
            return  # another process did it while this one waited
        try:
            store = ox.Store(str(paths.store))
        except OSError:
            return  # a writer holds the store: it flushes when it is done
        replay_journal(store, paths.journal)
        store.flush()
        del store


def _log_bytes(store: Path) -> int:
    return sum(log.stat().st_size for log in store.glob("*.log"))


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


def run_query(holder: _Holder, job: QueryJob) -> Answer:
    """Run a query and serialise its answer in the job's format, capped."""
    with holder.reading() as store:
        return query_answer(store, job)


def query_answer(store: ox.Store, job: QueryJob) -> Answer:
    """The answer of a query on `store`, serialised in the job's format and capped."""
    fmt = by_key(job.format)
    assert fmt is not None
    answer = store.query(job.query, base_iri=job.base_iri, **_dataset(job))
    limit = job.row_limit
    if isinstance(answer, ox.QueryBoolean):
        return Answer(200, results.boolean_body(bool(answer), fmt), fmt.media_type, rows=1)
    if isinstance(answer, ox.QuerySolutions):
        body, rows, cut = results.solutions_body(answer, fmt, limit, job.query)
    else:
        body, rows, cut = results.triples_body(answer, fmt, limit, dict(job.prefixes))
    return Answer(200, body, fmt.media_type, rows=rows, truncated=cut)


def _dataset(job: QueryJob) -> dict[str, Any]:
    """The dataset arguments: the protocol's graphs, else the query's FROM, else the union."""
    if job.default_graphs is not None:
        return {
            "default_graph": [ox.NamedNode(iri) for iri in job.default_graphs],
            "named_graphs": [ox.NamedNode(iri) for iri in job.named_graphs],
        }
    return {"use_default_graph_as_union": not job.has_from}


def run_update(holder: _Holder, job: UpdateJob) -> Answer:
    """Apply a SPARQL update as the store's only writer."""
    ox.Store().update(job.update, base_iri=job.base_iri)  # syntax first, nothing held

    def change(store: ox.Store) -> None:
        store.update(job.update, base_iri=job.base_iri)  # one transaction
        holder.report(Progress("committed"))  # what remains (the flush) is never stopped

    holder.write(change)
    return Answer(204)


def read_graph(holder: _Holder, job: ReadGraphJob) -> Answer:
    """Serialise one graph of the store (Graph Store Protocol GET)."""
    fmt = by_key(job.format)
    assert fmt is not None
    graph = ox.NamedNode(job.graph) if job.graph else ox.DefaultGraph()
    with holder.reading() as store:
        if isinstance(graph, ox.NamedNode) and not store.contains_named_graph(graph):
            return Answer(404, f"no graph <{job.graph}> in this dataset".encode())
        quads = store.quads_for_pattern(None, None, None, graph)
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        body, rows, cut = results.triples_body(triples, fmt, job.row_limit, {})
    return Answer(200, body, fmt.media_type, rows=rows, truncated=cut)


def write_graph(holder: _Holder, job: WriteGraphJob) -> Answer:
    """Replace (PUT), add to (POST) or delete (DELETE) one graph (Graph Store Protocol).

    Each is all or nothing: POST is one transaction, DELETE too, and PUT goes through the
    journal (see `replace_graph`). The body is parsed before anything is written, so a write
    stopped while parsing has changed nothing.
    """
    graph = ox.NamedNode(job.graph) if job.graph else ox.DefaultGraph()
    triples: list[ox.Triple] = []
    if job.method in ("PUT", "POST"):
        fmt = by_key(job.format)
        assert fmt is not None and isinstance(fmt.oxigraph, ox.RdfFormat)
        triples = parse_graph(job.body, fmt.oxigraph, job.base_iri)

    def change(store: ox.Store) -> Answer:
        exists = isinstance(graph, ox.DefaultGraph) or store.contains_named_graph(graph)
        if job.method == "DELETE" and not exists:
            return Answer(404, f"no graph <{job.graph}> in this dataset".encode())
        created = not exists and job.method != "DELETE"
        if job.method == "PUT":
            write_journal(holder.paths.journal, graph, triples)
            holder.report(Progress("committed", created=created))  # the journal completes it
            replace_graph(store, graph, triples, holder.paths.journal)
        else:
            _add_or_delete(store, graph, job.method, triples)
            holder.report(Progress("committed", created=created))
        return Answer(201 if created else 204, created=created)

    return holder.write(change)


def _add_or_delete(
    store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, method: str, triples: list[ox.Triple]
) -> None:
    """POST or DELETE, each in one transaction."""
    if method == "DELETE":
        _drop(store, graph)
    else:
        _add(store, graph, triples)


def _add(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, triples: list[ox.Triple]) -> None:
    """Add triples to a graph in one transaction (which creates it); an empty one is created."""
    if triples:
        store.extend(_in_graph(triples, graph))
    elif isinstance(graph, ox.NamedNode):
        store.add_graph(graph)


def _in_graph(triples: Iterable[ox.Triple], graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def _drop(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> None:
    if isinstance(graph, ox.NamedNode):
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    else:
        store.clear_graph(graph)


_JOURNAL_HEAD = "# ldkit journal: replace "


def write_journal(
    journal: Path, graph: ox.NamedNode | ox.DefaultGraph, triples: list[ox.Triple]
) -> None:
    """Write the graph a PUT will put in place, durably, before the store is touched."""
    name = graph.value if isinstance(graph, ox.NamedNode) else ""
    scratch = journal.with_suffix(".writing")
    with open(scratch, "wb") as handle:
        handle.write(f"{_JOURNAL_HEAD}{name}\n".encode())
        handle.write(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, journal)
    _sync_folder(journal.parent)


def replace_graph(
    store: ox.Store,
    graph: ox.NamedNode | ox.DefaultGraph,
    triples: list[ox.Triple],
    journal: Path,
) -> None:
    """Put `triples` in place of the graph, then forget the journal that makes it redoable."""
    _drop(store, graph)
    _add(store, graph, triples)
    journal.unlink(missing_ok=True)


def replay_journal(store: ox.Store, journal: Path) -> None:
    """Finish the PUT whose journal a killed process left (replacing a graph is idempotent)."""
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        return
    head, _, body = data.partition(b"\n")
    name = head.decode().removeprefix(_JOURNAL_HEAD)
    graph = ox.NamedNode(name) if name else ox.DefaultGraph()
    triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    replace_graph(store, graph, triples, journal)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


OPERATIONS: dict[type, Callable[[_Holder, Any], Answer]] = {
    QueryJob: run_query,
    UpdateJob: run_update,
    ReadGraphJob: read_graph,
    WriteGraphJob: write_graph,
}


# The engine's parser and planner recurse once per level of a query's tree. On the 8 MiB stack
# of a main thread about 10,000 levels (`1+1+...`, a chain of UNIONs, of OPTIONALs, of FILTERs)
# overflowed it and killed the process. Jobs run on a thread whose stack holds the longest chain
# that a 1 MiB body can write (`1+` x 524,288, measured); deeper brackets are refused before, by
# `sparql.query_text.MAX_NESTING`. It is address space: only what a query touches is memory.
JOB_STACK_BYTES = 1 << 30


def serve(connection: Connection, paths: StorePaths) -> None:
    """Answer the jobs sent over `connection` until the web process closes it (on a thread with
    a stack of `JOB_STACK_BYTES`)."""
    threading.stack_size(JOB_STACK_BYTES)
    jobs = threading.Thread(target=_serve, args=(connection, paths), name="ldkit-jobs")
    jobs.start()
    jobs.join()


def _serve(connection: Connection, paths: StorePaths) -> None:
    """Answer the jobs sent over `connection` until the web process closes it.

    The store is opened first, before any operation (its progress is reported), and a PUT
    that a killed process left half-done is finished before anything reads.
    """
    holder = _Holder(paths, connection.send)
    with contextlib.suppress(OSError):  # a store that cannot open is told by the first answer
        holder.finish_interrupted_write()
        with holder.reading():  # opened now, before the first job
            pass
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(timed_answer(functools.partial(_operate, holder, job)))


def _operate(holder: _Holder, job: Any) -> Answer:
    if not isinstance(job, WriteGraphJob):
        holder.finish_interrupted_write()
    return OPERATIONS[type(job)](holder, job)


def timed_answer(operate: Callable[[], Answer]) -> tuple[Answer, float]:
    """The answer of an operation and the seconds it took; the engine's errors as answers:
    a syntax error or a bad value is a 400, anything else a 500 with its message."""
    started = time.perf_counter()
    try:
        answer = operate()
    except (SyntaxError, ValueError, TypeError) as error:
        answer = Answer(400, str(error).encode())
    except Exception as error:  # the web process answers 500 with the message
        answer = Answer(500, f"{type(error).__name__}: {error}".encode())
    return answer, time.perf_counter() - started
