"""The README documents every command, option and setting, and its quick start stays true."""

from __future__ import annotations

import dataclasses
import re

import click
import pytest

from ldkit.pipeline.cli import cli
from ldkit.server.settings import Settings
from tests.helpers.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.commands.items())  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: getattr(v, "name", v))
def test_every_command_and_option_is_in_the_readme(name: str, command: click.Command) -> None:
    assert f"`ldkit {name}" in README
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in README, f"ldkit {name} {opt} is not documented"


def test_every_setting_is_in_the_readme() -> None:
    for field in dataclasses.fields(Settings):
        if field.name != "root":
            assert f"`{field.name}`" in README, f"setting {field.name} is not documented"


def test_the_quick_start_is_make_serve_and_make_test() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)", quick_start, flags=re.MULTILINE)
    assert commands == ["make serve", "make test"]
    for target in ("serve", "test"):
        assert re.search(rf"^{target}:", MAKEFILE, flags=re.MULTILINE)


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
