"""What the shapes say, for people: shapes by target, constraints, paths as SPARQL paths.

The shapes are read from the build (`Settings.shapes_dump`, written by `ldkit build`), never
from `shapes/`, and never from the store: the store holds no `sh:` triple. The shapes page,
the class pages and the ontology page all read them here.

A constraint carries its severity, its message in the reader's language (with the fallback
chain), what its parameters say as written in SHACL (`sh:minCount 1`), and its path as a SPARQL
property path (`^org:memberOf`, `a/b`, `a|b`, `a*`). What an instance of a class must have are
the constraints of the shapes that target the class or one of its superclasses (`rdfs:subClassOf`
in the ontology graph, transitively), and of the shapes that target the subjects or objects of a
property the instances use.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from ldkit.server import urls
from ldkit.server.pages import reading
from ldkit.server.settings import Settings

# Target predicates, in the order a shape's targets are shown, and the name of their kind.
TARGETS = {
    SH.targetClass: "class",
    SH.targetSubjectsOf: "subjectsOf",
    SH.targetObjectsOf: "objectsOf",
    SH.targetNode: "node",
}
# What a shape carries that is not a constraint parameter (shown elsewhere, or not at all).
_NOT_PARAMETERS = {
    *TARGETS, SH.path, SH.message, SH.severity, SH.deactivated, SH.name, SH.description,
    SH.order, SH.group, SH.defaultValue, SH.property, SH.sparql, SH.prefixes, SH.declare,
    SH.select, SH.ask, SH.target,
}  # fmt: skip
_BARE = {XSD.integer, XSD.decimal, XSD.boolean}  # literals Turtle writes without quotes
_PATH_SUFFIXES = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
# How tightly a path text binds: a name or (...), with a suffix, ^x, a/b, a|b.
_PRIMARY, _ELEMENT, _INVERSE, _SEQUENCE, _ALTERNATIVE = 4, 3, 2, 1, 0


@dataclasses.dataclass(frozen=True, eq=False)  # one per file read: known by its identity
class ShapesGraph:
    """The shapes of the build: as a graph to read, as triples to serve, and their prefixes."""

    graph: Graph
    triples: list[ox.Triple]
    prefixes: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Constraint:
    """One constraint: on the values of a path, on the focus node itself, or a SPARQL query."""

    kind: str  # "property", "node" or "sparql"
    path: str | None  # a SPARQL property path; None for node-level constraints
    message: str | None  # in the reader's language, else the fallback (node-level: the shape's)
    says: str  # the parameters as written in SHACL: `sh:minCount 1 ; sh:class org:Organization`
    severity: str  # Violation, Warning or Info
    query: str | None = None  # the SELECT of a SPARQL constraint

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Target:
    """What a shape targets: a class (or itself as a class), subjects or objects of P, a node."""

    kind: str  # "class", "implicit", "subjectsOf", "objectsOf" or "node"
    iri: str
    text: str  # the IRI as written with the shapes' prefixes


@dataclasses.dataclass
class Shape:
    """A shape of the shapes graph: its name, what it targets and its constraints."""

    name: str
    anchor: str
    label: str | None
    message: str | None
    targets: list[Target]
    constraints: list[Constraint]
    deactivated: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "message": self.message,
            "deactivated": self.deactivated,
            "targets": [dataclasses.asdict(t) for t in self.targets],
            "constraints": [c.as_json() for c in self.constraints],
        }


@dataclasses.dataclass(frozen=True)
class Requirement:
    """The constraints one shape puts on the instances of a class, and why they apply."""

    why: Target  # the class targeted (itself or a superclass) or the property used
    inherited: bool  # the target is a superclass of the class
    shape: Shape

    def as_json(self) -> dict[str, Any]:
        return {
            "target": dataclasses.asdict(self.why),
            "inherited": self.inherited,
            "shape": self.shape.name,
            "constraints": [c.as_json() for c in self.shape.constraints],
        }


def shapes_graph(settings: Settings) -> ShapesGraph | None:
    """The build's shapes (read again only when the build changed), or None without shapes."""
    path = settings.shapes_dump
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read(path: str, _mtime: int, _size: int) -> ShapesGraph:
    with gzip.open(path, "rb") as stream:
        body = stream.read()
    graph = Graph(bind_namespaces="none").parse(data=body, format="turtle")
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    return ShapesGraph(graph, triples, prefixes)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=16)  # a graph is read once per language: do not change the list
def published_shapes(shapes: ShapesGraph, chain: tuple[str, ...], shapes_iri: str) -> list[Shape]:
    """Every shape with a target or a name, read for a reader of `chain`, by what it targets
    (`shapes_iri`: the shapes document, whose hash IRIs are the dataset's own shapes)."""
    reader = _Reader(shapes, chain, shapes_iri)
    found = [reader.shape(node) for node in reader.top_shapes()]
    return sorted(found, key=lambda s: (not s.targets, [t.text for t in s.targets], s.name))


def requirements(
    settings: Settings,
    chain: tuple[str, ...],
    terms: Iterable[str],
    shapes: ShapesGraph | None = None,
) -> dict[str, list[Requirement]]:
    """What the shapes ask of the instances of each class of `terms` (and of each property).

    A class gets the shapes targeting it or a superclass, and the shapes targeting the subjects
    (objects) of a property its instances are subjects (objects) of in the data; a property
    gets the shapes that target its subjects or objects.
    """
    shapes = shapes or shapes_graph(settings)  # by default, the build's
    wanted = list(dict.fromkeys(terms))
    if shapes is None or not wanted:
        return {}
    by_target: dict[tuple[str, str], list[Shape]] = defaultdict(list)
    for shape in published_shapes(shapes, chain, urls.shapes_iri(settings.base_iri)):
        for target in shape.targets if not shape.deactivated else ():
            by_target[(_kind(target), target.iri)].append(shape)
    supers = _superclasses(settings, wanted)
    used = _properties_used(wanted, [key for key in by_target if key[0] != "class"])
    found: dict[str, list[Requirement]] = {}
    for term in wanted:
        why = [("class", c, c != term) for c in [term, *supers.get(term, [])]]
        why += [(kind, p, False) for kind, p in used.get(term, ())]
        why += [(kind, term, False) for kind in ("subjectsOf", "objectsOf")]
        applied: dict[str, Requirement] = {}  # a shape once, for the nearest reason
        for kind, iri, inherited in why:
            for shape in by_target.get((kind, iri), []):
                reason = Requirement(_target(shape, kind, iri), inherited, shape)
                applied.setdefault(shape.name, reason)
        if applied:
            found[term] = list(applied.values())
    return found


def _kind(target: Target) -> str:
    return "class" if target.kind == "implicit" else target.kind


def _target(shape: Shape, kind: str, iri: str) -> Target:
    return next(t for t in shape.targets if _kind(t) == kind and t.iri == iri)


def _superclasses(settings: Settings, classes: list[str]) -> dict[str, list[str]]:
    """The superclasses of each class in the ontology graph, nearest first."""
    ontology = reading.iri(settings.ontology_graph)
    rows = reading.select(
        f"SELECT ?c ?super (COUNT(?mid) AS ?depth) WHERE {{ GRAPH {ontology}"
        f" {{ VALUES ?c {{ {' '.join(reading.iri(c) for c in classes)} }}"
        " ?c rdfs:subClassOf+ ?mid . ?mid rdfs:subClassOf* ?super FILTER(isIRI(?super)) } }"
        " GROUP BY ?c ?super ORDER BY ?depth ?super"
    )
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["super"].value != row["c"].value:
            found[row["c"].value].append(row["super"].value)
    return found


def _properties_used(
    classes: list[str], targets: list[tuple[str, str]]
) -> dict[str, list[tuple[str, str]]]:
    """For each class, the targeted properties (kind, IRI) its instances use in the data."""
    subjects = " ".join(reading.iri(p) for kind, p in targets if kind == "subjectsOf")
    objects = " ".join(reading.iri(p) for kind, p in targets if kind == "objectsOf")
    branches = []
    if subjects:
        branches.append(f"{{ VALUES ?p {{ {subjects} }} ?s ?p [] BIND('subjectsOf' AS ?k) }}")
    if objects:
        branches.append(f"{{ VALUES ?p {{ {objects} }} [] ?p ?s BIND('objectsOf' AS ?k) }}")
    if not branches:
        return {}
    rows = reading.select(
        f"SELECT DISTINCT ?c ?k ?p WHERE {{ {' UNION '.join(branches)}"
        f" VALUES ?c {{ {' '.join(reading.iri(c) for c in classes)} }} ?s a ?c }}"
        " ORDER BY ?k ?p"
    )
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        found[row["c"].value].append((row["k"].value, row["p"].value))
    return found


class _Reader:
    """Reads the shapes graph for one reader: names, paths, parameters, messages."""

    def __init__(self, shapes: ShapesGraph, chain: tuple[str, ...], shapes_iri: str) -> None:
        self.g, self.prefixes, self.chain = shapes.graph, shapes.prefixes, chain
        self.shapes_iri = shapes_iri
        self.blank_names: dict[Node, str] = {}

    def top_shapes(self) -> list[Node]:
        """Shapes with a target, and the named node shapes (those `sh:node` points at)."""
        targeted = {s for p in TARGETS for s in self.g.subjects(p, None)}
        named = {
            s
            for kind in (SH.NodeShape, SH.PropertyShape)
            for s in self.g.subjects(RDF.type, kind)
            if isinstance(s, URIRef)
        }
        return sorted(targeted | named, key=str)

    def shape(self, node: Node) -> Shape:
        name = self.name(node)
        targets = [
            Target(kind, str(t), self.name(t))
            for predicate, kind in TARGETS.items()
            for t in sorted(self.g.objects(node, predicate), key=str)  # type: ignore[arg-type]
        ]
        if isinstance(node, URIRef) and self._is_class(node):
            targets.insert(0, Target("implicit", str(node), name))
        label = self.pick(self.g.objects(node, RDFS.label)) or self.pick(
            self.g.objects(node, SH.name)  # type: ignore[arg-type]
        )
        return Shape(
            name=name,
            anchor=urls.shape_anchor(
                str(node) if isinstance(node, URIRef) else name, self.shapes_iri
            ),
            label=label,
            message=self.pick(self.g.objects(node, SH.message)),  # type: ignore[arg-type]
            targets=targets,
            constraints=self.constraints(node),
            deactivated=self.g.value(node, SH.deactivated) == Literal(True),
        )

    def constraints(self, shape: Node) -> list[Constraint]:
        """The shape's own constraints, then those of its property shapes (paths in order)."""
        found = []
        path = self.g.value(shape, SH.path)
        says = self.says(shape)
        if says and path is None:  # node-level: the shape's message is shown with the shape
            found.append(Constraint("node", None, None, says, self.severity(shape)))
        elif says:
            message = self.pick(self.g.objects(shape, SH.message))  # type: ignore[arg-type]
            found.append(
                Constraint("property", self.path_text(path), message, says, self.severity(shape))
            )
        found += self.sparql_constraints(shape, path)
        properties = sorted(
            self.g.objects(shape, SH.property),  # type: ignore[arg-type]
            key=lambda p: self.path_text(self.g.value(p, SH.path)),
        )
        for prop in properties:
            found += self.constraints(prop)
        return found

    def sparql_constraints(self, shape: Node, path: Node | None) -> list[Constraint]:
        found = []
        for node in self.g.objects(shape, SH.sparql):  # type: ignore[arg-type]
            query = self.g.value(node, SH.select) or self.g.value(node, SH.ask)
            found.append(
                Constraint(
                    "sparql",
                    self.path_text(path) if path is not None else None,
                    self.pick(self.g.objects(node, SH.message)),  # type: ignore[arg-type]
                    "sh:sparql",
                    self.severity(node, self.severity(shape)),
                    str(query).strip() if query is not None else None,
                )
            )
        return found

    def severity(self, node: Node, default: str = "Violation") -> str:
        value = self.g.value(node, SH.severity)
        return str(value).removeprefix(str(SH)) if isinstance(value, URIRef) else default

    def pick(self, literals: Iterable[Node]) -> str | None:
        """The literal in the first language of the reader's chain that has one."""
        found = {getattr(v, "language", None) or "": str(v) for v in literals}
        for lang in self.chain:
            if lang in found:
                return found[lang]
        return found[min(found)] if found else None

    def says(self, node: Node) -> str:
        """The constraint parameters of a shape as SHACL text (`sh:minCount 1 ; sh:class x`)."""
        parts = []
        for predicate, value in sorted(self.g.predicate_objects(node), key=str):  # type: ignore[arg-type]
            if str(predicate).startswith(str(SH)) and predicate not in _NOT_PARAMETERS:
                parts.append(f"{self.name(predicate)} {self.value_text(value)}")
        return " ; ".join(parts)

    def value_text(self, value: Node) -> str:
        if isinstance(value, Literal):
            return self.literal_text(value)
        if isinstance(value, BNode) and (value, RDF.first, None) in self.g:
            return "( " + " ".join(self.value_text(v) for v in Collection(self.g, value)) + " )"
        if isinstance(value, BNode):
            path = self.g.value(value, SH.path)
            inner = [f"sh:path {self.path_text(path)}"] if path is not None else []
            return "[ " + " ; ".join([*inner, self.says(value)]).strip(" ;") + " ]"
        return self.name(value)

    def literal_text(self, value: Literal) -> str:
        """A literal as Turtle writes it: `1`, `true`, `"^[a-z]{2}$"`, `"fr"@en`, `"x"^^xsd:y`."""
        if value.datatype in _BARE and value.value is not None:
            return str(value)
        quoted = json.dumps(str(value), ensure_ascii=False)
        if value.language:
            return f"{quoted}@{value.language}"
        if value.datatype and value.datatype != XSD.string:
            return f"{quoted}^^{self.name(value.datatype)}"
        return quoted

    def path_text(self, path: Node | None) -> str:
        """A SHACL path as a SPARQL property path, with no more brackets than it needs."""
        return self._path(path)[0] if path is not None else ""

    def _path(self, path: Node) -> tuple[str, int]:
        if isinstance(path, URIRef):
            return self.name(path), _PRIMARY
        if (path, RDF.first, None) in self.g:
            return self._joined(Collection(self.g, path), "/", _INVERSE), _SEQUENCE
        inverse = self.g.value(path, SH.inversePath)
        if inverse is not None:
            return "^" + self._bound(inverse, _ELEMENT), _INVERSE
        alternatives = self.g.value(path, SH.alternativePath)
        if alternatives is not None:
            return self._joined(Collection(self.g, alternatives), "|", _SEQUENCE), _ALTERNATIVE
        for predicate, suffix in _PATH_SUFFIXES.items():
            inner = self.g.value(path, predicate)
            if inner is not None:
                return self._bound(inner, _PRIMARY) + suffix, _ELEMENT
        return self.name(path), _PRIMARY

    def _joined(self, members: Iterable[Node], separator: str, level: int) -> str:
        return separator.join(self._bound(m, level) for m in members)

    def _bound(self, path: Node, level: int) -> str:
        text, binds = self._path(path)
        return text if binds >= level else f"({text})"

    def name(self, node: Node) -> str:
        """An IRI with the shapes' prefixes (else `<...>`); a blank node as `_:shapeN`."""
        if isinstance(node, URIRef):
            compact = urls.compact(str(node), self.prefixes)
            return compact if compact != str(node) else f"<{node}>"
        return self.blank_names.setdefault(node, f"_:shape{len(self.blank_names) + 1}")

    def _is_class(self, node: URIRef) -> bool:
        return any((node, RDF.type, kind) in self.g for kind in (RDFS.Class, OWL.Class))
