"""Settings come from `ldkit.toml` or `[tool.ldkit]`, with defaults for a bare folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ldkit.server.settings import DEFAULT_BASE_IRI, Settings, SettingsError, load_settings
from tests.helpers.support import run_cli


def test_a_bare_folder_gets_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.base_iri == DEFAULT_BASE_IRI
    assert settings.name == tmp_path.name
    assert settings.build_dir == tmp_path / "dist"


def test_pyproject_tool_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.ldkit]\nbase_iri = "https://example.org/x/"\n'
        'title = { en = "X", fr = "X fr" }\n'
    )
    settings = load_settings(tmp_path)
    assert settings.base_iri == "https://example.org/x/"
    assert settings.dataset_iri == f"https://example.org/x/id/dataset/{tmp_path.name}"
    assert settings.title == {"en": "X", "fr": "X fr"}


def test_ldkit_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ldkit]\nbase_iri = "https://a.org/"\n')
    (tmp_path / "ldkit.toml").write_text('base_iri = "https://b.org/"\n')
    assert load_settings(tmp_path).base_iri == "https://b.org/"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('base_iri = "https://a.org/x"\n', "must end with '/' or '#'"),
        ('colour = "blue"\n', "unknown ldkit setting(s): colour"),
        ("base_iri = \n", "ldkit.toml"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "ldkit.toml").write_text(content)
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(tmp_path)
    result = run_cli(tmp_path, "info")
    assert result.exit_code == 2
    assert message in result.stderr


def test_info_prints_one_fact_per_flag(tmp_path: Path) -> None:
    (tmp_path / "ldkit.toml").write_text('base_iri = "https://example.org/x/"\n')
    assert run_cli(tmp_path, "info", "--base-iri").output == "https://example.org/x/\n"
    both = run_cli(tmp_path, "info", "--dataset-iri", "--base-iri").output  # was the last alone
    assert both == f"https://example.org/x/id/dataset/{tmp_path.name}\nhttps://example.org/x/\n"


def test_info_says_the_ontology_version_and_the_last_release(repo_settings: Settings) -> None:
    facts = json.loads(run_cli(repo_settings.root, "info").output)
    released = sorted(p.name for p in (repo_settings.root / "releases").iterdir() if p.is_dir())
    assert facts["last_release"] == released[-1]
    assert facts["ontology_version"] == released[-1]  # the shipped ontology is that release
    only = run_cli(repo_settings.root, "info", "--ontology-version")
    assert only.output == f"{released[-1]}\n"
