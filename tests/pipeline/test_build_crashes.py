"""A killed or starved `ldkit build` leaves the previous build serving (issue 15).

The repository's dataset is built, served by `ldkit serve`, then rebuilt from a changed input
while the rebuild is killed (SIGKILL) at points spread over its run and right as its last file is
written; or rebuilt on a file system too small for a second build (a tmpfs the test mounts: the
tests run as root). After each: the server answers as before, the build folder is one whole
build (the old or, once swapped, the new), and a later build works.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from ldkit.pipeline.build import BuildInfo, build_folder
from ldkit.server.settings import Settings, load_settings
from tests.helpers.servers import RunningServer

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PAGE = "/id/place/casablanca.html"


def ldkit(root: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ldkit.pipeline.cli",
        "--root",
        str(root),
        "build",
        "--out",
        str(out),
    ]


def change_input(root: Path, n: int) -> None:
    """A new input version (a comment: the same triples, another digest)."""
    with (root / "data" / "dataset.ttl").open("a", encoding="utf-8") as data:
        data.write(f"\n# change {n}\n")


def count_in(server: RunningServer) -> int:
    status, _, body = server.request(
        "GET",
        f"/sparql?query={COUNT}".replace(" ", "%20"),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def assert_one_whole_build(build_dir: Path, versions: set[str]) -> BuildInfo:
    """The folder holds one complete build of a known version, its store as `build.json` says."""
    info = BuildInfo.read(build_dir)
    assert info is not None, f"no readable build.json in {build_dir}"
    assert info.version in versions
    store = ox.Store.read_only(str(build_dir / "store"))
    try:
        assert len(store) == info.quads
    finally:
        del store
    assert sorted(p.name for p in (build_dir / "dumps").iterdir())
    return info


def assert_serving(server: RunningServer, triples: int) -> None:
    assert server.request("GET", PAGE)[0] == 200
    assert count_in(server) == triples


@pytest.fixture
def built(dataset_copy: Path, tmp_path: Path) -> Settings:
    settings = load_settings(dataset_copy, out=tmp_path / "dist")
    build_folder(settings)
    return settings


def test_a_killed_build_leaves_the_previous_build_serving(built: Settings) -> None:
    build_dir = built.build_dir
    first = BuildInfo.read(build_dir)
    assert first is not None
    versions = {first.version}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with RunningServer(built) as server:
        triples = count_in(server)
        started = time.monotonic()
        change_input(built.root, 0)
        subprocess.run(ldkit(built.root, build_dir), env=env, check=True, capture_output=True)
        duration = time.monotonic() - started
        versions.add(assert_one_whole_build(build_dir, {_digest_now(built)}).version)
        # Kills spread over a build's run, then one as soon as its last file is written.
        points: list[float | None] = [duration * f for f in (0.1, 0.3, 0.5, 0.7, 0.85, 0.95)]
        points.append(None)
        for n, point in enumerate(points, start=1):
            change_input(built.root, n)
            building = subprocess.Popen(
                ldkit(built.root, build_dir),
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if point is None:
                last = build_dir.with_name(f".{build_dir.name}.building") / "build.json"
                deadline = time.monotonic() + 60
                while not last.exists() and building.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.0005)
            else:
                time.sleep(point)
            os.killpg(building.pid, signal.SIGKILL)
            building.wait()
            assert_serving(server, triples)
            info = assert_one_whole_build(build_dir, versions | {_digest_now(built)})
            versions.add(info.version)
        result = subprocess.run(ldkit(built.root, build_dir), env=env, capture_output=True)
        assert result.returncode == 0, result.stderr
        assert_serving(server, triples)
    assert_one_whole_build(build_dir, {_digest_now(built)})
    leftovers = [p.name for p in build_dir.parent.iterdir() if p.name.startswith(".dist.")]
    assert leftovers == []


def _digest_now(settings: Settings) -> str:
    from ldkit.pipeline.build import input_version

    return input_version(settings)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 12 MB tmpfs mounted for the test (unmounted after)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(disk)], capture_output=True
    )
    assert mounted.returncode == 0, f"cannot mount a tmpfs (root needed): {mounted.stderr!r}"
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


@pytest.mark.parametrize("free_kib", [8, 64, 256, 450, 600])
def test_a_full_disk_gives_one_clear_line_and_keeps_the_previous_build(
    dataset_copy: Path, small_disk: Path, free_kib: int
) -> None:
    settings = load_settings(dataset_copy, out=small_disk / "dist")
    build_folder(settings)
    before = assert_one_whole_build(settings.build_dir, {_digest_now(settings)})
    change_input(dataset_copy, 1)
    filler = small_disk / "filler"
    _fill(small_disk, filler, free_kib * 1024)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        ldkit(dataset_copy, settings.build_dir), env=env, capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "no space left" in lines[0].lower() and "previous build" in lines[0], lines[0]
    assert assert_one_whole_build(settings.build_dir, {before.version}) == before
    assert not (small_disk / ".dist.building").exists()
    filler.unlink()
    result = subprocess.run(ldkit(dataset_copy, settings.build_dir), env=env, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert assert_one_whole_build(settings.build_dir, {_digest_now(settings)}) != before


def _fill(disk: Path, filler: Path, leave: int) -> None:
    """Fill the file system but `leave` bytes."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    with filler.open("wb") as handle:
        remaining = max(0, free - leave)
        block = b"\0" * (1 << 20)
        while remaining > 0:
            remaining -= handle.write(block[: min(len(block), remaining)])
