"""Coverage of the links: per class and per target, how many of our things are linked.

Besides linked / total, the report counts the things known to have a counterpart: every linked
thing, plus those listed in `data/links/unverified.csv` (a counterpart exists but its identifier
is not verified, so it is left unlinked: see DOMAIN.md).
"""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from typing import Any

from ldkit.pipeline.linking.links import LinkData
from ldkit.pipeline.linking.suggest import LINKABLE
from ldkit.pipeline.linking.targets import TARGETS
from ldkit.pipeline.loading import InputError
from ldkit.server.namespaces import PREFIXES


@dataclasses.dataclass
class Coverage:
    """Linked / total per class and per target, and linked / known counterparts."""

    classes: dict[str, dict[str, int]]  # class -> {"things", "linked", target key...}
    targets: dict[str, dict[str, int]]  # target -> {"linked", "counterparts"}
    things: int
    linked: int
    counterparts: int
    unverified: list[dict[str, str]]
    graphs: dict[str, dict[str, Any]]  # graph of links -> its links and provenance

    def as_json(self) -> dict[str, Any]:
        """The coverage as plain data, with percentages."""
        return {
            "things": self.things,
            "linked": self.linked,
            "counterparts": self.counterparts,
            "linked_of_counterparts": _share(self.linked, self.counterparts),
            "classes": self.classes,
            "targets": self.targets,
            "unverified": self.unverified,
            "graphs": self.graphs,
        }


def coverage(data: LinkData) -> Coverage:
    """Count linked things per class and per target."""
    linked = {key: data.linked(target) for key, target in TARGETS.items()}
    any_link = set().union(*linked.values())
    # the things of a linkable class, and every thing linked whatever its class (a class of the
    # dataset's own, `c:Site`, counts once one of its things is linked)
    things = [
        t
        for t in data.things.values()
        if (t.labels and t.types & set(LINKABLE)) or t.iri in any_link
    ]
    shown = set(LINKABLE) | {c for t in things if t.iri in any_link for c in t.types}
    unverified = read_unverified(data)
    classes: dict[str, dict[str, int]] = {}
    for cls in sorted({c for t in things for c in t.types if c in shown}, key=compact):
        members = {t.iri for t in things if cls in t.types}
        row = {"things": len(members), "linked": len(members & any_link)}
        row |= {key: len(members & linked[key]) for key in TARGETS}
        classes[compact(cls)] = row
    targets = {
        key: {
            "linked": len(linked[key]),
            "counterparts": len(
                linked[key] | {u["thing"] for u in unverified if u["target"] == key}
            ),
        }
        for key in TARGETS
    }
    pending = {u["thing"] for u in unverified} - any_link
    total = len(any_link & {t.iri for t in things})
    counts = Counter(link.graph for link in data.links if link.graph)
    graphs = {
        graph: {"links": n, **{_local(p): sorted(v) for p, v in data.provenance[graph].items()}}
        for graph, n in sorted(counts.items())
    }
    return Coverage(classes, targets, len(things), total, total + len(pending), unverified, graphs)


UNVERIFIED_COLUMNS = ("thing", "target", "note")


def read_unverified(data: LinkData) -> list[dict[str, str]]:
    """The things known to have an unverified counterpart (`thing,target,note`), IRIs expanded."""
    path = data.settings.data_dir / "links" / "unverified.csv"
    if not path.is_file():
        return []
    where = "data/links/unverified.csv"
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            numbered = [(reader.line_num, row) for row in reader]
    except (UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"{where}: cannot be read: {error}") from None
    missing = [name for name in UNVERIFIED_COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        header = ",".join(reader.fieldnames or ()) or "nothing"
        raise InputError(
            f"{where}:1: the header is {header!r}; it needs {', '.join(UNVERIFIED_COLUMNS)}"
        )
    base = f"{data.settings.base_iri}id/"
    for line, row in numbered:
        if not row.get("thing") or row.get("target") not in TARGETS:
            known = ", ".join(TARGETS)
            raise InputError(f"{where}:{line}: a row names a thing and a target ({known})")
    return [{**row, "thing": base + row["thing"].removeprefix(base)} for _, row in numbered]


def compact(iri: str) -> str:
    """A class IRI with its usual prefix (`schema:City`)."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri.removeprefix(namespace)}"
    return iri


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _share(part: int, whole: int) -> float | None:
    """The percentage, or None of nothing (0 of 0 is no 100%)."""
    return round(100 * part / whole, 1) if whole else None
