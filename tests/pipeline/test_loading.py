"""Reading a dataset folder: every RDF format by extension, gzipped or not, errors with lines."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import InputError, read_folder
from ldkit.server.formats import RDF_FORMATS
from ldkit.server.settings import load_settings
from tests.helpers.paths import FIXTURES
from tests.helpers.support import assert_same_graph, run_cli

MINI = FIXTURES / "mini"


def _expected() -> Dataset:
    dataset = Dataset()
    for path in sorted((MINI / "data").iterdir()):
        fmt = "trig" if path.suffix == ".trig" else "turtle"
        dataset.parse(data=path.read_text(encoding="utf-8"), format=fmt)
    return dataset


def _union(dataset: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _g in dataset.quads():
        graph.add((s, p, o))
    return graph


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.key)
@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gz"])
def test_data_is_read_in_every_format(tmp_path: Path, fmt, gzipped: bool) -> None:
    expected = _expected()
    (tmp_path / "data").mkdir()
    source = expected if fmt.datasets else _union(expected)
    body = source.serialize(format=fmt.rdflib, encoding="utf-8")
    name = f"things.{fmt.extension}" + (".gz" if gzipped else "")
    (tmp_path / "data" / name).write_bytes(gzip.compress(body) if gzipped else body)
    folder = read_folder(load_settings(tmp_path))
    assert_same_graph(to_graph(folder.data.quads), _union(expected))
    named = {q.graph_name.value for q in folder.data.quads if hasattr(q.graph_name, "value")}
    assert named == ({"https://example.org/mini/id/graph/page"} if fmt.datasets else set())


def test_files_of_unknown_kinds_are_left_alone(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "mini")
    (tmp_path / "mini" / "data" / "notes.txt").write_text("not RDF")
    folder = read_folder(load_settings(tmp_path / "mini"))
    assert [p.name for p in folder.data.files] == ["events.trig", "places.ttl"]


def test_a_syntax_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "mini")
    broken = tmp_path / "mini" / "data" / "places.ttl"
    lines = broken.read_text().splitlines()
    lines.insert(5, '    rdfs:comment "an unterminated string ;')
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"^data/places\.ttl, line 6: "):
        read_folder(load_settings(tmp_path / "mini"))


def test_validate_reports_a_broken_file_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "mini")
    (tmp_path / "mini" / "data" / "events.trig").write_text("@prefix x: <http://x/> .\nx:a x:b")
    result = run_cli(tmp_path / "mini", "validate")
    assert result.exit_code == 2
    assert "data/events.trig, line 2" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_bad_gzip_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.ttl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"^data/x\.ttl\.gz: "):
        read_folder(load_settings(tmp_path))
