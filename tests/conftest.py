"""Shared fixtures: the repository's own dataset folder, built once per test session."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from ldkit.pipeline.build import build_folder
from ldkit.server.app import create_app
from ldkit.server.settings import Settings, load_settings
from tests.helpers.paths import ROOT
from tests.helpers.servers import RunningServer


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
    for name in ("ontology", "data", "shapes", "queries", "releases"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.fixture
def app_client() -> Iterator[Callable[..., FlaskClient]]:
    """Make the test client of the real app over some settings; its query processes stop after."""
    apps = []

    def make(settings: Settings, pool_size: int = 1) -> FlaskClient:
        app = create_app(settings, pool_size=pool_size)
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["ldkit_store"].close()


@pytest.fixture(scope="module")
def live_server() -> Iterator[Callable[..., RunningServer]]:
    """Start `ldkit serve` (gunicorn, on loopback) over some settings; stopped after the module."""
    running: list[RunningServer] = []

    def start(settings: Settings, workers: int = 1) -> RunningServer:
        server = RunningServer(settings, workers=workers).__enter__()
        running.append(server)
        return server

    yield start
    for server in running:
        server.__exit__(None, None, None)
