"""Latency of the resource pages at 1M triples, beside a plain DESCRIBE on the Oxigraph server.

    .venv/bin/python -m bench.generate --triples 1m --seed 1 --root . --out bench/data/1m
    .venv/bin/python -m bench.pages --dataset bench/data/1m --requests 300

The same data (a `bench.generate` folder: an ldkit build and an `oxigraph load` of the same
files, reused from `bench/data/sparql-<name>/` when `bench.sparql_load` made them) is served by
`ldkit serve` (gunicorn, one worker) and `oxigraph serve-read-only --union-default-graph`, one
after the other. One client, one keep-alive connection, requests in sequence; each measurement
uses its own seeded sample of resources, never the same IRI twice, so nothing is answered from
ldkit's answer cache (the HTML page and the Turtle of one resource share a query). Prints p50 and
p99 in ms and writes `bench/out/pages-<date>.md`.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.sparql_load import ROOT, from_dataset, servers

WARM_UP = 20


def measure(port: int, paths: list[str], accept: str) -> dict[str, float]:
    """GET each path once in sequence on one connection: p50, p99 (ms) and failures."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies, failures = [], 0
    try:
        for path in paths:
            started = time.perf_counter()
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            failures += response.status != 200
    finally:
        connection.close()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[max(0, int(len(ordered) * 0.99) - 1)],
        "failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "bench" / "data" / "1m")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from ldkit.server.settings import load_settings
    from ldkit.server.urls import resource_url

    base = load_settings(args.dataset).base_iri
    bench = from_dataset(args.dataset, ROOT / "bench" / "data")
    rng = random.Random(args.seed)
    sample = rng.sample(bench.iris, 3 * (args.requests + WARM_UP))
    html, turtle, describe = (sample[i::3] for i in range(3))
    rows = []
    for server in servers(bench, 1, ["ldkit", "oxigraph"]):
        with server:
            if server.name == "ldkit":
                for label, iris, ext, accept in (
                    ("ldkit resource page (HTML)", html, "html", "text/html"),
                    ("ldkit resource Turtle", turtle, "ttl", "text/turtle"),
                ):
                    paths = [f"{resource_url(i, base)}.{ext}" for i in iris]
                    measure(server.port, paths[:WARM_UP], accept)
                    rows.append((label, measure(server.port, paths[WARM_UP:], accept)))
            else:
                paths = [f"/query?{urlencode({'query': f'DESCRIBE <{i}>'})}" for i in describe]
                measure(server.port, paths[:WARM_UP], "text/turtle")
                rows.append(
                    (
                        "Oxigraph server DESCRIBE (Turtle)",
                        measure(server.port, paths[WARM_UP:], "text/turtle"),
                    )
                )
    reference = rows[-1][1]["p50"]
    lines = [
        f"Pages at {bench.size:,} triples ({bench.name}), {args.requests} requests each,"
        " one client",
        "",
        "| what | requests | p50 ms | p99 ms | p50 / DESCRIBE p50 | failures |",
        "|---|---|---|---|---|---|",
    ]
    for label, figures in rows:
        lines.append(
            f"| {label} | {figures['requests']} | {figures['p50']:.1f} | {figures['p99']:.1f}"
            f" | {figures['p50'] / reference:.2f}x | {figures['failures']} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"pages-{datetime.date.today()}.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
