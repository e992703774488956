"""A long load run over what people ask of ldkit, watching for errors and for memory that grows.

    .venv/bin/python -m bench.load --requests 50000 --concurrency 64   # writes bench/out/load.md

`ldkit serve` (its default stack, 2 workers) on the repository's dataset answers a seeded mix of
pages, documents, 303s by content negotiation, class pages, search, the ontology and SPARQL queries
from `concurrency` threads, each on its own keep-alive connection. A request is an error when its
status is not the one its kind must get (200, or 303 for a thing's IRI), or when it gets no
answer. The resident memory of the server's process tree (web workers and query processes) is
read after the first `checkpoint` requests and at the end: it must not grow by 10 % or more.
`tests/test_load.py` runs a short version in `make test`.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import itertools
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import quote, urlencode

from bench.serving import rss_mb
from bench.sparql_load import ROOT, Server, free_port, in_threads

Request = tuple[str, str, dict[str, str], int]  # kind, path, headers, the status it must get
RSS_GROWTH_LIMIT = 0.10


def mix(things: list[str], seed: int = 15) -> Iterator[Request]:
    """An endless seeded mix of requests over the paths of `things` (`/id/...`)."""
    rng = random.Random(seed)
    words = sorted({p.rsplit("/", 1)[-1].split("-")[0] for p in things if len(p) > 8})
    queries = [
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) LIMIT 10",
        "ASK { ?s a <https://schema.org/Event> }",
    ]
    kinds = [
        ("page", 4),
        ("turtle", 2),
        ("conneg", 2),
        ("json", 1),
        ("class", 1),
        ("search", 1),
        ("ontology", 1),
        ("home", 1),
        ("query", 2),
        ("describe", 2),
    ]
    names = [k for k, weight in kinds for _ in range(weight)]
    while True:
        kind, thing = rng.choice(names), rng.choice(things)
        if kind == "page":
            yield kind, f"{thing}.html", {"Accept-Language": rng.choice(["en", "fr"])}, 200
        elif kind == "turtle":
            yield kind, f"{thing}.ttl", {}, 200
        elif kind == "conneg":
            accept = rng.choice(["text/turtle", "text/html", "application/ld+json", "*/*"])
            yield kind, thing, {"Accept": accept}, 303
        elif kind == "json":
            yield kind, f"{thing}.json", {}, 200
        elif kind == "class":
            yield kind, "/-/classes/schema:Event?_page=1", {}, 200
        elif kind == "search":
            yield kind, f"/-/search?q={quote(rng.choice(words))}", {}, 200
        elif kind == "ontology":
            yield kind, "/ontology.html", {}, 200
        elif kind == "home":
            yield kind, "/", {}, 200
        elif kind == "query":
            accept = {"Accept": "application/sparql-results+json"}
            yield kind, "/sparql?" + urlencode({"query": rng.choice(queries)}), accept, 200
        else:
            query = f"DESCRIBE <https://w3id.org/climate-mobility{thing}>"
            yield kind, "/sparql?" + urlencode({"query": query}), {"Accept": "text/turtle"}, 200


@dataclasses.dataclass
class Report:
    """What a load run saw: answers per kind, errors, latencies and memory."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: dict[str, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    rss_first: float = 0.0  # MB after the first checkpoint's requests
    rss_last: float = 0.0  # MB at the end

    @property
    def rss_growth(self) -> float:
        return (self.rss_last - self.rss_first) / self.rss_first if self.rss_first else 0.0

    def rows(self) -> list[tuple[str, int, float, float]]:
        """(kind, requests, p50 ms, p99 ms), every kind and then all together."""
        everything = sorted(x for values in self.latencies.values() for x in values)
        found = [(k, *_percentiles(sorted(v))) for k, v in sorted(self.latencies.items())]
        return [*found, ("all", *_percentiles(everything))]


def _percentiles(ordered: list[float]) -> tuple[int, float, float]:
    if not ordered:
        return 0, float("nan"), float("nan")
    p99 = ordered[max(int(len(ordered) * 0.99) - 1, 0)]
    return len(ordered), statistics.median(ordered) * 1000, p99 * 1000


def run(
    port: int, pid: int, things: list[str], requests: int, concurrency: int, checkpoint: int
) -> Report:
    """Send `requests` requests of the mix from `concurrency` threads; read memory on the way."""
    report = Report()
    lock = threading.Lock()
    source = mix(things)
    sent = itertools.count()

    def take() -> Request | None:
        with lock:
            number = next(sent)
            if number == checkpoint:
                report.rss_first = rss_mb(pid)
            return next(source) if number < requests else None

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (wanted := take()) is not None:
            kind, path, headers, expected = wanted
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                report.requests += 1
                report.errors += status != expected
                report.statuses[status] += 1
                report.latencies[kind].append(elapsed)
        connection.close()

    report.seconds = in_threads(client, concurrency)
    report.rss_last = rss_mb(pid)
    return report


def things_of(port: int) -> list[str]:
    """The paths of the dataset's things (`/id/...`), from the server's own SPARQL."""
    query = (
        "SELECT DISTINCT ?s WHERE { ?s a ?c"
        ' FILTER(STRSTARTS(STR(?s), "https://w3id.org/climate-mobility/id/")) } ORDER BY ?s'
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "GET", "/sparql?" + urlencode({"query": query}), headers={"Accept": "text/csv"}
    )
    lines = connection.getresponse().read().decode().splitlines()[1:]
    connection.close()
    return [
        line.strip().removeprefix("https://w3id.org/climate-mobility") for line in lines if line
    ]


def markdown(report: Report, concurrency: int) -> str:
    lines = [
        f"{report.requests:,} requests at concurrency {concurrency} in {report.seconds:.0f} s"
        f" ({report.requests / report.seconds:,.0f} req/s): {report.errors} errors;"
        f" statuses {dict(sorted(report.statuses.items()))}.",
        f"RSS of the server's process tree: {report.rss_first:.0f} MB after the first"
        f" checkpoint, {report.rss_last:.0f} MB at the end ({report.rss_growth:+.1%}).",
        "",
        "| kind | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {k} | {n:,} | {p50:.1f} | {p99:.1f} |" for k, n, p50, p99 in report.rows()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--checkpoint", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    port = free_port()
    code = (
        "import sys; from ldkit.server.settings import load_settings\n"
        "from ldkit.pipeline.build import build_folder, is_stale\n"
        "from ldkit.pipeline.serve import serve\n"
        "s = load_settings(sys.argv[1])\n"
        "build_folder(s) if is_stale(s) else None\n"
        "serve(s, '127.0.0.1', int(sys.argv[2]), int(sys.argv[3]))"
    )
    args = [sys.executable, "-c", code, str(ROOT), str(port), str(arguments.workers)]
    with Server("ldkit", args, port, "/sparql") as server:
        assert server.process is not None
        report = run(
            port,
            server.process.pid,
            things_of(port),
            arguments.requests,
            arguments.concurrency,
            arguments.checkpoint,
        )
    text = markdown(report, arguments.concurrency)
    print(text)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "load.md").write_text(text, encoding="utf-8")
    if report.errors or report.rss_growth >= RSS_GROWTH_LIMIT:
        sys.exit(1)


if __name__ == "__main__":
    main()
