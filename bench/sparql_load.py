"""Load-test `/sparql` side by side with the Oxigraph server and a naive Flask + rdflib endpoint.

    .venv/bin/python bench/sparql_load.py --dataset bench/data/100k --triples 1000000 --seconds 6

Data: `--dataset DIR`, a folder written by `bench.generate` (its N-Quads in their named graphs and
its ontology in the ontology graph, as `ldkit build` lays them out; the mix is the repository's
competency questions, `queries/*.rq`), and/or `--triples N`, a seeded synthetic graph written
here (10 triples per resource, in one named graph; the mix is five browsing queries).
For each: an ldkit build folder, an `oxigraph load` of the same files, the same files in rdflib's
in-memory Dataset behind Flask; every server sees the union of the graphs as its default graph.
Each runs under its production server (ldkit: gunicorn via `ldkit.pipeline.serve`; Oxigraph:
`oxigraph serve-read-only --union-default-graph`; rdflib: gunicorn). A bounded load generator
(threads, one keep-alive http.client connection each) drives two workloads at concurrency 1 and
8: (a) DESCRIBE of one resource under the base IRI, never the same IRI twice in a run (so nothing
is answered from a cache), (b) the mix, whose queries repeat as a browsing session's do.
Prints a Markdown table of requests/s, p50 and p99 latency, and ldkit's ratio to each.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EX = "http://example.org/bench/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
TRIPLES_PER_THING = 10
MIX = [
    f"SELECT ?type (COUNT(?s) AS ?n) WHERE {{ ?s <{RDF_TYPE}> ?type }} GROUP BY ?type",
    f'SELECT ?s WHERE {{ ?s <{RDFS_LABEL}> "Thing 42"@en }}',
    f"SELECT ?s ?label WHERE {{ ?s <{EX}category> <{EX}category/3> ; <{RDFS_LABEL}> ?label }}"
    " ORDER BY ?label LIMIT 20",
    f"SELECT ?o (COUNT(?s) AS ?n) WHERE {{ ?s <{EX}linksTo> ?o }} GROUP BY ?o"
    " ORDER BY DESC(?n) LIMIT 10",
    f"SELECT ?a ?c WHERE {{ <{EX}thing/7> <{EX}linksTo> ?b . ?b <{EX}linksTo> ?c . "
    f"?a <{EX}linksTo> ?b }} LIMIT 50",
]


def things(triples: int) -> int:
    return max(1, triples // TRIPLES_PER_THING)


def generate(path: Path, triples: int, seed: int = 7) -> None:
    """A seeded synthetic graph of `triples` triples: things with types, labels, links, values."""
    rng = random.Random(seed)
    count = things(triples)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            s = f"<{EX}thing/{n}>"
            out.write(f"{s} <{RDF_TYPE}> <{EX}Type{n % 7}> .\n")
            out.write(f'{s} <{RDFS_LABEL}> "Thing {n}"@en .\n')
            out.write(f'{s} <{RDFS_LABEL}> "Chose {n}"@fr .\n')
            out.write(f"{s} <{EX}category> <{EX}category/{n % 50}> .\n")
            out.write(f'{s} <{EX}value> "{rng.randint(0, 10_000)}"^^<{XSD_INTEGER}> .\n')
            for _ in range(4):
                out.write(f"{s} <{EX}linksTo> <{EX}thing/{rng.randrange(count)}> .\n")
            out.write(f'{s} <{EX}note> "note {rng.random():.6f}" .\n')


@dataclasses.dataclass
class Workbench:
    """One data set under test: its files, where each goes, the IRIs to describe, the mix."""

    name: str
    size: int
    work: Path
    files: list[tuple[Path, str | None]]  # (file, graph for a triple file; None: default graph)
    iris: list[str]
    mix: list[str]
    root: Path  # the dataset folder whose settings ldkit serves with


def synthetic(size: int, work_root: Path) -> Workbench:
    """The script's own seeded graph of `size` triples (in one named graph for ldkit)."""
    work = work_root / f"sparql-{size}"
    nt = work / "graph.nt"
    if not nt.exists():
        work.mkdir(parents=True, exist_ok=True)
        generate(nt, size)
    iris = [f"{EX}thing/{n}" for n in range(things(size))]
    return Workbench(f"synthetic {size:,}", size, work, [(nt, f"{EX}graph")], iris, MIX, work)


def from_dataset(folder: Path, work_root: Path) -> Workbench:
    """A folder written by `bench.generate`: its N-Quads and ontology, the repository's CQs."""
    from ldkit.server.settings import load_settings

    settings = load_settings(folder)
    quads = sorted((folder / "data").glob("*.nq"))
    ontology = sorted((folder / "ontology").glob("*.ttl"))
    graph = settings.ontology_graph
    files: list[tuple[Path, str | None]] = [(q, None) for q in quads]
    files += [(o, graph) for o in ontology]
    work = work_root / f"sparql-{folder.name}"
    work.mkdir(parents=True, exist_ok=True)
    mix = [q.read_text(encoding="utf-8") for q in sorted((ROOT / "queries").glob("*.rq"))]
    bench = Workbench(f"{folder.name} (bench.generate)", 0, work, files, [], mix, folder)
    build_ldkit(bench)
    bench.iris = _subjects(work / "ldkit", settings.base_iri + "id/")
    bench.size = _count(work / "ldkit")
    return bench


def _subjects(build_dir: Path, prefix: str) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(build_dir / "store"))
    query = (
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(STRSTARTS(STR(?s), {json.dumps(prefix)})) }}"
    )
    found = [row["s"].value for row in store.query(query)]  # type: ignore[union-attr,index]
    del store
    return found


def _count(build_dir: Path) -> int:
    return int(json.loads((build_dir / "build.json").read_text())["quads"])


def build_ldkit(bench: Workbench) -> None:
    """An ldkit build folder (store + build.json) of the files, as `ldkit build` lays it out."""
    import pyoxigraph as ox

    build_dir = bench.work / "ldkit"
    if (build_dir / "build.json").exists():
        return
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    store = ox.Store(str(build_dir / "store"))
    for path, graph in bench.files:
        fmt = ox.RdfFormat.from_extension(path.suffix[1:])
        target = ox.NamedNode(graph) if graph else None
        store.bulk_load(path=str(path), format=fmt, to_graph=target)
    store.flush()
    quads = len(store)
    del store
    info = {
        "version": f"bench-{bench.work.name}",
        "built_at": "2026-01-01T00:00:00+00:00",
        "triples": quads,
        "quads": quads,
    }
    (build_dir / "build.json").write_text(json.dumps(info))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A server process under test, stopped on exit."""

    def __init__(self, name: str, args: list[str], port: int, path: str, env: dict | None = None):
        self.name, self.args, self.port, self.path = name, args, port, path
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if request(self.port, self.path, "ASK {}")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def request(
    port: int, path: str, query: str, connection: http.client.HTTPConnection | None = None
) -> tuple[int, bytes]:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    accept = "text/turtle" if query.startswith("DESCRIBE") else "application/sparql-results+json"
    try:
        connection.request(
            "GET", f"{path}?{urlencode({'query': query})}", headers={"Accept": accept}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def drive(
    port: int,
    path: str,
    queries: Iterator[str],
    concurrency: int,
    seconds: float,
    timeout: float = 600,
) -> dict:
    """Send queries from `concurrency` threads for `seconds`: req/s, p50 and p99 in ms.

    A request unanswered after `timeout` seconds is an error (status 0)."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds

    def next_query() -> str | None:
        with lock:
            return next(queries, None)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            while time.monotonic() < stop and (query := next_query()) is not None:
                started = time.perf_counter()
                try:
                    status, _ = request(port, path, query, connection)
                except OSError:  # a timeout or a reset: count it, start a fresh connection
                    status = 0
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors[0] += status != 200
        finally:
            connection.close()

    elapsed = in_threads(client, concurrency)
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "p50": statistics.median(ordered) * 1000 if ordered else float("nan"),
        "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else float("nan"),
        "errors": errors[0],
    }


def in_threads(work: Callable[[], None], count: int) -> float:
    """Run `work` in `count` threads at once; the seconds until the last one finished."""
    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def describe_queries(iris: list[str], run: int) -> Iterator[str]:
    """DESCRIBE queries over a seeded permutation of the IRIs, a different one for each run."""
    order = list(iris)
    random.Random(run).shuffle(order)
    for iri in order:
        yield f"DESCRIBE <{iri}>"


def mix_queries(mix: list[str], run: int) -> Iterator[str]:
    rng = random.Random(run)
    while True:
        yield rng.choice(mix)


def load_oxigraph(bench: Workbench) -> Path:
    """An Oxigraph store of the same files, loaded with `oxigraph load`."""
    location = bench.work / "oxigraph"
    if location.exists():
        return location
    for path, graph in bench.files:
        args = [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(path)]
        if graph and path.suffix in (".nt", ".ttl"):
            args += ["--graph", graph]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return location


def servers(bench: Workbench, workers: int, wanted: list[str]) -> Iterator[Server]:
    """The servers under test, one after the other, each on its own free port."""
    if "ldkit" in wanted:
        build_ldkit(bench)
        code = (
            "import sys; from pathlib import Path\n"
            "from ldkit.server.settings import load_settings\n"
            "from ldkit.pipeline.serve import serve\n"
            "s = load_settings(sys.argv[3], out=Path(sys.argv[4]), time_limit=30.0)\n"
            "serve(s, '127.0.0.1', int(sys.argv[1]), int(sys.argv[2]))"
        )
        port = free_port()
        args = [
            sys.executable,
            "-c",
            code,
            str(port),
            str(workers),
            str(bench.root),
            str(bench.work / "ldkit"),
        ]
        yield Server("ldkit", args, port, "/sparql")
    if "oxigraph" in wanted:
        location, port = load_oxigraph(bench), free_port()
        args = [
            str(BIN / "oxigraph"),
            "serve-read-only",
            "--location",
            str(location),
            "--union-default-graph",
            "--bind",
            f"127.0.0.1:{port}",
        ]
        yield Server("oxigraph", args, port, "/query")
    if "rdflib" in wanted:
        port = free_port()
        args = [
            str(BIN / "gunicorn"),
            "--preload",
            "-w",
            str(workers),
            "-t",
            "600",
            "-b",
            f"127.0.0.1:{port}",
            "bench.rdflib_endpoint:app",
        ]
        files = os.pathsep.join(str(path) for path, _ in bench.files)
        yield Server("rdflib", args, port, "/sparql", env={"BENCH_FILES": files})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="*", default=[])
    parser.add_argument(
        "--dataset",
        type=Path,
        nargs="*",
        default=[],
        help="folders written by bench.generate (their CQs make the mix)",
    )
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-rdflib-above", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--servers", nargs="+", default=["ldkit", "oxigraph", "rdflib"])
    options = parser.parse_args()
    benches = [synthetic(size, options.work) for size in options.triples]
    benches += [from_dataset(folder, options.work) for folder in options.dataset]
    rows = []
    for bench in benches:
        wanted = [
            s for s in options.servers if s != "rdflib" or bench.size <= options.no_rdflib_above
        ]
        for server in servers(bench, options.workers, wanted):
            with server:
                for workload in ("describe", "mix"):
                    for run, concurrency in enumerate((1, 8)):
                        queries = (
                            describe_queries(bench.iris, run)
                            if workload == "describe"
                            else mix_queries(bench.mix, run)
                        )
                        result = drive(
                            server.port, server.path, queries, concurrency, options.seconds
                        )
                        rows.append(
                            {
                                "data": bench.name,
                                "triples": bench.size,
                                "server": server.name,
                                "workload": workload,
                                "concurrency": concurrency,
                                **result,
                            }
                        )
                        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))


def table(rows: list[dict]) -> str:
    """The results as Markdown, with ldkit's throughput relative to the other two."""
    lines = [
        "| data | quads | workload | conc. | server | req/s | p50 ms | p99 ms | errors "
        "| ldkit ÷ this |",
        "|---|---:|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ours = next(
            (
                r
                for r in rows
                if r["server"] == "ldkit"
                and all(r[k] == row[k] for k in ("data", "workload", "concurrency"))
            ),
            None,
        )
        ratio = f"{ours['rps'] / row['rps']:.2f}x" if ours and row["rps"] else ""
        lines.append(
            f"| {row['data']} | {row['triples']:,} | {row['workload']} | {row['concurrency']} "
            f"| {row['server']} "
            f"| {row['rps']:,.0f} | {row['p50']:.1f} | {row['p99']:.1f} | {row['errors']} "
            f"| {ratio} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
