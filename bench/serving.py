"""The serving stacks side by side: granian, gunicorn gthread and gunicorn sync, against Oxigraph.

    .venv/bin/python -m bench.serving --triples 100000 --seconds 5

One seeded synthetic graph (`bench.sparql_load.generate`, 10 triples a thing) built for ldkit and
loaded into the Oxigraph server (`oxigraph serve-read-only`), the reference measured in the same
run. Each ldkit stack serves the same build with the same app (`ldkit.pipeline.serve.serve`,
2 workers). Workloads, each for `--seconds` at concurrency 8 and 64 (threads of a bounded load
generator, one keep-alive connection each):

- cached: `DESCRIBE` over 240 IRIs that repeat (ldkit answers them from its answer cache);
- uncached: `DESCRIBE` of an IRI with a comment no request repeats (no cache can answer);
- slow: the cached workload at concurrency 8 while 50 slow clients each send one header line
  every 2 s (the requests of the load generator time out after 10 s: an error each);

then the resident memory of the server's processes (query processes included). Prints a
Markdown table (throughput as a ratio to Oxigraph's) and writes it to `bench/out/serving.md`.
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

STACKS = ("granian", "gthread", "sync")
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


def measure(server: Server, bench: Workbench, seconds: float) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with server:
        drive(server.port, server.path, cached(bench.iris), 8, 1.0)  # warm-up
        for run, concurrency in enumerate((8, 64)):
            for workload in ("cached", "uncached"):
                queries = cached(bench.iris) if workload == "cached" else uncached(bench.iris, run)
                result = drive(server.port, server.path, queries, concurrency, seconds)
                rows.append(
                    {"server": server.name, "workload": workload, "c": concurrency, **result}
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        with SlowClients(server.port):
            time.sleep(1.0)
            result = drive(server.port, server.path, cached(bench.iris), 8, seconds, timeout=10)
        rows.append({"server": server.name, "workload": "50 slow clients", "c": 8, **result})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        assert server.process is not None
        memory = rss_mb(server.process.pid)
    for row in rows:
        row["rss_mb"] = memory
    return rows


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| workload | conc. | server | req/s | ÷ Oxigraph | p50 ms | p99 ms | errors | RSS MB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        reference = next(
            r
            for r in rows
            if r["server"] == "oxigraph" and (r["workload"], r["c"]) == (row["workload"], row["c"])
        )
        ratio = float(row["rps"]) / float(reference["rps"]) if reference["rps"] else 0.0  # type: ignore[arg-type]
        lines.append(
            f"| {row['workload']} | {row['c']} | {row['server']} | {row['rps']:,.0f} "
            f"| {ratio:.2f}x | {row['p50']:.1f} | {row['p99']:.1f} | {row['errors']} "
            f"| {row['rss_mb']:.0f} |"
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
    rows = measure(oxigraph_server(bench), bench, options.seconds)
    for stack in options.stacks.split(","):
        rows += measure(ldkit_server(bench, stack, options.workers), bench, options.seconds)
    text = f"{options.triples:,} triples, {os.cpu_count()} cores\n\n{table(rows)}\n"
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "serving.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
