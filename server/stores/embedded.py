"""The embedded store: the pyoxigraph build, queried through killable query processes.

`EmbeddedStore` runs every operation in the query pool (`pool`, `worker`), knows the dataset
version (from `build.json` and the write generation) and keeps answers cached by (operation,
dataset version, format) in this web process; any update changes the version and so empties the
cache. `remote.RemoteStore` does the same over a remote SPARQL store (`ldkit serve --endpoint`);
`app.open_store` picks one from the settings, the only place that chooses.
"""

from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ldkit.server.settings import Settings
from ldkit.server.stores.base import (
    WRITES,
    Answer,
    AnswerCache,
    DatasetVersion,
    Job,
    Outcome,
    QueryJob,
    knows_by_asking,
    parse_time,
)
from ldkit.server.stores.pool import QueryPool
from ldkit.server.stores.worker import StorePaths, bump_generation, query_answer, timed_answer

# How long a read-only store's dataset version is taken as current before its files are
# looked at again: a new build is served at most this late.
VERSION_RECHECK = 0.01


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
        self._lookup: tuple[str, ox.Store] | None = None  # (version tag, read-only handle)
        self._stamped = (self.build_dir / "build.json", self.paths.generation)  # what versions
        self._recheck_at = 0.0

    @property
    def writable(self) -> bool:
        """Whether updates are enabled (the server was given an update token)."""
        return self.paths.lock is not None

    def version(self) -> DatasetVersion:
        """The current dataset version; re-read only when build.json or the generation changed.

        Read-only, only a new build changes it, so the files are looked at (two `stat` calls,
        about 10 us each here) at most once every VERSION_RECHECK seconds; with writes on, on
        every call, so that a client reads its own writes from any web process.
        """
        now = time.monotonic()
        if self.writable or now >= self._recheck_at:
            stamp = tuple(_stat(p) for p in self._stamped)
            if stamp != self._stamp:
                self._version = _read_version(self.build_dir, self.paths.generation)
                self._stamp = stamp
            self._recheck_at = now + VERSION_RECHECK
        return self._version

    def run(self, job: Job, cacheable: bool = False) -> Outcome:
        """Run a job in the pool; reads may be answered from the cache."""
        version = self.version()
        key = AnswerCache.key(version.tag, job) if cacheable else ()
        if cacheable and (hit := self._cache.get(key)) is not None:
            return Outcome(hit, 0.0, version, cached=True)
        try:
            answer, seconds = self._answer(job, version.tag)
        except Exception:
            if isinstance(job, WRITES):
                bump_generation(self.paths.generation)  # a killed writer: readers reopen
                self.forget()
            raise
        if cacheable:
            self._cache.put(key, answer)
        elif isinstance(job, WRITES):
            self.forget()
        return Outcome(answer, seconds, version)

    def _answer(self, job: Job, tag: str) -> tuple[Answer, float]:
        """In this process when read-only and the query only looks things up (its work is
        bounded by the row cap: nothing to stop), else in a query process of the pool."""
        if isinstance(job, QueryJob) and job.lookups and not self.writable:
            return timed_answer(functools.partial(query_answer, self._lookups(tag), job))
        return self.pool.run(job)

    def knows(self, iri: str) -> bool:
        """Whether the dataset says anything of `iri`, as subject or object.

        Read-only (no update token: nothing but a build changes the store), this is two index
        lookups in a read-only handle of this web process, opened again when the build changes;
        with writes possible, an ASK through the query processes (cached per version).
        """
        if self.writable:
            return knows_by_asking(self, iri)
        node = ox.NamedNode(iri)
        store = self._lookups(self.version().tag)
        for pattern in ((node, None, None, None), (None, None, node, None)):
            if next(iter(store.quads_for_pattern(*pattern)), None) is not None:
                return True
        return False

    def _lookups(self, tag: str) -> ox.Store:
        """The read-only handle of this web process for the dataset version `tag`."""
        if self._lookup is None or self._lookup[0] != tag:
            self._lookup = (tag, ox.Store.read_only(str(self.paths.store)))
        return self._lookup[1]

    def forget(self) -> None:
        """Empty the answer cache (after a write)."""
        self._cache.clear()

    def close(self) -> None:
        """Stop the query processes."""
        self._lookup = None
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
    modified = parse_time(build.get("built_at"))
    if generation.exists():
        tag = f"{tag}-{generation.read_text()[:12]}"
        written = datetime.fromtimestamp(generation.stat().st_mtime, UTC)
        modified = max(modified, written)
    return DatasetVersion(tag, modified.replace(microsecond=0))
