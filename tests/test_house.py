"""The house a newcomer reads: no import cycles, small modules, one installed name, every module
in the architecture notes."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers.paths import ROOT

# The installed name of each folder (pyproject.toml's package-dir).
PACKAGES = {"server": "ldkit.server", "scripts": "ldkit.pipeline"}
MAX_LINES = 500


def modules() -> dict[str, Path]:
    """Every module of ldkit by its installed name."""
    found = {}
    for folder, name in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((name, *parts))] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The ldkit modules `name` imports, at any depth of its code (a lazy import counts)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {module for module in found if module in known and module != name}


def test_no_module_imports_itself_through_others() -> None:
    every = modules()
    graph = {name: imports(name, path, set(every)) for name, path in every.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                cycles.append(" -> ".join([*path[path.index(other) :], other]))
            elif other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in modules().values()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_module_is_in_the_architecture_notes() -> None:
    notes = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(path.relative_to(ROOT))
        for path in modules().values()
        if f"`{path.relative_to(ROOT)}`" not in notes
    ]
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_nothing_imports_the_folders_by_their_own_names() -> None:
    # `from server...` would load a second copy of a module beside `ldkit.server`'s.
    stray = []
    for path in [*modules().values(), *sorted((ROOT / "tests").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            stray += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in PACKAGES
            ]
    assert not stray, stray


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy of the sources: setuptools writes its `build/` beside them.
    source, out = tmp_path_factory.mktemp("source") / "ldkit", tmp_path_factory.mktemp("wheel")
    source.mkdir()
    tracked = ("server", "scripts", "pyproject.toml", "README.md")
    for name in tracked:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)  # type: ignore[operator]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("ldkit-*.whl"))


def test_the_wheel_installs_one_top_level_name(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"ldkit"}
    shipped = set(names)
    for module in modules().values():
        folder = PACKAGES[module.relative_to(ROOT).parts[0]].replace(".", "/")
        inside = "/".join(module.relative_to(ROOT).parts[1:])
        assert f"{folder}/{inside}" in shipped, f"{module} is not in the wheel"
    assert "ldkit/server/templates/resource.html" in shipped
    assert "ldkit/server/vocabularies/common.ttl" in shipped
