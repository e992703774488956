"""A small pool of query processes per web process, each stopped and replaced at the time limit.

Each process (see `worker`) opens its own store and answers one operation at a time
over a pipe. The web thread sends an operation and waits on the pipe with the time limit; when the
limit passes it kills the process, starts a fresh one and reports `TimeLimitExceeded`, so a runaway
query costs one process, never the web server.

The limit counts from the moment the operation asks for a process, waiting included, so no
operation answers later than its limit. Opening the store is not counted (a process reports it,
and a slow open is logged). A write is stopped only before it commits: once its process reports
it committed, the pool waits for its answer, so a write is never reported stopped when it was
done, nor done when it was reported stopped.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import queue
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

from ldkit.server.stores.base import (
    WRITES,
    Answer,
    Job,
    PoolBusy,
    StoreSlowToOpen,
    TimeLimitExceeded,
    WorkerLost,
    WriteGraphJob,
    WriteStopped,
)
from ldkit.server.stores.worker import Progress, StorePaths, serve

log = logging.getLogger("ldkit")

# How long opening the store may take (it is never a query's time), and from when it is logged.
OPEN_LIMIT = 600.0
SLOW_OPEN = 1.0


class _Worker:
    """One query process and the parent's end of its pipe."""

    def __init__(self, context: Any, paths: StorePaths) -> None:
        self.connection, child_end = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=serve, args=(child_end, paths), daemon=True, name="ldkit-query"
        )
        self.process.start()
        child_end.close()

    def stop(self) -> None:
        """Kill the process and release the pipe and the process handle."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()
        self.process.close()


class QueryPool:
    """At most `size` query processes, started on demand and shared by the web threads."""

    def __init__(self, paths: StorePaths, size: int, time_limit: float) -> None:
        self.paths = paths
        self.size = max(1, size)
        self.time_limit = time_limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._started = 0
        self._lock = threading.Lock()
        self._closed = False
        self._workers: set[_Worker] = set()
        atexit.register(self.close)

    def start(self) -> None:
        """Start every process now instead of on first use (servers call this after forking)."""
        while self._started < self.size:
            self._idle.put(self._spawn())

    def run(self, job: Job) -> tuple[Answer, float]:
        """Run one job in a query process: its answer and the seconds it took there."""
        deadline = time.monotonic() + self.time_limit
        worker = self._acquire(deadline)
        try:
            worker.connection.send(job)
            answer, seconds = self._wait(worker, job, deadline)
        except (EOFError, OSError) as error:
            reason = _why_stopped(worker, error)
            self._replace(worker)
            raise WorkerLost(f"the query process stopped unexpectedly ({reason})") from error
        except StoreSlowToOpen:
            self._replace(worker)
            raise
        self._idle.put(worker)
        return answer, seconds

    def _wait(self, worker: _Worker, job: Job, deadline: float) -> tuple[Answer, float]:
        """The answer, following the process's progress reports; stops it at the deadline."""
        connection = worker.connection
        while True:
            if not connection.poll(max(0.0, deadline - time.monotonic())):
                return self._stop(worker, job)
            message = connection.recv()
            if not isinstance(message, Progress):
                answer, seconds = message
                return answer, seconds
            if message.step == "opening":
                deadline += self._opened(connection)
            elif message.step == "committed":
                return _finish(connection)

    def _opened(self, connection: Any) -> float:
        """Wait for the store to open; the seconds it took, which the deadline does not count."""
        started = time.monotonic()
        if not connection.poll(OPEN_LIMIT):
            raise StoreSlowToOpen(f"the store did not open in {OPEN_LIMIT:g} s")
        report = connection.recv()
        if report.seconds > SLOW_OPEN:
            log.warning(
                "ldkit: the store took %.1f s to open (not counted in the time limit)",
                report.seconds,
            )
        return time.monotonic() - started

    def _stop(self, worker: _Worker, job: Job) -> tuple[Answer, float]:
        """Kill a process past its deadline; a write that committed meanwhile is answered."""
        worker.process.kill()
        try:
            while worker.connection.poll(0):
                message = worker.connection.recv()
                if isinstance(message, Progress) and message.step == "committed":
                    self._replace(worker)
                    return _committed(message), 0.0
        except (EOFError, OSError):
            pass
        self._replace(worker)
        if isinstance(job, WriteGraphJob) and self.paths.journal.exists():
            return Answer(204), 0.0  # its journal is durable: the next process completes it
        limit = f"the time limit of {self.time_limit:g} s"
        if isinstance(job, WRITES):
            raise WriteStopped(
                f"the write was stopped: it ran past {limit} before it committed, and changed"
                " nothing"
            )
        raise TimeLimitExceeded(f"the query was stopped: it ran past {limit}")

    def close(self) -> None:
        """Stop every process (idempotent)."""
        with self._lock:
            self._closed = True
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.stop()

    def _acquire(self, deadline: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            can_spawn = self._started < self.size
            if can_spawn:
                self._started += 1
        if can_spawn:
            return self._spawn(counted=True)
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise PoolBusy(
                f"every query process stayed busy for the time limit of {self.time_limit:g} s;"
                " try again shortly"
            ) from None

    def _spawn(self, counted: bool = False) -> _Worker:
        with self._lock:
            if self._closed:
                raise WorkerLost("the query pool is closed")
            if not counted:
                self._started += 1
        worker = _Worker(self._context, self.paths)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
            self._started -= 1
        worker.stop()


def _finish(connection: Any) -> tuple[Answer, float]:
    """After a commit: the answer, however long the rest takes (it cannot be undone)."""
    message = connection.recv()
    while isinstance(message, Progress):
        message = connection.recv()
    answer, seconds = message
    return answer, seconds


def _committed(progress: Progress) -> Answer:
    """The answer of a write that committed before its process was stopped."""
    return Answer(201 if progress.created else 204, created=progress.created)


def _why_stopped(worker: _Worker, error: Exception) -> str:
    """A reason that is never empty: the exit code or signal, else the pipe's error."""
    worker.process.join(timeout=1.0)
    code = worker.process.exitcode
    if code is not None and code < 0:
        return f"killed by signal {-code}"
    if code is not None:
        return f"exit code {code}"
    return str(error) or type(error).__name__
