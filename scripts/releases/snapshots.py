"""The ontology and shapes of one version: a release, a git ref, a folder, or the working tree.

A release is frozen under the dataset folder, `releases/VERSION/ontology.ttl` and `shapes.ttl`,
in canonical Turtle (sorted, blank nodes named from their content), so that git holds every
release and two releases of the same content are the same bytes.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from pathlib import Path

from rdflib import OWL, Graph, URIRef
from rdflib.compare import to_canonical_graph

from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import InputError, parse_file, rdf_files
from ldkit.server.pages.versions import CURRENT, SEMVER, version_key
from ldkit.server.settings import Settings

PARTS = ("ontology", "shapes")


@dataclasses.dataclass
class Snapshot:
    """One version's ontology and shapes, and how a person names it."""

    name: str
    ontology: Graph
    shapes: Graph

    def union(self) -> Graph:
        """Ontology and shapes in one graph (what the diff compares)."""
        both = Graph()
        for part in (self.ontology, self.shapes):
            for prefix, namespace in part.namespaces():
                both.bind(prefix, namespace, override=False)
            both += part
        return both


def releases(settings: Settings) -> list[str]:
    """The released versions of the folder, oldest first."""
    folder = settings.releases_dir
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if p.is_dir() and SEMVER.fullmatch(p.name)]
    return sorted(found, key=version_key)


def last_release(settings: Settings) -> str | None:
    """The newest released version, or None before the first release."""
    found = releases(settings)
    return found[-1] if found else None


def ontology_version(settings: Settings) -> str | None:
    """The `owl:versionInfo` the working tree's ontology states, or None."""
    ontology = read_snapshot(settings, None).ontology
    found = ontology.value(URIRef(settings.ontology_iri), OWL.versionInfo)
    return str(found) if found is not None else None


def read_snapshot(settings: Settings, spec: str | None) -> Snapshot:
    """The version `spec` names: a release, a folder, a git ref; None is the working tree."""
    if spec is None:
        return _from_folder(settings.root, "working tree", settings)
    if SEMVER.fullmatch(spec) and (settings.releases_dir / spec).is_dir():
        return _from_release(settings.releases_dir / spec, spec, settings)
    path = Path(spec)
    if path.is_dir():
        if (path / "ontology.ttl").is_file():
            return _from_release(path, spec, settings)
        return _from_folder(path, spec, settings)
    return _from_git(settings, spec)


def _from_release(folder: Path, name: str, settings: Settings) -> Snapshot:
    graphs = []
    for part in PARTS:
        path = folder / f"{part}.ttl"
        prefixes: dict[str, str] = {}
        quads = parse_file(path, settings.base_iri, prefixes=prefixes) if path.is_file() else []
        graphs.append(_bound(to_graph(quads), prefixes))
    return Snapshot(name, *graphs)


def _from_folder(root: Path, name: str, settings: Settings) -> Snapshot:
    graphs = []
    for part in PARTS:
        graph, prefixes = Graph(), dict[str, str]()
        for path in rdf_files(root / part):
            to_graph(parse_file(path, settings.base_iri, prefixes=prefixes), graph)
        graphs.append(_bound(graph, prefixes))
    return Snapshot(name, *graphs)


def _from_git(settings: Settings, ref: str) -> Snapshot:
    """The ontology and shapes folders as they were at a git ref of the dataset's repository."""
    root = str(settings.root)
    listed = subprocess.run(  # paths relative to the dataset folder, also inside a larger repo
        ["git", "-C", root, "ls-tree", "-r", "--name-only", ref, "--", *PARTS],
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        raise InputError(f"{ref!r} is not a release, a folder or a git ref of {root}")
    with tempfile.TemporaryDirectory(prefix="ldkit-version-") as scratch:
        for name in listed.stdout.splitlines():
            blob = subprocess.run(
                ["git", "-C", root, "show", f"{ref}:./{name}"], capture_output=True, check=True
            ).stdout
            target = Path(scratch) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob)
        return _from_folder(Path(scratch), ref, settings)


def _bound(graph: Graph, prefixes: dict[str, str]) -> Graph:
    """The graph with the prefixes its files declare (for compact names in diffs and dumps)."""
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def write_snapshot(settings: Settings, version: str, snapshot: Snapshot) -> Path:
    """Freeze `snapshot` as release `version`; the folder it was written to."""
    return write_parts(settings.releases_dir / version, snapshot, canonical=True)


def write_parts(folder: Path, snapshot: Snapshot, canonical: bool = False) -> Path:
    """`ontology.ttl` and `shapes.ttl` of `snapshot` in `folder`, with their prefixes."""
    folder.mkdir(parents=True, exist_ok=True)
    for part, graph in zip(PARTS, (snapshot.ontology, snapshot.shapes), strict=True):
        written = graph
        if canonical:
            written = Graph()
            written += to_canonical_graph(graph)  # blank nodes named from their content
            for prefix, namespace in graph.namespaces():
                written.bind(prefix, namespace, override=True, replace=True)
        (folder / f"{part}.ttl").write_text(written.serialize(format="turtle"), "utf-8")
    return folder


def publish_versions(settings: Settings, out: Path) -> None:
    """What the server shows of the versions, under a build's `out/versions/`: every release
    (its frozen files as they are), the changelog, and the working tree as `current`."""
    target = out / "versions"
    target.mkdir(parents=True, exist_ok=True)
    for version in releases(settings):
        shutil.copytree(settings.releases_dir / version, target / version)
    if settings.ontology_changelog.is_file():
        shutil.copy2(settings.ontology_changelog, target / settings.ontology_changelog.name)
    write_parts(target / CURRENT, read_snapshot(settings, None))
