"""Seeded synthetic graphs of the same shape as a dataset folder's data, at any size.

    python -m bench.generate --triples 100000 --seed 1 --root . --out bench/data/100k

The data quads of the source folder are replicated: copy 0 is the data as it is; in copy i every
IRI minted under `{base_iri}id/` (except those the ontology or the shapes name, e.g. a scheme a
shape requires with `sh:hasValue`) gets the suffix `-s{i}`, and every blank node a fresh label.
Literals of cloned resources are perturbed deterministically: language-tagged strings get the copy
number (so one label per language stays unique), and every date of copy i moves by the same
seeded whole number of days (so an end stays after its start). Numbers and plain strings (which
identifiers patterns constrain) are kept. So each copy conforms to the shapes exactly when the
source does, with the same class and property mix.

To reach the requested size the last copy may be partial: it clones only the first resources
(each with its blank nodes) and links the rest to copy 0's resources.

The output folder holds `pyproject.toml` with the source's `[tool.ldkit]` settings, a copy of
`ontology/` and `shapes/` and `data/generated.nq` (N-Quads, gzipped with `--gzip`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import json
import random
import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline.loading import read_folder
from ldkit.server.settings import Settings, load_settings

XSD = "http://www.w3.org/2001/XMLSchema#"
DATE_TYPES = {XSD + "date", XSD + "dateTime", XSD + "dateTimeStamp"}
YEAR_TYPES = {XSD + "gYear", XSD + "gYearMonth"}
MAX_SHIFT_DAYS = 3650
_DATE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(.*)$", re.S)
_YEAR = re.compile(r"^(\d{4})(.*)$", re.S)

Subject = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph


@dataclasses.dataclass(frozen=True)
class Generated:
    """What was written."""

    out: Path
    source_quads: int
    quads: int
    copies: int  # full copies, the source's included
    partial: int  # resources cloned in the last, partial copy (0 when none)
    files: tuple[str, ...]


def parse_size(text: str) -> int:
    """`10k`, `1m`, `100000`, `1_000_000` -> a number."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


class _Source:
    """The source data, deduplicated, with what each copy clones."""

    def __init__(self, settings: Settings) -> None:
        folder = read_folder(settings)
        self.quads: list[ox.Quad] = _stable_blank_nodes(dict.fromkeys(folder.data.quads))
        if not self.quads:
            raise SystemExit(f"{settings.data_dir}: no data to replicate")
        prefix = settings.base_iri + "id/"
        named_by_model = {
            term.value
            for quad in (*folder.ontology.quads, *folder.shapes.quads)
            for term in (quad.subject, quad.object)
            if isinstance(term, ox.NamedNode)
        }
        # Shapes can also name resources inside SPARQL text or lists of literals: keep any IRI
        # that the shapes mention literally.
        shape_text = " ".join(
            q.object.value for q in folder.shapes.quads if isinstance(q.object, ox.Literal)
        )
        self.cloned_iris: set[str] = set()
        for quad in self.quads:
            for term in (quad.subject, quad.object, quad.graph_name):
                if (
                    isinstance(term, ox.NamedNode)
                    and term.value.startswith(prefix)
                    and term.value not in named_by_model
                    and term.value not in shape_text
                ):
                    self.cloned_iris.add(term.value)
        # Units: the cloned IRIs that are subjects, in order; each owns the blank nodes it reaches.
        self.units: list[Subject] = []
        seen: set[Subject] = set()
        for quad in self.quads:
            subject = quad.subject
            if subject not in seen and (
                isinstance(subject, ox.BlankNode) or subject.value in self.cloned_iris
            ):
                seen.add(subject)
                self.units.append(subject)
        self.owner = self._owners()
        self.units = [u for u in self.units if self.owner.get(u, u) == u]
        self.unit_quads: dict[Subject, int] = dict.fromkeys(self.units, 0)
        for quad in self.quads:
            owner = self.owner.get(quad.subject, quad.subject)  # type: ignore[arg-type]
            if owner in self.unit_quads:
                self.unit_quads[owner] += 1

    def _owners(self) -> dict[Subject, Subject]:
        """Each blank node's first named owner (blank nodes no IRI reaches own themselves)."""
        links: dict[Subject, list[ox.BlankNode]] = {}
        for quad in self.quads:
            if isinstance(quad.object, ox.BlankNode):
                links.setdefault(quad.subject, []).append(quad.object)  # type: ignore[arg-type]
        owner: dict[Subject, Subject] = {}
        roots = [u for u in self.units if isinstance(u, ox.NamedNode)]
        roots += [u for u in self.units if isinstance(u, ox.BlankNode)]
        for root in roots:
            if root in owner:
                continue
            owner[root] = root
            stack = list(links.get(root, ()))
            while stack:
                node = stack.pop()
                if node not in owner:
                    owner[node] = root
                    stack.extend(links.get(node, ()))
        return owner


def _stable_blank_nodes(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads with blank nodes labelled in order of appearance (the parser's are random)."""
    labels: dict[ox.BlankNode, ox.BlankNode] = {}

    def label(term: Term) -> Term:
        if isinstance(term, ox.BlankNode):
            stable = labels.get(term)
            if stable is None:
                stable = labels[term] = ox.BlankNode(f"b{len(labels)}")
            return stable
        return term

    return [
        ox.Quad(label(q.subject), q.predicate, label(q.object), q.graph_name)  # type: ignore[arg-type]
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
        else q
        for q in quads
    ]


class _Copy:
    """The mapping of terms for copy `index`."""

    def __init__(self, source: _Source, index: int, shift_days: int, only: set[Subject] | None):
        self.source = source
        self.index = index
        self.suffix = f"-s{index}"
        self.shift = dt.timedelta(days=shift_days)
        self.years = round(shift_days / 365.25)
        self.only = only  # None: clone everything cloneable; else only these units
        self._iris: dict[str, ox.NamedNode] = {}
        self._blanks: dict[str, ox.BlankNode] = {}

    def cloned(self, term: Term) -> bool:
        if isinstance(term, ox.BlankNode):
            return self.only is None or self.source.owner.get(term, term) in self.only
        if isinstance(term, ox.NamedNode) and term.value in self.source.cloned_iris:
            return self.only is None or term in self.only or term not in self.source.unit_quads
        return False

    def term(self, term: Term) -> Term:
        if self.index == 0 or not self.cloned(term):
            return term
        if isinstance(term, ox.NamedNode):
            named = self._iris.get(term.value)
            if named is None:
                named = self._iris[term.value] = ox.NamedNode(term.value + self.suffix)
            return named
        if isinstance(term, ox.BlankNode):
            blank = self._blanks.get(term.value)
            if blank is None:
                blank = self._blanks[term.value] = ox.BlankNode(f"c{self.index}x{term.value}")
            return blank
        return term

    def literal(self, literal: ox.Literal) -> ox.Literal:
        if self.index == 0:
            return literal
        if literal.language:
            return ox.Literal(f"{literal.value} ({self.index})", language=literal.language)
        datatype = literal.datatype.value
        if datatype in DATE_TYPES:
            return self._date(literal)
        if datatype in YEAR_TYPES:
            match = _YEAR.match(literal.value)
            if match:
                year = int(match.group(1)) + self.years
                return ox.Literal(f"{year:04d}{match.group(2)}", datatype=literal.datatype)
        return literal

    def _date(self, literal: ox.Literal) -> ox.Literal:
        match = _DATE.match(literal.value)
        if not match:
            return literal  # not a date: an invalid value stays invalid
        try:
            day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return literal
        moved = day + self.shift
        return ox.Literal(f"{moved.isoformat()}{match.group(4)}", datatype=literal.datatype)

    def quads(self) -> Iterator[ox.Quad]:
        for quad in self.source.quads:
            if self.index == 0:
                yield quad
                continue
            subject_cloned = self.cloned(quad.subject)
            if self.only is not None:
                if not subject_cloned:
                    continue  # partial copy: only the chosen resources' own statements
            elif not (subject_cloned or self.cloned(quad.object)):
                continue  # the same triple as in copy 0
            obj = quad.object
            obj = self.literal(obj) if isinstance(obj, ox.Literal) else self.term(obj)
            yield ox.Quad(
                self.term(quad.subject),  # type: ignore[arg-type]
                quad.predicate,
                obj,  # type: ignore[arg-type]
                self.term(quad.graph_name),  # type: ignore[arg-type]
            )


def plan(source: _Source, triples: int, seed: int) -> list[_Copy]:
    """The copies that make about `triples` quads."""
    rng = random.Random(seed)
    copies = [_Copy(source, 0, 0, None)]
    total = len(source.quads)
    per_copy = sum(1 for _ in _Copy(source, 1, 0, None).quads())
    while total + per_copy <= triples:
        copies.append(_Copy(source, len(copies), _shift(rng), None))
        total += per_copy
    missing = triples - total
    if missing > 0 and len(copies) > 0:
        chosen: set[Subject] = set()
        added = 0
        for unit in source.units:
            size = source.unit_quads[unit]
            if added + size > missing and abs(missing - added) <= abs(missing - added - size):
                break
            chosen.add(unit)
            added += size
        if chosen:
            copies.append(_Copy(source, len(copies), _shift(rng), chosen))
    return copies


def _shift(rng: random.Random) -> int:
    return rng.randint(-MAX_SHIFT_DAYS, MAX_SHIFT_DAYS) or 1


def generate(
    root: Path | str, out: Path | str, *, triples: int, seed: int = 1, gzipped: bool = False
) -> Generated:
    """Write a dataset folder of about `triples` data quads shaped like `root`'s data."""
    settings = load_settings(root)
    out = Path(out)
    source = _Source(settings)
    copies = plan(source, triples, seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    for part in ("ontology", "shapes"):
        directory = settings.root / part
        if directory.is_dir():
            shutil.copytree(directory, out / part)
    (out / "pyproject.toml").write_text(_pyproject(settings), encoding="utf-8")
    name = "generated.nq.gz" if gzipped else "generated.nq"
    count = 0
    path = out / "data" / name
    with path.open("wb") as raw:
        stream = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if gzipped else raw
        for copy in copies:
            batch = list(copy.quads())
            count += len(batch)
            stream.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))  # type: ignore[arg-type]
        if gzipped:
            stream.close()
    partial = len(copies[-1].only or ()) if copies[-1].only is not None else 0
    full = len(copies) - (1 if partial else 0)
    return Generated(out, len(source.quads), count, full, partial, (f"data/{name}",))


def _pyproject(settings: Settings) -> str:
    """`[tool.ldkit]` with the source's dataset settings (strings in JSON escapes, valid TOML)."""

    def value(item: object) -> str:
        if isinstance(item, dict):
            return "{ " + ", ".join(f"{k} = {value(v)}" for k, v in item.items()) + " }"
        if isinstance(item, list | tuple):
            return "[" + ", ".join(value(v) for v in item) + "]"
        return json.dumps(item, ensure_ascii=False)

    fields = {
        "base_iri": settings.base_iri,
        "name": settings.name,
        "title": settings.title,
        "description": settings.description,
        "license": settings.license,
        "publisher": settings.publisher,
        "languages": list(settings.languages),
        "checks": settings.checks,
    }
    lines = ["# A synthetic dataset written by bench.generate.", "[tool.ldkit]"]
    lines += [f"{key} = {value(item)}" for key, item in fields.items() if item]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--triples", required=True, help="size: 10000, 10k, 1m...")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, default=Path("."), help="the source dataset folder")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write")
    parser.add_argument("--gzip", action="store_true", help="gzip the N-Quads file")
    args = parser.parse_args(argv)
    info = generate(
        args.root, args.out, triples=parse_size(args.triples), seed=args.seed, gzipped=args.gzip
    )
    print(
        f"{info.out}: {info.quads} quads from {info.source_quads} source quads "
        f"({info.copies} copies + {info.partial} resources of a partial copy)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
