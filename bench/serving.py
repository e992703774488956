"""The serving stacks side by side: granian, gunicorn gthread and gunicorn sync, against Oxigraph.

    .venv/bin/python -m bench.serving --triples 100000 --seconds 5

One seeded synthetic graph (`bench.sparql_load.generate`, 10 triples a thing) built for ldkit and
loaded into the Oxigraph server (`oxigraph serve-read-only`), the reference. Each ldkit stack
serves the same build with the same app (`ldkit.pipeline.serve.serve`, 2 workers); `bare` is the
floor, granian and pyoxigraph with nothing of ldkit (`bench.bare`). Workloads, each for
`--seconds` at concurrency 8 and 64 (threads of a bounded load generator, one keep-alive
connection each):

- cached: `DESCRIBE` over 240 IRIs that repeat (ldkit answers them from its answer cache);
- uncached: `DESCRIBE` of an IRI with a comment no request repeats (no cache can answer);
- slow: the cached workload at concurrency 8 while 50 slow clients each send one header line
  every 2 s (the requests of the load generator time out after 10 s: an error each).

Every workload runs on Oxigraph just before and just after the stack (both servers are up, the
idle one costs nothing), and the ratio is to the mean of those two figures. Then the resident
memory of the stack's processes (query processes included). Prints a Markdown table and writes
it to `bench/out/serving.md`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench.sparql_load import (
    ROOT,
    Server,
    Workbench,
    build_ldkit,
    drive,
    free_port,
    load_oxigraph,
    synthetic,
)
from ldkit.pipeline.serve import THREADS_PER_WORKER

STACKS = ("granian", "gthread", "sync", "bare")  # bare: the floor, not a stack of ldkit
CACHED_IRIS = 240
SLOW_CLIENTS = 50
SLOW_INTERVAL = 2.0


def ldkit_server(bench: Workbench, stack: str, workers: int) -> Server:
    code = (
        "import sys; from pathlib import Path\n"
        "from ldkit.server.settings import load_settings\n"
        "from ldkit.pipeline.serve import serve\n"
        "s = load_settings(sys.argv[3], out=Path(sys.argv[4]), time_limit=30.0)\n"
        "serve(s, '127.0.0.1', int(sys.argv[1]), int(sys.argv[2]), sys.argv[5])"
    )
    port = free_port()
    args = [sys.executable, "-c", code, str(port), str(workers), str(bench.root)]
    args += [str(bench.work / "ldkit"), stack]
    return Server(f"ldkit {stack}", args, port, "/sparql")


def bare_server(bench: Workbench, workers: int) -> Server:
    """granian and pyoxigraph alone (`bench.bare`): the floor under any Python stack."""
    port = free_port()
    args = [sys.executable, "-m", "bench.bare", str(bench.work / "ldkit" / "store"), str(port)]
    args += [str(workers), str(THREADS_PER_WORKER)]
    return Server("bare granian + pyoxigraph", args, port, "/sparql")


def oxigraph_server(bench: Workbench) -> Server:
    location, port = load_oxigraph(bench), free_port()
    args = [str(Path(sys.executable).parent / "oxigraph"), "serve-read-only"]
    args += ["--location", str(location), "--union-default-graph", "--bind", f"127.0.0.1:{port}"]
    return Server("oxigraph", args, port, "/query")


def cached(iris: list[str]) -> Iterator[str]:
    chosen = random.Random(1).sample(iris, min(CACHED_IRIS, len(iris)))
    return (f"DESCRIBE <{iri}>" for iri in itertools.cycle(chosen))


def uncached(iris: list[str], run: int) -> Iterator[str]:
    rng = random.Random(run)
    return (f"DESCRIBE <{rng.choice(iris)}> # {run}-{n}" for n in itertools.count())


class SlowClients:
    """Connections that send half a request, then one header line every SLOW_INTERVAL."""

    def __init__(
        self, port: int, count: int = SLOW_CLIENTS, interval: float = SLOW_INTERVAL
    ) -> None:
        self.port, self.count, self.interval = port, count, interval
        self.stop = threading.Event()
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        for _ in range(self.count):
            slow = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            slow.sendall(b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.sockets.append(slow)
        self.thread.start()
        return self

    def _trickle(self) -> None:
        n = 0
        while not self.stop.wait(self.interval):
            n += 1
            for slow in self.sockets:
                with contextlib.suppress(OSError):  # the server closed a client it found too slow
                    slow.sendall(b"X-Slow-%d: %d\r\n" % (n, n))

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        for slow in self.sockets:
            slow.close()


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


WORKLOADS = (("cached", 8), ("uncached", 8), ("cached", 64), ("uncached", 64), ("slow", 8))
SLOW = f"{SLOW_CLIENTS} slow clients"
RUNS = itertools.count()  # every uncached workload gets comments of its own


def workload(server: Server, bench: Workbench, kind: str, concurrency: int, seconds: float) -> dict:
    """One workload on one server: req/s, p50, p99 and errors."""
    if kind == "slow":
        with SlowClients(server.port):
            time.sleep(1.0)
            return drive(server.port, server.path, cached(bench.iris), 8, seconds, timeout=10)
    queries = cached(bench.iris) if kind == "cached" else uncached(bench.iris, next(RUNS))
    return drive(server.port, server.path, queries, concurrency, seconds)


def measure(
    server: Server, reference: Server, bench: Workbench, seconds: float
) -> list[dict[str, object]]:
    """Every workload on the reference, on `server`, then on the reference again.

    A figure's ratio is to the mean of the two reference figures around it: this machine's
    speed drifts by 20-40 % over minutes, so one reference measured at the start of the run
    would flatter the stacks measured when the machine is fast and wrong the others.
    """
    rows: list[dict[str, object]] = []
    with server:
        drive(server.port, server.path, cached(bench.iris), 8, 1.0)  # warm-up
        for kind, concurrency in WORKLOADS:
            before = workload(reference, bench, kind, concurrency, seconds)
            result = workload(server, bench, kind, concurrency, seconds)
            after = workload(reference, bench, kind, concurrency, seconds)
            row = {"server": server.name, "workload": SLOW if kind == "slow" else kind}
            row |= {"c": concurrency, **result, "reference": [before, after]}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        assert server.process is not None
        memory = rss_mb(server.process.pid)
    for row in rows:
        row["rss_mb"] = memory
    return rows


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| workload | conc. | server | req/s | Oxigraph req/s (before, after) | ÷ Oxigraph "
        "| p50 ms | p99 ms | errors | RSS MB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        before, after = row["reference"]  # type: ignore[misc]
        reference = (before["rps"] + after["rps"]) / 2
        ratio = float(row["rps"]) / reference if reference else 0.0  # type: ignore[arg-type]
        lines.append(
            f"| {row['workload']} | {row['c']} | {row['server']} | {row['rps']:,.0f} "
            f"| {before['rps']:,.0f}, {after['rps']:,.0f} | {ratio:.2f}x "
            f"| {row['p50']:.1f} | {row['p99']:.1f} | {row['errors']} | {row['rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stacks", default=",".join(STACKS))
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "data")
    options = parser.parse_args()
    bench = synthetic(options.triples, options.work)
    build_ldkit(bench)
    rows: list[dict[str, object]] = []
    with oxigraph_server(bench) as reference:
        drive(reference.port, reference.path, cached(bench.iris), 8, 1.0)  # warm-up
        for stack in options.stacks.split(","):
            server = (
                bare_server(bench, options.workers)
                if stack == "bare"
                else ldkit_server(bench, stack, options.workers)
            )
            rows += measure(server, reference, bench, options.seconds)
    text = f"{options.triples:,} triples, {os.cpu_count()} cores\n\n{table(rows)}\n"
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "serving.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
