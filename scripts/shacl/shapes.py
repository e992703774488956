"""What the compiler reads of a shapes graph: targets, constraints, messages, severities."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

FN = "urn:ldkit:shacl:"
WELL_TYPED = FN + "wellTyped"
PATTERN = FN + "pattern"
MEMBER = FN + "in"

# The focus nodes of a shape, as a group pattern binding the given variable (distinct nodes).
Focus = Callable[[str], str]

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

# Predicates of the SHACL namespace a shape may carry without changing what we compile.
_INERT = {
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.message,
    SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
    SH.path, SH.flags, SH.prefixes, SH.declare,
}  # fmt: skip
_SUPPORTED = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.pattern, SH.languageIn,
    SH.uniqueLang, SH["in"], SH.hasValue, SH.node, SH["or"], SH["and"], SH["not"], SH.xone,
    SH.property, SH.sparql,
}  # fmt: skip
COMPONENT: dict[Node, URIRef] = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}
_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_TYPE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"


class Unsupported(Exception):
    """A shape (or a shapes graph) the compiler cannot translate exactly."""


@dataclasses.dataclass
class Check:
    """One SPARQL query whose rows are the validation results of one constraint."""

    top: Node  # the shape with targets it belongs to
    shape: Node  # sh:sourceShape
    component: URIRef  # sh:sourceConstraintComponent
    query: str
    path: Node | None  # sh:resultPath (property shapes)
    value: str  # where sh:value comes from: "value" (?value), "this" (focus), "none", "sparql"
    severity: URIRef
    messages: list[Literal]  # the shape's sh:message (pySHACL's result messages)
    generic: str  # pySHACL-like message when the shape has none
    constraint: Node | None = None  # sh:sourceConstraint of a SPARQL constraint
    extra_messages: list[Literal] = dataclasses.field(default_factory=list)
    variables: tuple[str, ...] = ()  # projected variables (SPARQL constraints)
    exact_counts: bool = False  # counts or sums without DISTINCT: a repeated triple matters
    # sh:node: the nested shape's checks, focused on the failing values (pySHACL's sh:detail)
    details: list[Check] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Registry:
    """What the custom functions look up by index: compiled regexes and sets of terms."""

    patterns: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    members: list[frozenset[Node]] = dataclasses.field(default_factory=list)


def whole_graph_unsupported(shapes: Graph) -> str | None:
    """Why the whole shapes graph goes to pySHACL (SHACL-AF rules, custom components), if so."""
    if any(shapes.triples((None, SH.rule, None))):
        return "sh:rule (SHACL rules change the data graph)"
    for kind in (SH.ConstraintComponent, SH.SPARQLFunction, SH.JSFunction, SH.JSLibrary):
        if any(shapes.subjects(RDF.type, kind)):
            return f"{short(kind)} declared in the shapes graph"
    return None


def top_shapes(shapes: Graph) -> list[Node]:
    """The shapes pySHACL validates: those with a target (explicit, implicit or SHACL-AF)."""
    found = {s for p in (*TARGETS, SH.target) for s in shapes.subjects(p, None)}
    found |= {s for s in _shape_nodes(shapes) if _implicit_class(shapes, s)}
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))


def _shape_nodes(shapes: Graph) -> set[Node]:
    nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    nodes |= {s for s in shapes.subjects(SH.property, None)} | {
        s for s in shapes.subjects(SH.node, None)
    }
    return nodes


def _implicit_class(shapes: Graph, shape: Node) -> bool:
    """pySHACL's rule: the shape is typed rdfs:Class or a direct subclass of it."""
    classes = set(shapes.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
    return any(t in classes for t in shapes.objects(shape, RDF.type))


def short(term: Node) -> str:
    text = str(term)
    for prefix, ns in (("sh:", str(SH)), ("rdfs:", str(RDFS)), ("owl:", str(OWL))):
        if text.startswith(ns):
            return prefix + text[len(ns) :]
    return f"<{text}>" if isinstance(term, URIRef) else text


def term_sparql(term: Node) -> str:
    """A shapes-graph term as SPARQL text (IRIs and literals only)."""
    if isinstance(term, URIRef):
        if re.search(r'[<>"{}|^`\\\s]', str(term)):
            raise Unsupported(f"IRI not writable in SPARQL: {term}")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise Unsupported("a blank node as a constraint parameter")


class ShapesReader:
    """The shapes graph, read for the compiler: lists, constraints, messages, fresh variables."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.registry = Registry()
        self._counter = 0

    # --- small helpers ---------------------------------------------------------------------------

    def fresh(self) -> str:
        self._counter += 1
        return f"?ldk{self._counter}"

    def _list(self, node: Node) -> list[Node]:
        try:
            return list(Collection(self.g, node))  # type: ignore[arg-type]
        except Exception as error:  # noqa: BLE001 - a malformed list
            raise Unsupported(f"malformed RDF list: {error}") from None

    def deactivated(self, shape: Node) -> bool:
        return any(
            isinstance(d, Literal) and d.value is True
            for d in self.g.objects(shape, SH.deactivated)  # type: ignore[arg-type]
        )

    def severity(self, shape: Node) -> URIRef:
        severity = self.g.value(shape, SH.severity)  # type: ignore[arg-type]
        return severity if isinstance(severity, URIRef) else SH.Violation

    def messages(self, shape: Node) -> list[Literal]:
        return [m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal)]  # type: ignore[arg-type]

    def path_of(self, shape: Node) -> Node | None:
        paths = list(self.g.objects(shape, SH.path))  # type: ignore[arg-type]
        if len(paths) > 1:
            raise Unsupported("more than one sh:path")
        return paths[0] if paths else None

    def constraints(self, shape: Node) -> list[tuple[URIRef, Node]]:  # type: ignore[return]
        """(parameter, value) of every constraint of a shape; raises on what we do not know."""
        found = []
        for predicate, value in sorted(self.g.predicate_objects(shape), key=str):  # type: ignore[arg-type]
            if not str(predicate).startswith(str(SH)):
                continue  # rdfs:label, rdf:type...: not constraints
            if predicate == SH.target:
                raise Unsupported("sh:target (SHACL-AF custom target)")
            if predicate in _INERT or predicate == SH.property:
                continue
            if predicate not in _SUPPORTED:
                raise Unsupported(f"{short(predicate)}")
            found.append((URIRef(str(predicate)), value))
        if (
            any(p == SH.pattern for p, _ in found)
            and len(list(self.g.objects(shape, SH.flags))) > 1
        ):  # type: ignore[arg-type]
            raise Unsupported("more than one sh:flags")
        return found
