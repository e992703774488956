"""SHACL shapes of two versions matched by what they constrain, and how each constraint moved.

A property constraint is keyed by the targets of its node shape and its `sh:path` written as a
SPARQL property path (`schema:Event / schema:startDate`); the node-level constraints of a node
shape (`sh:closed`, `sh:or`, `sh:sparql`...) by its targets and `(node)`. A node shape without
targets is keyed by its IRI (a blank one without targets is part of the shape that names it, and
is described there). Blank-node identities never enter a key or a value, so reshuffled blank
nodes with the same content are no change. A shape that gains or loses targets changes its keys:
the old and new key of one path that share targets are paired, and the change is told per target
(`cm:Speech / schema:name` added), never as the whole shape removed and added again.

Each constraint parameter moves one way:
- ordered: `minCount`, `minLength`, `min*` tighten when they rise; `maxCount`, `maxLength`,
  `max*` when they fall (an absent minCount is 0, an absent maxCount infinite); `severity`
  when it is raised (Info < Warning < Violation; absent is Violation);
- one of a list (`in`, `or`, `languageIn`): fewer members tighten, more loosen;
- `nodeKind`: fewer kinds of node allowed tighten; `closed`, `uniqueLang`: true tightens;
- every other parameter (`datatype`, `class`, `pattern`, `hasValue`, `node`, `not`, `and`,
  `xone`, `sparql`...): a value added tightens, removed loosens; a `class` replaced by a subclass
  of it tightens, by a superclass loosens; any other replacement is "constraint changed".
Tightened, changed and added constraints are breaking for producers (existing data may violate
them); loosened and removed ones are safe. A new key whose constraints restrict nothing (only a
severity, a minCount of 0) is a safe addition, and so is one whose targets are all terms new in
this version (a class or property the old version never named: no old data has its instances).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ldkit.server.namespaces import OWL, RDF, RDFS, SH

PRODUCERS = "breaking for producers"
CONSUMERS = "breaking for consumers"
SAFE = "safe"
IMPACTS = (PRODUCERS, CONSUMERS, SAFE)

ADDED = "constraint added"
REMOVED = "constraint removed"
TIGHTENED = "constraint tightened"
LOOSENED = "constraint loosened"
CHANGED = "constraint changed"
SHAPE_KINDS = (ADDED, REMOVED, TIGHTENED, LOOSENED, CHANGED)

NODE = "(node)"
TARGETS = {
    SH.targetClass: "class",
    SH.targetSubjectsOf: "subjects of",
    SH.targetObjectsOf: "objects of",
    SH.targetNode: "node",
}
RISING = ("minCount", "minLength", "minInclusive", "minExclusive")
FALLING = ("maxCount", "maxLength", "maxInclusive", "maxExclusive")
ONE_OF = ("in", "or", "languageIn", "ignoredProperties")
FLAGS = ("closed", "uniqueLang", "deactivated")
# fmt: off
OTHERS = (
    "severity", "nodeKind", "datatype", "class", "pattern", "flags", "hasValue", "node", "not",
    "and", "xone", "sparql", "equals", "disjoint", "lessThan", "lessThanOrEquals",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
)
# fmt: on
PARAMETERS = (*RISING, *FALLING, *ONE_OF, *FLAGS, *OTHERS)
FLATTENED = ("in", "or", "languageIn", "ignoredProperties", "and")
SEVERITY_RANK = {"sh:Info": 1, "sh:Warning": 2, "sh:Violation": 3}
NODE_KINDS = {
    "sh:IRI": "I",
    "sh:BlankNode": "B",
    "sh:Literal": "L",
    "sh:BlankNodeOrIRI": "BI",
    "sh:BlankNodeOrLiteral": "BL",
    "sh:IRIOrLiteral": "IL",
}
_NUMERIC = re.compile(r"#(integer|decimal|double|float|int|long|nonNegativeInteger|boolean)$")

Show = Callable[[str], str]


@dataclasses.dataclass(frozen=True)
class Value:
    """One value of a constraint parameter, compared by its readable text."""

    text: str
    order: Any = dataclasses.field(default=None, compare=False, hash=False)


@dataclasses.dataclass(frozen=True)
class Target:
    """One way a shape selects its focus nodes: `kind` is a TARGETS label, `term` the term."""

    kind: str
    term: Node


@dataclasses.dataclass
class Constraint:
    """The constraints under one key: each parameter's values, and the targets they apply to."""

    targets: frozenset[Target]
    constrained: str = ""  # what the key says after its targets: the path, or NODE
    values: dict[str, set[Value]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ConstraintChange:
    """How the constraints under one key moved between two versions."""

    kind: str
    key: str
    detail: str
    impact: str
    targets: frozenset[Target]


class ShapeReader:
    """Reads the shapes of one graph into constraints keyed by what they constrain."""

    def __init__(self, graph: Graph, show: Show) -> None:
        self.graph = graph
        self.show = show

    def constraints(self) -> dict[str, Constraint]:
        """Every key of the graph's shapes and its constraints (shapes of one key merged)."""
        found: dict[str, Constraint] = {}
        for shape in sorted(self._node_shapes(), key=str):
            targets = self._targets(shape)
            if not targets and isinstance(shape, BNode):
                continue
            where = self.targets_text(targets) if targets else self.show(str(shape))
            if self.parameters(shape):  # a node shape may constrain only its properties
                self._add(found, where, NODE, targets, shape)
            for member in self.graph.objects(shape, SH.property):
                path = self.graph.value(member, SH.path)
                if path is not None:
                    self._add(found, where, self.path_text(path), targets, member)
        for member in set(self.graph.subjects(SH.path, None)):
            targets = self._targets(member)
            path = self.graph.value(member, SH.path)
            if targets and path is not None:
                self._add(found, self.targets_text(targets), self.path_text(path), targets, member)
        return found

    def _node_shapes(self) -> set[Node]:
        g = self.graph
        shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(SH.property, None))
        for predicate in TARGETS:
            shapes |= set(g.subjects(predicate, None))
        return {s for s in shapes if (s, SH.path, None) not in g}

    def _targets(self, shape: Node) -> frozenset[Target]:
        g = self.graph
        found = {Target(kind, t) for p, kind in TARGETS.items() for t in g.objects(shape, p)}
        types = set(g.objects(shape, RDF.type))
        if types & {RDFS.Class, OWL.Class} and types & {SH.NodeShape, SH.PropertyShape}:
            found.add(Target("class", shape))
        return frozenset(found)

    def targets_text(self, targets: frozenset[Target]) -> str:
        texts = (
            self.value(t.term).text if t.kind == "class" else f"{t.kind} {self.value(t.term).text}"
            for t in targets
        )
        return ", ".join(sorted(texts))

    def _add(
        self,
        found: dict[str, Constraint],
        where: str,
        constrained: str,
        targets: frozenset[Target],
        shape: Node,
    ) -> None:
        constraint = found.setdefault(f"{where} / {constrained}", Constraint(targets, constrained))
        for name, values in self.parameters(shape).items():
            constraint.values.setdefault(name, set()).update(values)

    def parameters(self, shape: Node) -> dict[str, set[Value]]:
        """The constraint parameters a shape states itself, each as readable values."""
        found: dict[str, set[Value]] = {}
        for name in PARAMETERS:
            for obj in self.graph.objects(shape, SH[name]):
                if name in FLATTENED:
                    values = {self.value(item) for item in self.graph.items(obj)}
                elif name == "sparql":
                    values = {self._sparql(obj)}
                else:
                    values = {self.value(obj)}
                found.setdefault(name, set()).update(values)
        return found

    def _sparql(self, node: Node) -> Value:
        query = self.graph.value(node, SH.select) or self.graph.value(node, SH.ask)
        return Value(" ".join(str(query or "").split()))

    def value(self, node: Node, depth: int = 0) -> Value:
        """A term as a person reads it; a blank node shape described by its content."""
        if isinstance(node, URIRef):
            return Value(self.show(str(node)), str(node))
        if isinstance(node, Literal):
            return Value(_literal_text(node, self.show), node.toPython())
        if (node, RDF.first, None) in self.graph:
            items = (self.value(i, depth + 1).text for i in self.graph.items(node))
            return Value(f"({' '.join(items)})")
        return Value(self.describe(node, depth))

    def describe(self, node: Node, depth: int = 0) -> str:
        """A blank node shape's content, sorted, so that its identity does not matter."""
        if depth > 8:
            return "[…]"
        parts = []
        path = self.graph.value(node, SH.path)
        if path is not None:
            parts.append(f"path {self.path_text(path)}")
        for name, values in self.parameters(node).items():
            parts.extend(f"{name} {v.text}" for v in values)
        for member in self.graph.objects(node, SH.property):
            parts.append(f"property {self.describe(member, depth + 1)}")
        return f"[{' ; '.join(sorted(parts))}]"

    def path_text(self, path: Node) -> str:
        """A SHACL path as a SPARQL property path: `a/b`, `^a`, `a|b`, `a*`, `a+`, `a?`."""
        return self._path(path)[0]

    def _path(self, path: Node) -> tuple[str, int]:
        # The second value is the precedence: 3 a primary, 2 a sequence, 1 an alternative.
        g = self.graph
        if isinstance(path, URIRef):
            return self.show(str(path)), 3
        if (path, RDF.first, None) in g:
            return "/".join(self._wrap(p, 2) for p in g.items(path)), 2
        inverse = g.value(path, SH.inversePath)
        if inverse is not None:
            return f"^{self._wrap(inverse, 3)}", 3
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None:
            return "|".join(self._wrap(p, 1) for p in g.items(alternatives)), 1
        for predicate, mark in (
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = g.value(path, predicate)
            if inner is not None:
                return f"{self._wrap(inner, 3)}{mark}", 3
        return self.value(path).text, 3

    def _wrap(self, path: Node, needed: int) -> str:
        text, precedence = self._path(path)
        return text if precedence >= needed else f"({text})"


def _literal_text(node: Literal, show: Show) -> str:
    if node.language:
        return f'"{node}"@{node.language}'
    if node.datatype is None or str(node.datatype).endswith("#string"):
        return f'"{node}"'
    if _NUMERIC.search(str(node.datatype)):
        return str(node)
    return f'"{node}"^^{show(str(node.datatype))}'


def shape_changes(
    old: Graph, new: Graph, show: Show, renamed: Mapping[str, str] | None = None
) -> Iterator[ConstraintChange]:
    """Each move of a constraint between the shapes of `old` and of `new`.

    `renamed` maps a renamed term's old IRI to its new one: the old shapes are read as if they
    said the new name, so a constraint that followed its term's rename has not moved.
    """
    renames = renamed or {}
    before = ShapeReader(old, lambda iri: show(renames.get(iri, iri))).constraints()
    reader = ShapeReader(new, show)
    after = reader.constraints()
    superclasses = _superclasses(new)
    renamed_to = set(renames.values())

    def added(
        key: str, values: dict[str, set[Value]], targets: frozenset[Target]
    ) -> ConstraintChange:
        fresh = _all_new(targets, old, new, renamed_to)
        impact = PRODUCERS if _restricts(values) and not fresh else SAFE
        return ConstraintChange(ADDED, key, _summary(values), impact, targets)

    def removed(
        key: str, values: dict[str, set[Value]], targets: frozenset[Target]
    ) -> ConstraintChange:
        return ConstraintChange(REMOVED, key, _summary(values), SAFE, targets)

    retargeted = _retargeted(before, after)
    for old_key, new_key in retargeted.items():
        was, now = before[old_key], after[new_key]
        if gained := now.targets - was.targets:
            yield added(f"{reader.targets_text(gained)} / {now.constrained}", now.values, gained)
        if lost := was.targets - now.targets:
            yield removed(f"{reader.targets_text(lost)} / {now.constrained}", was.values, lost)
        kept = dataclasses.replace(now, targets=now.targets & was.targets)
        yield from _moves(new_key, was, kept, superclasses)
    paired = set(retargeted) | set(retargeted.values())
    for key in sorted((before.keys() | after.keys()) - paired):
        if key not in after:
            yield removed(key, before[key].values, before[key].targets)
        elif key not in before:
            yield added(key, after[key].values, after[key].targets)
        else:
            yield from _moves(key, before[key], after[key], superclasses)
    if renames:
        as_written = ShapeReader(old, show).constraints()
        yield from _required_of_new_names(before, after, as_written, renames, show)


def _required_of_new_names(
    before: dict[str, Constraint],
    after: dict[str, Constraint],
    as_written: dict[str, Constraint],
    renames: Mapping[str, str],
    show: Show,
) -> Iterator[ConstraintChange]:
    """A `sh:minCount` that followed its property's rename: data written for the old version
    says the old name and lacks the new one (breaking for producers; the constraint stayed)."""
    for old_name, new_name in sorted(renames.items()):
        for key, now in sorted(after.items()):
            required = _bound("minCount", frozenset(now.values.get("minCount", ())))
            if now.constrained != show(new_name) or not required or key not in before:
                continue
            followed = _bound("minCount", frozenset(before[key].values.get("minCount", ())))
            if followed != required:
                continue  # the minCount itself changed: that tightening is told already
            written = as_written.get(key)
            if written and _bound("minCount", frozenset(written.values.get("minCount", ()))):
                continue  # the old version asked for the new name already
            detail = (
                f"sh:minCount {required} now asks for {show(new_name)}: data that says"
                f" {show(old_name)} lacks it"
            )
            yield ConstraintChange(TIGHTENED, key, detail, PRODUCERS, now.targets)


def _retargeted(before: dict[str, Constraint], after: dict[str, Constraint]) -> dict[str, str]:
    """Constraints whose shape gained or lost targets: each key gone from `after` paired with the
    new key of the same path that shares the most targets with it (the same shape, retargeted)."""
    gone = [k for k in sorted(before) if k not in after and before[k].targets]
    arrived = [k for k in sorted(after) if k not in before and after[k].targets]
    pairs: dict[str, str] = {}
    for old_key in gone:
        was = before[old_key]
        shared = [
            (len(was.targets & after[k].targets), k)
            for k in arrived
            if k not in pairs.values() and after[k].constrained == was.constrained
        ]
        best = max(shared, default=(0, ""), key=lambda found: (found[0], found[1]))
        if best[0]:
            pairs[old_key] = best[1]
    return pairs


def _all_new(targets: frozenset[Target], old: Graph, new: Graph, renamed_to: set[str]) -> bool:
    """Whether every target selects by a term that `new` declares and `old` never names: a
    class or property added in this version (not a new name of an old one), whose instances no
    producer of `old` can have."""
    if not targets:
        return False
    for target in targets:
        term = target.term
        if target.kind == "node" or str(term) in renamed_to or (term, RDF.type, None) not in new:
            return False
        if (term, None, None) in old or (None, None, term) in old or (None, term, None) in old:
            return False
    return True


def _moves(
    key: str, before: Constraint, after: Constraint, superclasses: Callable[[str], set[str]]
) -> Iterator[ConstraintChange]:
    for name in sorted(before.values.keys() | after.values.keys()):
        old = frozenset(before.values.get(name, ()))
        new = frozenset(after.values.get(name, ()))
        kind = move(name, old, new, superclasses)
        if kind is not None:
            detail = f"{name} {_shown(name, old)} → {_shown(name, new)}"
            impact = SAFE if kind == LOOSENED else PRODUCERS
            yield ConstraintChange(kind, key, detail, impact, after.targets)


def move(
    name: str,
    old: frozenset[Value],
    new: frozenset[Value],
    superclasses: Callable[[str], set[str]] = lambda _: set(),
) -> str | None:
    """TIGHTENED, LOOSENED or CHANGED for one parameter's values, None when they mean the same."""
    if name in RISING or name in FALLING or name == "severity":
        return _ordered_move(name, old, new)
    if name == "nodeKind":
        return _subset_move(_node_kinds(old), _node_kinds(new))
    if old == new:
        return None
    if name in FLAGS:
        return TIGHTENED if _flag(new) > _flag(old) else LOOSENED
    if name in ONE_OF:
        if not old or not new:  # absent allows everything
            return LOOSENED if not new else TIGHTENED
        return _subset_move(old, new)
    if name == "class" and len(old) == len(new) == 1:
        (was,), (now,) = old, new
        if was.order in superclasses(now.order):
            return TIGHTENED
        if now.order in superclasses(was.order):
            return LOOSENED
    # Every other parameter is a conjunction: one more value restricts more.
    if new > old:
        return TIGHTENED
    return LOOSENED if new < old else CHANGED


def _ordered_move(name: str, old: frozenset[Value], new: frozenset[Value]) -> str | None:
    was, now = _bound(name, old), _bound(name, new)
    if was == now:
        return None
    if was is None or now is None:
        return TIGHTENED if was is None else LOOSENED
    try:
        risen = now > was
    except TypeError:
        return CHANGED
    tighter = risen if (name in RISING or name == "severity") else not risen
    return TIGHTENED if tighter else LOOSENED


def _bound(name: str, values: frozenset[Value]) -> Any:
    """The strictest value of an ordered parameter, or its default when absent."""
    if name == "severity":
        return max((SEVERITY_RANK.get(v.text, 3) for v in values), default=3)
    orders = [v.order for v in values]
    if name == "minCount":
        return max(orders, default=0)
    if name == "maxCount":
        return min(orders, default=float("inf"))
    if not orders:
        return None
    return max(orders) if name in RISING else min(orders)


def _node_kinds(values: frozenset[Value]) -> frozenset[str]:
    allowed = set("IBL")
    for v in values:
        allowed &= set(NODE_KINDS.get(v.text, "IBL"))
    return frozenset(allowed)


def _subset_move(old: frozenset[Any], new: frozenset[Any]) -> str | None:
    if old == new:
        return None
    if new < old:
        return TIGHTENED
    return LOOSENED if new > old else CHANGED


def _flag(values: frozenset[Value]) -> bool:
    return any(v.text == "true" for v in values)


def _restricts(values: dict[str, set[Value]]) -> bool:
    """Whether new constraints can reject data: anything but a severity or a minCount of 0."""
    return any(
        name not in ("severity", "deactivated", "ignoredProperties")
        and not (name == "minCount" and _bound(name, frozenset(vs)) == 0)
        for name, vs in values.items()
    )


def _shown(name: str, values: frozenset[Value]) -> str:
    if not values:
        return "none"
    texts = sorted(_short(v.text) for v in values)
    return f"({', '.join(texts)})" if name in ONE_OF else ", ".join(texts)


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _summary(values: dict[str, set[Value]]) -> str:
    return "; ".join(f"{name} {_shown(name, frozenset(vs))}" for name, vs in sorted(values.items()))


def _superclasses(graph: Graph) -> Callable[[str], set[str]]:
    """The superclasses of a class in `graph`, through any number of rdfs:subClassOf."""

    def above(iri: str) -> set[str]:
        found = graph.transitive_objects(URIRef(iri), RDFS.subClassOf)
        return {str(c) for c in found} - {iri}

    return above
