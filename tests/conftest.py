"""Shared fixtures: the repository's own dataset folder, built once per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from playwright.sync_api import Browser, sync_playwright

from ldkit.pipeline.build import build_folder
from ldkit.server.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Debian's Chromium (`make test` installs it, see tools/system-packages.txt): Playwright never
# downloads a browser here.
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def repo_settings() -> Settings:
    """The settings of the repository's own dataset folder."""
    return load_settings(ROOT)


@pytest.fixture(scope="session")
def built_settings(repo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose build folder holds a real build of the repository's dataset."""
    settings = repo_settings.replace(out=tmp_path_factory.mktemp("build") / "dist")
    build_folder(settings)
    return settings


@pytest.fixture(scope="session")
def kg_store(built_settings: Settings) -> Iterator[ox.Store]:
    """The built store of the repository's dataset, opened read-only."""
    store = ox.Store.read_only(str(built_settings.build_dir / "store"))
    yield store
    del store


@pytest.fixture
def dataset_copy(tmp_path: Path) -> Path:
    """A scratch copy of the repository's dataset folder that a test may break."""
    target = tmp_path / "dataset"
    target.mkdir()
    for name in ("ontology", "data", "shapes", "queries"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium driven by Playwright; fails (never skips) when Chromium is missing."""
    assert CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()
