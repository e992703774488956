"""What ldkit's ontology checks add to `ldkit validate`, against the same run without them.

    python -m bench.ontology_checks --dataset bench/data/1m --repeats 3

Each run is a fresh `python -m bench.pipeline --measure ...` process (load included, imports
excluded), with and without the checks taking turns so that the load of the shared machine
falls on both; the figure is the ratio of the medians. On a shared machine that ratio is noisy,
so the work the checks add is also timed alone, in this process: the ontology checks on their
small store, and the data checks on a data + ontology store like the one validation already has
(building that store is not counted: the SHACL engine or the checks' workers build it anyway).
Target (issue 11): at most +10 % at 1M.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

MEASURES = ("validate_ours", "validate_no_ontology_checks")


def measure(name: str, dataset: Path) -> dict[str, object]:
    """One measurement of `bench.pipeline` in a process of its own."""
    command = [sys.executable, "-m", "bench.pipeline", "--measure", name, "--dataset", str(dataset)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def added_work(dataset: Path) -> dict[str, float]:
    """Seconds (wall and CPU) of the checks' own work on `dataset`, each part alone."""
    from ldkit.pipeline.checks import data_store, run_checks
    from ldkit.pipeline.deprecation import deprecated_in_queries
    from ldkit.pipeline.iri_text import files_prefixes
    from ldkit.pipeline.loading import read_folder
    from ldkit.pipeline.ontology_checks import load_checks, run_ontology_checks
    from ldkit.server.settings import load_settings

    settings = load_settings(dataset)
    folder = read_folder(settings)
    checks = load_checks(settings)
    timed: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    prefixes = files_prefixes([*folder.ontology.files, *folder.shapes.files])
    run_ontology_checks(folder, checks, prefixes)
    deprecated_in_queries(folder, "warning", prefixes)
    timed["ontology_wall"], timed["ontology_cpu"] = _since(wall, cpu)
    store = data_store(folder)
    wall, cpu = time.perf_counter(), time.process_time()
    run_checks(folder, [c for c in checks if c.scope == "data"], store, prefixes=prefixes)
    timed["data_wall"], timed["data_cpu"] = _since(wall, cpu)
    return timed


def _since(wall: float, cpu: float) -> tuple[float, float]:
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    seconds: dict[str, list[float]] = {name: [] for name in MEASURES}
    for repeat in range(args.repeats):
        order = MEASURES if repeat % 2 == 0 else MEASURES[::-1]
        for name in order:
            result = measure(name, args.dataset)
            seconds[name].append(float(result["seconds"]))  # type: ignore[arg-type]
            print(f"{name}: {result['seconds']:.2f} s, {result['violations']} finding(s)")
    with_checks, without = (statistics.median(seconds[name]) for name in MEASURES)
    added = with_checks / without - 1
    print(f"median with the ontology checks {with_checks:.2f} s, without {without:.2f} s")
    print(f"the ontology checks add {added:+.1%} end to end (target: at most +10%)")
    work = added_work(args.dataset)
    total = work["ontology_wall"] + work["data_wall"]
    print(
        f"their own work: ontology checks {work['ontology_wall']:.2f} s "
        f"(CPU {work['ontology_cpu']:.2f} s), data checks {work['data_wall']:.2f} s "
        f"(CPU {work['data_cpu']:.2f} s): {total / without:+.1%} of validate without them"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
