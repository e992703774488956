"""The store behind the server: one small interface (`Store`), two implementations.

`EmbeddedStore` runs every operation in the query pool over the pyoxigraph build, knows the
dataset version (from `build.json` and the write generation) and keeps answers cached by
(operation, dataset version, format) in this web process; any update changes the version and so
empties the cache. `server.remote_store.RemoteBackedStore` does the same over a remote SPARQL
store (`ldkit serve --endpoint`). `open_store` picks one from the settings: the only place that
chooses.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from server.query_pool import QueryPool
from server.query_worker import Answer, StorePaths, bump_generation
from server.settings import Settings

CACHE_ENTRIES = 4096
CACHE_BODY_BYTES = 8 * 1024 * 1024  # larger answers are not kept
CACHE_TOTAL_BYTES = 128 * 1024 * 1024  # per web process


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


class StoreUnavailable(RuntimeError):
    """The store cannot answer at all (a remote store down, refusing us or failing)."""


class Store(Protocol):
    """What the server uses of a store; operations and jobs are those of `server.query_worker`."""

    settings: Settings

    @property
    def writable(self) -> bool: ...

    def version(self) -> DatasetVersion: ...

    def run(self, operation: str, job: dict[str, Any], cacheable: bool = False) -> Outcome: ...

    def forget(self) -> None: ...

    def close(self) -> None: ...


def open_store(settings: Settings, pool_size: int = 4) -> Store:
    """The store the settings name: the remote one of `endpoint`, else the embedded build."""
    if settings.endpoint:
        from server.remote_store import RemoteBackedStore  # it imports this module

        return RemoteBackedStore(settings)
    return EmbeddedStore(settings, pool_size=pool_size)


class AnswerCache:
    """Answers of one web process by (operation, dataset version, job), least recently used out.

    Keys start with the operation and the version tag; an answer for another tag than the current
    one empties the cache first, so nothing from an older version is ever served.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()
        self._lock = threading.Lock()
        self._tag = ""
        self._bytes = 0

    @staticmethod
    def key(operation: str, tag: str, job: dict[str, Any]) -> tuple[Any, ...]:
        return (operation, tag, json.dumps(job, sort_keys=True))

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


class EmbeddedStore:
    """The pyoxigraph store built by `ldkit build`, queried through killable processes."""

    def __init__(self, settings: Settings, pool_size: int = 4) -> None:
        self.settings = settings
        self.build_dir = Path(settings.build_dir)
        lock = self.build_dir / "store.lock" if settings.update_token else None
        self.paths = StorePaths(self.build_dir / "store", lock)
        self.pool = QueryPool(self.paths, pool_size, settings.time_limit)
        self._cache = AnswerCache()
        self._stamp: tuple[Any, ...] = ()
        self._version = DatasetVersion("", datetime.now(UTC))

    @property
    def writable(self) -> bool:
        """Whether updates are enabled (the server was given an update token)."""
        return self.paths.lock is not None

    def version(self) -> DatasetVersion:
        """The current dataset version; re-read only when build.json or the generation changed."""
        stamp = tuple(_stat(p) for p in (self.build_dir / "build.json", self.paths.generation))
        if stamp != self._stamp:
            self._version = _read_version(self.build_dir, self.paths.generation)
            self._stamp = stamp
        return self._version

    def run(self, operation: str, job: dict[str, Any], cacheable: bool = False) -> Outcome:
        """Run an operation in the pool; read operations may be answered from the cache."""
        version = self.version()
        key = AnswerCache.key(operation, version.tag, job) if cacheable else ()
        if cacheable and (hit := self._cache.get(key)) is not None:
            return Outcome(hit, 0.0, version, cached=True)
        try:
            answer, seconds = self.pool.run(operation, job)
        except Exception:
            if operation != "query" and not operation.startswith("read"):
                bump_generation(self.paths.generation)  # a killed writer: readers reopen
                self.forget()
            raise
        if cacheable:
            self._cache.put(key, answer)
        elif not cacheable and operation != "query":
            self.forget()
        return Outcome(answer, seconds, version)

    def forget(self) -> None:
        """Empty the answer cache (after a write)."""
        self._cache.clear()

    def close(self) -> None:
        """Stop the query processes."""
        self.pool.close()


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _read_version(build_dir: Path, generation: Path) -> DatasetVersion:
    try:
        build = json.loads((build_dir / "build.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        build = {}
    tag = str(build.get("version", "unbuilt"))[:20]
    modified = _parse_time(build.get("built_at"))
    if generation.exists():
        tag = f"{tag}-{generation.read_text()[:12]}"
        written = datetime.fromtimestamp(generation.stat().st_mtime, UTC)
        modified = max(modified, written)
    return DatasetVersion(tag, modified.replace(microsecond=0))


def _parse_time(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
