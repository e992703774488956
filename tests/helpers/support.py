"""Small helpers the tests share: running the CLI and comparing RDF as graphs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner, Result
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from ldkit.pipeline.cli import cli


def run_cli(root: Path, *args: str) -> Result:
    """Run `ldkit --root ROOT ARGS...` in-process, as a user would from a shell."""
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


def assert_same_graph(actual: Graph, expected: Graph) -> None:
    """Compare two graphs as graphs (blank nodes matched), showing the difference when not."""
    if isomorphic(actual, expected):
        return
    _both, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
    raise AssertionError(
        "graphs differ\nonly in actual:\n"
        + only_actual.serialize(format="nt")
        + "\nonly in expected:\n"
        + only_expected.serialize(format="nt")
    )


def folder_digest(root: Path) -> str:
    """A digest of every file under `root`, names and bytes: equal when nothing was written."""
    sha = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        sha.update(str(path).encode() + path.read_bytes())
    return sha.hexdigest()
