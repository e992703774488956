"""A small pool of query processes per web process, each stopped and replaced at the time limit.

Each process (see `server.query_worker`) opens its own store and answers one operation at a time
over a pipe. The web thread sends an operation and waits on the pipe with the time limit; when the
limit passes it kills the process, starts a fresh one and reports `TimeLimitExceeded`, so a runaway
query costs one process, never the web server.
"""

from __future__ import annotations

import atexit
import multiprocessing
import queue
import threading
from multiprocessing.process import BaseProcess
from typing import Any

from server.query_worker import Answer, StorePaths, serve


class TimeLimitExceeded(RuntimeError):
    """The operation ran past the time limit; its process was killed."""


class PoolBusy(RuntimeError):
    """Every query process stayed busy for a whole time limit."""


class WorkerLost(RuntimeError):
    """The query process died while answering (it was replaced)."""


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

    def run(self, operation: str, job: dict[str, Any]) -> tuple[Answer, float]:
        """Run one operation in a query process: its answer and the seconds it took there."""
        worker = self._acquire()
        try:
            worker.connection.send((operation, job))
            if not worker.connection.poll(self.time_limit):
                self._replace(worker)
                raise TimeLimitExceeded(
                    f"the query was stopped: it ran past the time limit of {self.time_limit:g} s"
                )
            answer, seconds = worker.connection.recv()
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise WorkerLost(f"the query process stopped unexpectedly ({error})") from error
        self._idle.put(worker)
        return answer, seconds

    def close(self) -> None:
        """Stop every process (idempotent)."""
        with self._lock:
            self._closed = True
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.stop()

    def _acquire(self) -> _Worker:
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
            return self._idle.get(timeout=self.time_limit)
        except queue.Empty:
            raise PoolBusy("every query process is busy; try again shortly") from None

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
