"""Read a dataset folder: every RDF file of `ontology/`, `data/` and `shapes/`, gzipped or not.

Files are parsed with pyoxigraph (fast, and its errors carry a line); the format comes from the
file's extension through the one format table. A file that cannot be read raises `InputError`
naming the file and the line.
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from ldkit.pipeline.progress import progress_bar
from ldkit.server.formats import rdf_format_for_path
from ldkit.server.settings import Settings
from ldkit.server.xml_entities import EntityError, check_entities

# Inputs larger than this (bytes, all files together) get a progress bar.
PROGRESS_THRESHOLD = 20_000_000


class InputError(Exception):
    """An input file that cannot be read: the message names the file and, when known, the line."""


@dataclasses.dataclass
class Part:
    """The quads read from one part of the folder (ontology, data or shapes)."""

    name: str
    files: list[Path] = dataclasses.field(default_factory=list)
    quads: list[ox.Quad] = dataclasses.field(default_factory=list)
    prefixes: dict[str, str] = dataclasses.field(default_factory=dict)  # Turtle/TriG's, later wins

    @property
    def present(self) -> bool:
        return bool(self.files)


@dataclasses.dataclass
class Folder:
    """Everything read from a dataset folder, with the file each subject is described in."""

    settings: Settings
    ontology: Part
    data: Part
    shapes: Part
    subject_files: dict[ox.NamedNode | ox.BlankNode, set[Path]]

    def relative(self, path: Path) -> str:
        """A path as a person reads it: relative to the folder's root."""
        return _shown(self.settings, path)


def rdf_files(directory: Path) -> list[Path]:
    """The RDF files under `directory`, recursively, in a stable order (hidden folders skipped)."""
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file()
        and rdf_format_for_path(path.name)
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
        and "cache" not in path.relative_to(directory).parts[:-1]
    )


def read_folder(settings: Settings, *, progress: bool = False) -> Folder:
    """Parse the ontology, data and shapes of the folder described by `settings`."""
    parts = {
        name: Part(name, rdf_files(directory))
        for name, directory in (
            ("ontology", settings.ontology_dir),
            ("data", settings.data_dir),
            ("shapes", settings.shapes_dir),
        )
    }
    if not any(part.files for part in parts.values()):
        raise InputError(
            f"{settings.root} is not a dataset folder: no RDF file in ontology/, data/ or shapes/"
            " (give the folder with --root, or make one with ldkit init)"
        )
    subject_files: dict[ox.NamedNode | ox.BlankNode, set[Path]] = {}
    total = sum(path.stat().st_size for part in parts.values() for path in part.files)
    enabled = progress and total > PROGRESS_THRESHOLD
    unreadable: list[str] = []  # every file that cannot be read is named, not the first alone
    with progress_bar("reading", total, enabled=enabled, in_bytes=True) as advance:
        for part in parts.values():
            for path in part.files:
                shown = _shown(settings, path)
                try:
                    for quad in parse_file(path, settings.base_iri, shown, part.prefixes):
                        part.quads.append(quad)
                        subject_files.setdefault(quad.subject, set()).add(path)  # type: ignore[arg-type]
                except InputError as error:
                    unreadable.append(str(error))
                advance(path.stat().st_size)
    if len(unreadable) == 1:
        raise InputError(unreadable[0])
    if unreadable:
        raise InputError(f"{len(unreadable)} files cannot be read:\n  " + "\n  ".join(unreadable))
    return Folder(settings, parts["ontology"], parts["data"], parts["shapes"], subject_files)


def parse_file(
    path: Path,
    base_iri: str | None = None,
    shown: str | None = None,
    prefixes: dict[str, str] | None = None,
) -> list[ox.Quad]:
    """All quads of one RDF file; raises InputError with the file and line on bad syntax.

    RDF/XML is read twice: first by `check_entities`, which refuses entities that would expand
    without bound (pyoxigraph's parser has no limit and aborts the process), then parsed.

    `shown` is how the file is named in errors (by default its path); the prefixes a Turtle or
    TriG file declares are added to `prefixes` when given.
    """
    shown = shown or str(path)
    fmt = rdf_format_for_path(path.name)
    if fmt is None or not isinstance(fmt.oxigraph, ox.RdfFormat):
        raise InputError(f"{shown}: not an RDF file ldkit can read (unknown extension)")
    try:
        if fmt.oxigraph == ox.RdfFormat.RDF_XML:  # the one format with entities: bound them first
            with _open(path) as stream:
                check_entities(stream)
        with _open(path) as stream:
            parser = ox.parse(stream, format=fmt.oxigraph, base_iri=base_iri)
            quads = list(parser)
        if prefixes is not None and fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            prefixes.update(parser.prefixes)
        return quads
    except EntityError as error:
        line = f", line {error.line}" if error.line else ""
        raise InputError(f"{shown}{line}: {error.reason}") from None
    except SyntaxError as error:
        raise InputError(f"{shown}, line {error.lineno or '?'}: {_reason(error)}") from None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{shown}: {error}") from None


def _shown(settings: Settings, path: Path) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _reason(error: SyntaxError) -> str:
    """The parser's message without the position prefix we already show."""
    message = str(error.msg if hasattr(error, "msg") else error)
    if message.startswith("Parser error") and ": " in message:
        message = message.split(": ", 1)[1]
    return message
