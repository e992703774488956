"""Build a dataset folder: validate, then write dumps, the VoID + DCAT description and the store.

Everything is written into a fresh folder beside the build folder, then swapped into place, so a
failed, killed or starved build leaves the previous build untouched and serving: the swap is one
atomic exchange of the two folders (Linux `renameat2`), so the build folder is never missing;
where the file system cannot exchange, two renames, and the next build repairs a kill between
them. A build that cannot write (a full disk) says so in one line: `BuildFailed`.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import errno
import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline import ontology_checks
from ldkit.pipeline.findings import counts
from ldkit.pipeline.loading import Folder, Part, rdf_files, read_folder
from ldkit.pipeline.releases.snapshots import publish_versions
from ldkit.pipeline.validation import ValidationReport, check_files, validate_folder
from ldkit.pipeline.void import Dump, describe_dataset
from ldkit.server.formats import RDF_FORMATS, Format, by_key
from ldkit.server.namespaces import PREFIXES
from ldkit.server.settings import SHAPES_DUMP, Settings

BUILD_FORMAT_VERSION = "2"  # 2: the versions of the ontology under versions/
TRIPLE_DUMPS = ("ttl", "nt", "jsonld", "rdf")
QUAD_DUMPS = ("trig", "nq")
# The settings a build depends on (the server's settings do not make a build stale).
BUILD_SETTINGS = (
    "base_iri",
    "name",
    "title",
    "description",
    "license",
    "publisher",
    "languages",
    "checks",
)


class BuildRefused(Exception):
    """The data does not conform: nothing was built."""

    def __init__(self, report: ValidationReport) -> None:
        errors = counts(report.violations)["error"]
        super().__init__(f"{errors} error(s): the data does not conform")
        self.report = report


class BuildFailed(Exception):
    """The build could not be written (a full disk, no permission): the previous one stays."""


@dataclasses.dataclass(frozen=True)
class BuildInfo:
    """What `build.json` records about a build."""

    version: str
    built_at: str
    triples: int
    quads: int
    validated: tuple[str, ...]
    warnings: int = 0  # warnings of validation the build went ahead with

    @classmethod
    def read(cls, build_dir: Path) -> BuildInfo | None:
        try:
            raw = json.loads((build_dir / "build.json").read_text(encoding="utf-8"))
            raw["validated"] = tuple(raw.get("validated", ()))
            return cls(**raw)
        except (OSError, ValueError, TypeError):
            return None


def input_files(settings: Settings) -> list[Path]:
    """Every file a build reads: RDF of ontology/, data/, shapes/ and the checks."""
    files = [
        *rdf_files(settings.ontology_dir),
        *rdf_files(settings.data_dir),
        *rdf_files(settings.shapes_dir),
    ]
    for directory in (settings.ontology_dir, settings.shapes_dir):
        if directory.is_dir():
            files += sorted(directory.rglob("*-violation.rq"))
    if settings.releases_dir.is_dir():  # the versions the server shows
        files += sorted(p for p in settings.releases_dir.rglob("*") if p.is_file())
    return files


def input_version(settings: Settings) -> str:
    """A digest of the inputs and the settings: a build is stale when it changes."""
    digest = hashlib.sha256(BUILD_FORMAT_VERSION.encode())
    digest.update(repr([getattr(settings, name) for name in BUILD_SETTINGS]).encode())
    for path in input_files(settings):
        digest.update(str(path.relative_to(settings.root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for path in ontology_checks.shipped_files():  # a new ldkit may check more
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_stale(settings: Settings) -> bool:
    """True when there is no build, or it was built from other inputs or settings."""
    info = BuildInfo.read(settings.build_dir)
    return (
        info is None
        or not (settings.build_dir / "store").is_dir()
        or info.version != input_version(settings)
    )


def build_folder(settings: Settings, *, progress: bool = False) -> BuildInfo:
    """Validate the folder and, when it conforms, build it into `settings.build_dir`."""
    version = input_version(settings)
    folder = read_folder(settings, progress=progress)
    validated: tuple[str, ...] = ()
    warnings = 0
    if folder.shapes.present or folder.ontology.present or check_files(folder):
        report = validate_folder(folder)
        if not report.conforms:
            raise BuildRefused(report)
        validated, warnings = report.checked, counts(report.violations)["warning"]
    target = settings.build_dir
    staging = target.with_name(f".{target.name}.building")
    try:
        repair_swap(target)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        info = _write_build(folder, staging, version, validated, warnings)
        swap_into_place(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(_unwritable(error, target)) from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return info


def _unwritable(error: OSError, target: Path) -> str:
    """One line saying why the build could not be written, and that nothing changed."""
    no_space = error.errno == errno.ENOSPC or "no space left" in str(error).lower()
    reason = "no space left on the device" if no_space else (error.strerror or str(error))
    where = f" ({error.filename})" if error.filename else ""
    kept = f"the previous build in {target} is untouched" if target.exists() else "nothing built"
    return f"the build could not be written: {reason}{where}; {kept}"


def _write_build(
    folder: Folder, out: Path, version: str, validated: tuple[str, ...], warnings: int
) -> BuildInfo:
    settings = folder.settings
    built_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    store = ox.Store(str(out / "store"))
    try:
        store.bulk_extend(folder.data.quads)
        data_graphs = _graph_names(folder.data.quads)
        ontology = ox.NamedNode(settings.ontology_graph)
        store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, ontology) for q in folder.ontology.quads
        )
        dumps = write_dumps(store, out / "dumps", [*data_graphs, ontology])
        publish_versions(settings, out)
        dumps += write_shapes_dumps(folder.shapes, out / "dumps")
        description = describe_dataset(store, data_graphs, settings, dumps, built_at)
        (out / "void.ttl").write_bytes(description.serialize(format="turtle").encode())
        described = ox.NamedNode(settings.description_graph)
        store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, described)
            for q in ox.parse((out / "void.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
        )
        store.optimize()
        quads = len(store)
        triples = _count(store, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    finally:
        del store
    info = BuildInfo(version, built_at.isoformat(), triples, quads, validated, warnings)
    (out / "build.json").write_text(json.dumps(dataclasses.asdict(info), indent=2) + "\n")
    return info


def _graph_names(quads: Iterable[ox.Quad]) -> list[ox.NamedNode | ox.DefaultGraph]:
    names: dict[str, ox.NamedNode | ox.DefaultGraph] = {"": ox.DefaultGraph()}
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            names.setdefault(quad.graph_name.value, quad.graph_name)
    return list(names.values())


def _count(store: ox.Store, query: str) -> int:
    rows = list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    return int(rows[0][0].value)  # type: ignore[union-attr,index]


def write_dumps(
    store: ox.Store, out: Path, graphs: Sequence[ox.NamedNode | ox.DefaultGraph]
) -> list[Dump]:
    """Gzipped dumps of `graphs`: merged triples in every triple format, quads in TriG/N-Quads."""
    out.mkdir(parents=True)
    quads = [q for g in graphs for q in store.quads_for_pattern(None, None, None, g)]
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    has_named = any(isinstance(g, ox.NamedNode) for g in graphs)
    dumps = []
    for key in TRIPLE_DUMPS + (QUAD_DUMPS if has_named else ()):
        fmt = by_key(key, RDF_FORMATS)
        assert fmt is not None and isinstance(fmt.oxigraph, ox.RdfFormat)
        content = quads if fmt.datasets else triples
        dumps.append(_write_dump(out, fmt, content))
    return dumps


def write_shapes_dumps(shapes: Part, out: Path) -> list[Dump]:
    """The shapes of `shapes/` as dumps of their own (`shapes.ttl.gz`...), never in the store.

    The Turtle keeps the prefixes the shapes files declare (`cmsh:`, `sh:`...).
    """
    if not shapes.present:
        return []
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in shapes.quads))
    prefixes = shapes.prefixes or PREFIXES
    dumps = []
    for key in TRIPLE_DUMPS:
        fmt = by_key(key, RDF_FORMATS)
        assert fmt is not None
        dumps.append(_write_dump(out, fmt, triples, SHAPES_DUMP, prefixes))
    return dumps


def _write_dump(
    out: Path,
    fmt: Format,
    content: Sequence[ox.Quad] | Sequence[ox.Triple],
    stem: str = "dataset",
    prefixes: dict[str, str] = PREFIXES,
) -> Dump:
    name = f"{stem}.{fmt.extension}.gz"
    declared = prefixes if fmt.key in ("ttl", "trig") else None
    body = ox.serialize(content, format=fmt.oxigraph, prefixes=declared)  # type: ignore[arg-type]
    path = out / name
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
        stream.write(body)  # type: ignore[arg-type]
    data = path.read_bytes()
    return Dump(name, fmt, len(data), hashlib.sha256(data).hexdigest(), shapes=stem == SHAPES_DUMP)


def swap_into_place(staging: Path, target: Path) -> None:
    """Put a folder written aside in place of the old one atomically, then drop the old.

    The two folders are exchanged in one step where the file system can (then `staging` holds
    the old build, removed after); else two renames, the old one kept as `.{name}.old` between
    them, which `repair_swap` puts back if the process was killed there.
    """
    _sync(staging)
    if target.exists() and _exchange(staging, target):
        _sync(target.parent)
        shutil.rmtree(staging)
        return
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    _sync(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def repair_swap(target: Path) -> None:
    """Put the previous build back when a build was killed between the two renames of a swap."""
    old = target.with_name(f".{target.name}.old")
    if not target.exists() and (old / "build.json").is_file():
        old.rename(target)


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (`renameat2(RENAME_EXCHANGE)`); False where unsupported."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _sync(folder: Path) -> None:
    """Flush a folder's files and its entries to disk, so a power cut after the swap keeps them."""
    for path in [*folder.rglob("*"), folder]:
        if path.is_file() or path.is_dir():
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
