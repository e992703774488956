"""Benchmark of the pipeline (load, validate, build) at several sizes, each beside a reference.

    python -m bench.pipeline --sizes 10k,100k,1m

For each size a synthetic dataset is generated (bench.generate, seeded) unless already there, then
every measurement runs in a fresh Python process (so one's memory does not leak into the next) that
reports its wall time and its peak resident memory (`resource.getrusage`; for the validation that
forks, the largest worker is reported too). The table goes to stdout and to
`bench/out/pipeline-<date>.md`.

- load: `pipeline.loading.read_folder` (pyoxigraph) vs rdflib parsing the same files (a `Dataset`,
  since `Graph().parse` silently drops N-Quads); `pipeline.graphs.to_graph` timed on its own.
- validate: `validate_folder(read_folder(settings))`, what `ldkit validate` runs (`--engine fast`,
  and `--engine pyshacl` as `validate_ours_pyshacl`), vs rdflib parse + one merged `Graph` + plain
  `pyshacl.validate` with the same shapes (no inference, SHACL-SPARQL on as ours); the verdicts
  (conforms, number of SHACL results) must agree.
- build: `pipeline.build.build_folder` (validation included) vs `oxigraph load` of the same data and
  ontology files into a store (the store alone, no validation, dumps or VoID).
- stages: where `validate_folder`'s time goes (parse, conversion, pySHACL, report, checks).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import parse_size

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
CHECK_TIMEOUT = 3600


# --- measurements, each run in its own process ------------------------------------------------


def _settings(dataset: Path):  # type: ignore[no-untyped-def]
    from ldkit.server.settings import load_settings

    return load_settings(dataset)


def _files(dataset: Path, parts: tuple[str, ...]) -> list[Path]:
    from ldkit.pipeline.loading import rdf_files

    return [f for part in parts for f in rdf_files(dataset / part)]


def _rdflib_parse(files: list[Path]):  # type: ignore[no-untyped-def]
    """What rdflib users write: every file into a Dataset (quad formats) or a Graph."""
    from rdflib import Dataset

    from ldkit.server.formats import rdf_format_for_path

    dataset = Dataset()
    for path in files:
        fmt = rdf_format_for_path(path.name)
        assert fmt is not None
        if path.name.endswith(".gz"):
            import gzip

            with gzip.open(path, "rb") as stream:
                dataset.parse(stream, format=fmt.rdflib)
        else:
            dataset.parse(str(path), format=fmt.rdflib)
    return dataset


def measure_load_ours(dataset: Path) -> dict[str, object]:
    from ldkit.pipeline.loading import read_folder

    settings = _settings(dataset)
    start = time.perf_counter()
    folder = read_folder(settings)
    seconds = time.perf_counter() - start
    quads = len(folder.data.quads) + len(folder.ontology.quads) + len(folder.shapes.quads)
    return {"seconds": seconds, "quads": quads, "data_quads": len(folder.data.quads)}


def measure_load_rdflib(dataset: Path) -> dict[str, object]:
    files = _files(dataset, ("ontology", "data", "shapes"))
    start = time.perf_counter()
    parsed = _rdflib_parse(files)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "quads": len(parsed)}


def measure_to_graph(dataset: Path) -> dict[str, object]:
    from ldkit.pipeline.graphs import to_graph
    from ldkit.pipeline.loading import read_folder

    folder = read_folder(_settings(dataset))
    start = time.perf_counter()
    data = to_graph(folder.ontology.quads, to_graph(folder.data.quads))
    shapes = to_graph(folder.shapes.quads)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": len(data) + len(shapes)}


def _shape_violations(report) -> int:  # type: ignore[no-untyped-def]
    from rdflib import RDF, SH

    return len(set(report.report.subjects(RDF.type, SH.ValidationResult)))


def measure_validate_ours(
    dataset: Path, engine: str = "fast", ontology_checks: bool = True
) -> dict[str, object]:
    """`ldkit validate` (`--engine fast`, the default): load, SHACL, checks, ontology checks."""
    from ldkit.pipeline.loading import read_folder
    from ldkit.pipeline.validation import validate_folder

    settings = _settings(dataset)
    start = time.perf_counter()
    report = validate_folder(read_folder(settings), engine, ontology_checks=ontology_checks)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "conforms": report.conforms,
        "shape_results": _shape_violations(report),
        "violations": len(report.violations),
        "checked": list(report.checked),
        "engines": report.engines,
    }


def measure_validate_no_ontology_checks(dataset: Path) -> dict[str, object]:
    """`ldkit validate --no-ontology-checks`: the reference of the ontology checks' cost."""
    return measure_validate_ours(dataset, ontology_checks=False)


def measure_validate_ours_pyshacl(dataset: Path) -> dict[str, object]:
    """`ldkit validate --engine pyshacl`: what `ldkit validate` ran before the fast engine."""
    return measure_validate_ours(dataset, "pyshacl")


def measure_validate_pyshacl(dataset: Path) -> dict[str, object]:
    import pyshacl
    from rdflib import RDF, SH, Graph

    start = time.perf_counter()
    parsed = _rdflib_parse(_files(dataset, ("data", "ontology")))
    parse_seconds = time.perf_counter() - start
    data = Graph()
    for s, p, o, _g in parsed.quads((None, None, None, None)):
        data.add((s, p, o))
    del parsed
    merge_seconds = time.perf_counter() - start - parse_seconds
    shapes = Graph()
    for path in _files(dataset, ("shapes",)):
        shapes.parse(str(path))
    conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "parse_seconds": parse_seconds,
        "merge_seconds": merge_seconds,
        "conforms": bool(conforms),
        "shape_results": len(set(results.subjects(RDF.type, SH.ValidationResult))),
    }


def cache_sparql_parsing() -> None:
    """Recommendation under test: parse each SHACL-SPARQL query text once, not per focus node.

    pySHACL binds `$this` through `initBindings`, so the text is the same for every focus node,
    yet rdflib parses and translates it again on every call (pyparsing: ~10 ms a query).
    """
    import functools

    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    @functools.lru_cache(maxsize=1024)
    def prepared(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]):  # type: ignore[no-untyped-def]
        return translateQuery(parseQuery(text), base, dict(namespaces))

    original = processor.SPARQLProcessor.query

    def query(self, query, initBindings=None, initNs=None, base=None, DEBUG=False):  # type: ignore[no-untyped-def]  # noqa: N803
        if isinstance(query, str):  # rdflib's Graph.query passes the graph's prefixes as initNs
            namespaces = tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items()))
            query = prepared(query, base, namespaces)
        return original(self, query, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]


def measure_validate_cached(dataset: Path) -> dict[str, object]:
    cache_sparql_parsing()
    return measure_validate_ours(dataset, "pyshacl")


def measure_validate_cached_forked(dataset: Path) -> dict[str, object]:
    """The cache, and the shapes split over forked processes whatever the size."""
    from ldkit.pipeline import validation

    validation.PARALLEL_THRESHOLD = 0
    return measure_validate_cached(dataset)


def measure_build_ours(dataset: Path) -> dict[str, object]:
    from ldkit.pipeline.build import build_folder

    with tempfile.TemporaryDirectory(prefix="ldkit-bench-") as tmp:
        settings = _settings(dataset).replace(out=Path(tmp) / "dist")
        start = time.perf_counter()
        info = build_folder(settings)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": info.triples, "quads": info.quads}


def measure_build_oxigraph(dataset: Path) -> dict[str, object]:
    files = [str(f) for f in _files(dataset, ("data", "ontology"))]
    with tempfile.TemporaryDirectory(prefix="ldkit-bench-") as tmp:
        start = time.perf_counter()
        subprocess.run(
            [OXIGRAPH, "load", "--location", tmp, "--file", *files],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - start
    return {"seconds": seconds}


STAGED = (
    "to_graph",
    "_merged",
    "run_pyshacl",
    "_pyshacl",
    "describe_results",
    "run_checks",
)


def measure_stages(dataset: Path) -> dict[str, object]:
    """`validate_folder` with its steps timed, in the forked workers too.

    The functions `pipeline.validation` calls are wrapped in place; each call appends its process
    id and time to a file, so that the workers' times come back. A stage's time is the main
    process's plus the slowest worker's (workers run side by side).
    """
    import functools

    import pyshacl

    from ldkit.pipeline import validation as v
    from ldkit.pipeline.loading import read_folder

    log = Path(tempfile.mkstemp(prefix="ldkit-stages-")[1])

    def timed(name: str, function: Callable) -> Callable:  # type: ignore[type-arg]
        @functools.wraps(function)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with log.open("a") as stream:
                    stream.write(f"{os.getpid()} {name} {time.perf_counter() - start}\n")

        return wrapper

    for name in STAGED:
        if hasattr(v, name):
            setattr(v, name, timed(name, getattr(v, name)))
    pyshacl.validate = timed("pyshacl.validate", pyshacl.validate)
    engine = v.shacl.engine
    engine.build_store = timed(
        "shacl: build_store (pyoxigraph, data + ontology)", engine.build_store
    )
    engine.plan = timed("shacl: plan (compile the shapes)", engine.plan)
    v.shacl.validate = timed("shacl.validate (compiled checks + fallback)", v.shacl.validate)
    main = os.getpid()
    start = time.perf_counter()
    folder = read_folder(_settings(dataset))
    parse = time.perf_counter() - start
    report = v.validate_folder(folder)
    total = time.perf_counter() - start
    mine: dict[str, float] = {"read_folder (pyoxigraph parse)": parse}
    workers: dict[str, dict[str, float]] = {}
    for line in log.read_text().splitlines():
        pid, rest = line.split(" ", 1)
        name, seconds = rest.rsplit(" ", 1)
        into = mine if int(pid) == main else workers.setdefault(pid, {})
        into[name] = into.get(name, 0.0) + float(seconds)
    log.unlink()
    stages = dict(mine)
    for name in {n for w in workers.values() for n in w}:
        slowest = max(w.get(name, 0.0) for w in workers.values())
        stages[f"{name} (slowest of {len(workers)} workers)"] = slowest
    stages["validate_folder (everything after the parse)"] = total - parse
    return {
        "seconds": total,
        "stages": stages,
        "conforms": report.conforms,
        "parallel_threshold": getattr(v, "PARALLEL_THRESHOLD", None),
    }


def measure_stages_cached(dataset: Path) -> dict[str, object]:
    cache_sparql_parsing()
    return measure_stages(dataset)


MEASURES: dict[str, Callable[[Path], dict[str, object]]] = {
    "load_ours": measure_load_ours,
    "load_rdflib": measure_load_rdflib,
    "to_graph": measure_to_graph,
    "validate_ours": measure_validate_ours,
    "validate_ours_pyshacl": measure_validate_ours_pyshacl,
    "validate_no_ontology_checks": measure_validate_no_ontology_checks,
    "validate_pyshacl": measure_validate_pyshacl,
    "validate_cached": measure_validate_cached,
    "validate_cached_forked": measure_validate_cached_forked,
    "build_ours": measure_build_ours,
    "build_oxigraph": measure_build_oxigraph,
    "stages": measure_stages,
    "stages_cached": measure_stages_cached,
}


def _child(name: str, dataset: Path) -> None:
    result = MEASURES[name](dataset)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["rss_mb"] = round(own)
    result["children_rss_mb"] = round(children)
    print(json.dumps(result))


def run(name: str, dataset: Path, timeout: float = CHECK_TIMEOUT) -> dict[str, object]:
    """One measurement in a fresh process; `{"dnf": timeout}` when it takes longer."""
    command = [PYTHON, "-m", "bench.pipeline", "--measure", name, "--dataset", str(dataset)]
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)  # the measurement and its forked workers, nothing else
        child.communicate()
        print(f"  {name:<17} did not finish in {timeout:.0f} s", file=sys.stderr)
        return {"dnf": timeout}
    done = subprocess.CompletedProcess(command, child.returncode, stdout, stderr)
    if done.returncode != 0:
        raise RuntimeError(f"{name} on {dataset} failed:\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {name:<17} {result['seconds']:8.2f} s  {result['rss_mb']:>6} MB", file=sys.stderr)
    return result


# --- datasets -----------------------------------------------------------------------------------


def _source_digest(root: Path) -> str:
    sha = hashlib.sha256()
    for part in ("ontology", "data", "shapes"):
        for path in sorted((root / part).rglob("*")) if (root / part).is_dir() else ():
            if path.is_file():
                sha.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    sha.update(
        (root / "pyproject.toml").read_bytes() if (root / "pyproject.toml").is_file() else b""
    )
    return sha.hexdigest()


def ensure_dataset(root: Path, out: Path, triples: int, seed: int) -> dict[str, object]:
    """Generate the dataset unless `out` already holds it for these inputs."""
    meta = {"source": _source_digest(root), "triples": triples, "seed": seed}
    stamp = out / "bench.json"
    if stamp.is_file() and json.loads(stamp.read_text())["key"] == meta:
        return json.loads(stamp.read_text())
    start = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "bench.generate", "--triples", str(triples), "--seed", str(seed),
         "--root", str(root), "--out", str(out)],
        check=True,
        cwd=HERE.parent,
    )  # fmt: skip
    files = sorted((out / "data").glob("*"))
    lines = sum(1 for f in files for _ in f.open("rb"))
    record = {"key": meta, "quads": lines, "seconds": time.perf_counter() - start}
    stamp.write_text(json.dumps(record))
    return record


# --- the table ----------------------------------------------------------------------------------


def _s(result: dict[str, object] | None) -> str:
    if result is None:
        return "not run"
    if "dnf" in result:
        return f"> {float(result['dnf']):.0f} s (DNF)"  # type: ignore[arg-type]
    return f"{float(result['seconds']):.2f} s"  # type: ignore[arg-type]


def _mb(result: dict[str, object] | None, forks: bool = False) -> str:
    if result is None or "dnf" in result:
        return ""
    text = f"{result['rss_mb']} MB"
    if forks and int(result["children_rss_mb"]) > 0:  # type: ignore[call-overload]
        text += f" (workers ≤ {result['children_rss_mb']} MB each)"
    return text


def _cli_mb(result: dict[str, object] | None) -> str:
    if result is None or "dnf" in result:
        return ""
    return f"{result['children_rss_mb']} MB (the CLI process)"


def _ratio(reference: dict[str, object] | None, ours: dict[str, object] | None) -> str:
    if not reference or not ours or "dnf" in ours:
        return "—"
    if "dnf" in reference:
        return f"> {float(reference['dnf']) / float(ours['seconds']):.1f}x"  # type: ignore[arg-type]
    ratio = float(reference["seconds"]) / max(float(ours["seconds"]), 1e-9)  # type: ignore[arg-type]
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def _speedup(reference: dict[str, object] | None, ours: dict[str, object] | None) -> float | None:
    if not reference or not ours or "dnf" in ours or "dnf" in reference:
        return None
    return float(reference["seconds"]) / max(float(ours["seconds"]), 1e-9)  # type: ignore[arg-type]


def _verdict(ours: dict[str, object] | None, reference: dict[str, object] | None) -> str:
    if not ours or not reference or "dnf" in ours or "dnf" in reference:
        return "verdicts not compared"
    agree = (ours["conforms"], ours["shape_results"]) == (
        reference["conforms"],
        reference["shape_results"],
    )
    return (
        f"verdicts {'agree' if agree else '**differ**'} (conforms={ours['conforms']}, "
        f"{ours['shape_results']} SHACL results / conforms={reference['conforms']}, "
        f"{reference['shape_results']})"
    )


def table(results: dict[str, dict[str, dict[str, object]]]) -> str:
    head = (
        "| size | step | ours | ours peak RSS | reference | ref. time | ref. peak RSS | speed-up "
        "| target met? |\n|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for size, r in results.items():
        lo, lr = r.get("load_ours"), r.get("load_rdflib")
        if lo or lr:
            fast = _speedup(lr, lo)
            met = "—" if fast is None else ("yes" if fast >= 10 else "**no**")
            rows.append(
                f"| {size} | load: `read_folder` (pyoxigraph) | {_s(lo)} | {_mb(lo)} "
                f"| rdflib `Dataset().parse` | {_s(lr)} | {_mb(lr)} | {_ratio(lr, lo)} "
                f"| ≥ 10x: {met} |"
            )
        if tg := r.get("to_graph"):
            rows.append(
                f"| {size} | `to_graph` (rdflib conversion, alone) | {_s(tg)} | {_mb(tg)} "
                "| | | | | |"
            )
        vr = r.get("validate_pyshacl")
        reference = "rdflib parse + merge into one Graph + plain pySHACL"
        if vr and "dnf" not in vr:
            reference = (
                f"rdflib parse ({float(vr['parse_seconds']):.2f} s) + merge into one Graph "  # type: ignore[arg-type]
                f"({float(vr['merge_seconds']):.2f} s) + plain pySHACL"  # type: ignore[arg-type]
            )
        for key, step in (
            ("validate_ours", "validate: `ldkit validate` (`--engine fast`), load included"),
            ("validate_ours_pyshacl", "validate: `ldkit validate --engine pyshacl`, load included"),
            ("validate_cached", "validate, `--engine pyshacl` + SPARQL-parse cache (rec. 1)"),
        ):
            if (vo := r.get(key)) is None:
                continue
            fast = _speedup(vr, vo)
            met = "—" if fast is None else ("yes" if fast >= 2 else "**no**")
            if fast is None and vr and vo and "dnf" in vr and "dnf" not in vo:
                bound = float(vr["dnf"]) / max(float(vo["seconds"]), 1e-9)  # type: ignore[arg-type]
                met = f"yes (the reference did not finish in {float(vr['dnf']):.0f} s)"  # type: ignore[arg-type]
                met = met if bound >= 2 else "—"
            target = f"≥ 2x: {met}"
            if size == "1m":
                under = "DNF" in _s(vo) or float(vo["seconds"]) >= 45  # type: ignore[arg-type]
                target += f"; < 45 s: {'**no**' if under else 'yes'}"
            rows.append(
                f"| {size} | {step} | {_s(vo)} | {_mb(vo, forks=True)} | {reference} | {_s(vr)} "
                f"| {_mb(vr)} | {_ratio(vr, vo)} | {target}; {_verdict(vo, vr)} |"
            )
        bo, br = r.get("build_ours"), r.get("build_oxigraph")
        if bo or br:
            rows.append(
                f"| {size} | build: `build_folder` (validation, dumps, VoID, store) | {_s(bo)} "
                f"| {_mb(bo, forks=True)} | `oxigraph load` of data + ontology (store only) "
                f"| {_s(br)} | {_cli_mb(br)} | {_ratio(br, bo)} | no target |"
            )
    return head + "\n".join(rows) + "\n"


def stages_table(results: dict[str, dict[str, dict[str, object]]]) -> str:
    sizes = [s for s in results if "stages" in results[s] and "dnf" not in results[s]["stages"]]
    if not sizes:
        return ""
    names: list[str] = []
    for size in sizes:
        for name in results[size]["stages"]["stages"]:  # type: ignore[attr-defined]
            if name not in names:
                names.append(name)
    head = "| stage | " + " | ".join(sizes) + " |\n|---|" + "---|" * len(sizes) + "\n"
    rows = []
    for name in names:
        cells = []
        for size in sizes:
            stage = results[size]["stages"]["stages"]  # type: ignore[index]
            value = stage.get(name)  # type: ignore[attr-defined]
            total = results[size]["stages"]["seconds"]
            cells.append(
                f"{value:.2f} s ({100 * value / total:.0f} %)" if value is not None else ""
            )
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = " | ".join(_s(results[s]["stages"]) for s in sizes)
    rows.append(f"| **total** | {totals} |")
    return head + "\n".join(rows) + "\n"


def machine() -> str:
    import pyoxigraph
    import pyshacl
    import rdflib

    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"rdflib {rdflib.__version__}, pySHACL {pyshacl.__version__}, "
        f"pyoxigraph {pyoxigraph.__version__}; "
        f"{os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}; load average at the "
        f"end of the run {', '.join(f'{x:.1f}' for x in os.getloadavg())} (other work shares "
        "the machine: figures are only comparable within one run)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--sizes", default="10k,100k,1m")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, default=Path("."), help="the source dataset folder")
    parser.add_argument("--data", type=Path, default=HERE / "data", help="generated datasets")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where the table goes")
    parser.add_argument("--no-stages", action="store_true", help="skip the validate profile")
    parser.add_argument("--only", help="comma-separated measurements to run (default: all)")
    parser.add_argument(
        "--timeout", type=float, default=CHECK_TIMEOUT, help="seconds before a measurement is DNF"
    )
    parser.add_argument("--render", nargs="+", help="only re-render saved JSON figures")
    parser.add_argument("--measure", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    parser.add_argument("--dataset", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render:
        return render(args.render, args.out)
    if args.measure:
        _child(args.measure, args.dataset)
        return 0
    root = args.root.resolve()
    results: dict[str, dict[str, dict[str, object]]] = {}
    generated: dict[str, dict[str, object]] = {}
    for size in [s.strip().lower() for s in args.sizes.split(",") if s.strip()]:
        triples = parse_size(size)
        dataset = args.data.resolve() / size
        generated[size] = ensure_dataset(root, dataset, triples, args.seed)
        print(f"{size}: {generated[size]['quads']} quads in {dataset}", file=sys.stderr)
        names = [n for n in MEASURES if not n.startswith("stages") or not args.no_stages]
        if args.only:
            names = [n for n in names if n in args.only.split(",")]
        results[size] = {name: run(name, dataset, args.timeout) for name in names}
    command = "python -m bench.pipeline " + " ".join(argv if argv is not None else sys.argv[1:])
    write(results, args.out, command, f"seed {args.seed}, source `{root.name}`")
    return 0


def write(
    results: dict[str, dict[str, dict[str, object]]], out: Path, command: str, about: str
) -> None:
    """Print the tables and write them, with the raw figures, to `out/pipeline-<date>.*`."""
    today = dt.date.today().isoformat()
    sizes = ", ".join(
        f"{size} = {r['load_ours']['data_quads']} data quads"
        for size, r in results.items()
        if "data_quads" in r.get("load_ours", {})
    )
    text = (
        f"# Pipeline benchmark, {today}\n\n`{command}` ({about}; {sizes})\n\n{machine()}\n\n"
        f"{table(results)}"
    )
    stages = stages_table(results)
    if stages:
        text += f"\nWhere `validate_folder`'s time goes:\n\n{stages}"
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"pipeline-{today}.md").write_text(text, encoding="utf-8")
    (out / f"pipeline-{today}.json").write_text(json.dumps(results, indent=1) + "\n")


def render(argv: list[str], out: Path) -> int:
    """One table from several runs' saved figures (`--render A.json B.json`)."""
    results: dict[str, dict[str, dict[str, object]]] = {}
    for name in argv:
        for size, figures in json.loads(Path(name).read_text()).items():
            results.setdefault(size, {}).update(figures)
    write(results, out, "python -m bench.pipeline --render " + " ".join(argv), "merged runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
