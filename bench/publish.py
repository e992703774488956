"""Publish time into the Oxigraph server, beside Oxigraph's own loading of the same dump.

    .venv/bin/python -m bench.publish --build bench/data/sparql-100k/ldkit

For an ldkit build folder (a store laid out as `ldkit build` writes it), in the same run, each
into a fresh store: (a) `ldkit publish` through the Graph Store Protocol, (b) through SPARQL
Update, (c) the reference: one HTTP POST of the build's N-Quads dump to the running server's
`/store` (Oxigraph's own bulk load over HTTP), and (d) `oxigraph load` of the same dump into a
stopped store (the command line, no HTTP). Prints a Markdown table with each time's ratio to (c).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline import publish as publishing
from ldkit.server.settings import load_settings
from ldkit.server.stores.http_client import StoreClient
from tests.helpers.stores import OXIGRAPH, OxigraphServer


def _graphs(build: Path) -> dict[str, list[ox.Triple]]:
    settings = load_settings(build.parent, out=build)
    return publishing.local_graphs(settings)


def _dump(graphs: dict[str, list[ox.Triple]], path: Path) -> None:
    quads = (
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
        for g, triples in graphs.items()
        for t in triples
    )
    ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)


def _timed_publish(work: Path, graphs: dict[str, list[ox.Triple]], gsp: bool) -> float:
    with OxigraphServer(work) as server:
        remote = StoreClient(
            server.query_url, server.update_url, server.gsp_url if gsp else None, timeout=600
        )
        started = time.perf_counter()
        counts = publishing.publish(remote, graphs, chunk_size=50_000 if gsp else 20_000)
        seconds = time.perf_counter() - started
    assert all(c.matches for c in counts)
    return seconds


def _timed_post(work: Path, dump: Path) -> float:
    with OxigraphServer(work) as server:
        request = urllib.request.Request(
            server.gsp_url,
            data=dump.read_bytes(),
            method="POST",
            headers={"Content-Type": "application/n-quads"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
        return time.perf_counter() - started


def _timed_cli_load(work: Path, dump: Path) -> float:
    import subprocess

    started = time.perf_counter()
    subprocess.run(
        [str(OXIGRAPH), "load", "--location", str(work), "--file", str(dump)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--build",
        type=Path,
        action="append",
        required=True,
        help="an ldkit build folder (repeatable)",
    )
    args = parser.parse_args()
    print("| build | triples | how | seconds | ÷ POST /store |")
    print("|---|---:|---|---:|---:|")
    for build in args.build:
        graphs = _graphs(build)
        size = sum(map(len, graphs.values()))
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            _dump(graphs, work / "dump.nq")
            figures = {
                "POST /store (reference)": _timed_post(work / "post", work / "dump.nq"),
                "ldkit publish, Graph Store": _timed_publish(work / "gsp", graphs, gsp=True),
                "ldkit publish, SPARQL Update": _timed_publish(work / "update", graphs, gsp=False),
                "oxigraph load (offline CLI)": _timed_cli_load(work / "cli", work / "dump.nq"),
            }
        reference = figures["POST /store (reference)"]
        for how, seconds in figures.items():
            print(f"| {build} | {size:,} | {how} | {seconds:.2f} | {seconds / reference:.2f}x |")


if __name__ == "__main__":
    main()
