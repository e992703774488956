"""Compile SHACL shapes into SPARQL SELECT queries that return the violations of the data.

Each shape with targets (a "top" shape) becomes a list of `Check`s, one per constraint of the
shape and of its property shapes. A check's query binds `?this` (the focus node) and, for
constraints on value nodes, `?value`, and returns exactly the rows pySHACL reports results for.

- Focus nodes: one `SELECT DISTINCT` subquery over the targets (sh:targetClass through
  `rdf:type/rdfs:subClassOf*`, implicit class targets, sh:targetNode/SubjectsOf/ObjectsOf).
- Value nodes: the SHACL path as a SPARQL property path (IRI, inverse, alternative, sequence,
  zeroOrMore, oneOrMore, zeroOrOne), rows made distinct.
- Constraints on one value node (sh:class, sh:datatype, sh:nodeKind, sh:pattern, sh:languageIn,
  sh:in, sh:hasValue on node shapes, sh:node, sh:or, sh:and, sh:not, sh:xone) are error-free
  SPARQL boolean expressions of the value (`ok`); a value violates when `!ok`. Nested shapes
  (sh:node, members of sh:or...) are compiled to the expression "this node conforms" (`conforms`),
  their property shapes through `EXISTS`/`NOT EXISTS` over their path.
- Counting constraints (sh:minCount, sh:maxCount, sh:uniqueLang) group the value nodes per
  focus node in a subquery that holds the focus pattern itself.
- SPARQL-based constraints (sh:sparql / sh:select) run once for all focus nodes: the focus pattern
  is joined into every group where `$this` occurs (sub-SELECTs must project `$this`, as the SHACL
  spec requires), which gives the pre-binding semantics of SHACL for the queries it allows.

Three checks need Python to match pySHACL exactly; they are SPARQL custom functions (see
`engine.py`): the well-formedness of a typed literal (rdflib's `ill_typed` and pySHACL's
value-type test), sh:pattern (Python `re`, on the string pySHACL builds) and sh:in/sh:hasValue
(rdflib term equality).

Anything else raises `Unsupported`, and the top shape is then validated by pySHACL.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
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
_COMPONENT: dict[Node, URIRef] = {
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
            return f"{_short(kind)} declared in the shapes graph"
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


def _short(term: Node) -> str:
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


class Compiler:
    """Compiles the shapes of one shapes graph."""

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

    def path_sparql(self, path: Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(path, URIRef):
            return term_sparql(path)
        if not isinstance(path, BNode):
            raise Unsupported(f"a path that is not an IRI or a blank node: {path!r}")
        if (path, RDF.first, None) in self.g:
            items = self._list(path)
            if len(items) < 2:
                raise Unsupported("a sequence path of fewer than two members")
            return "(" + "/".join(self.path_sparql(i) for i in items) + ")"
        described = [(p, o) for p, o in self.g.predicate_objects(path)]
        if len(described) != 1:
            raise Unsupported("a complex path node with other than one property")
        predicate, inner = described[0]
        if predicate == SH.inversePath:
            return f"^({self.path_sparql(inner)})"
        if predicate == SH.alternativePath:
            items = self._list(inner)
            if len(items) < 2:
                raise Unsupported("an alternative path of fewer than two members")
            return "(" + "|".join(self.path_sparql(i) for i in items) + ")"
        suffix: dict[Node, str] = {
            SH.zeroOrMorePath: "*",
            SH.oneOrMorePath: "+",
            SH.zeroOrOnePath: "?",
        }
        if predicate in suffix:
            return f"({self.path_sparql(inner)}){suffix[predicate]}"
        raise Unsupported(f"path {_short(predicate)}")

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
                raise Unsupported(f"{_short(predicate)}")
            found.append((URIRef(str(predicate)), value))
        if (
            any(p == SH.pattern for p, _ in found)
            and len(list(self.g.objects(shape, SH.flags))) > 1
        ):  # type: ignore[arg-type]
            raise Unsupported("more than one sh:flags")
        return found

    # --- focus nodes -----------------------------------------------------------------------------

    def target_focus(self, shape: Node) -> Focus:
        classes = sorted(set(self.g.objects(shape, SH.targetClass)), key=str)  # type: ignore[arg-type]
        if _implicit_class(self.g, shape):
            classes.append(shape)
        nodes = sorted(set(self.g.objects(shape, SH.targetNode)), key=str)  # type: ignore[arg-type]
        subjects_of = sorted(set(self.g.objects(shape, SH.targetSubjectsOf)), key=str)  # type: ignore[arg-type]
        objects_of = sorted(set(self.g.objects(shape, SH.targetObjectsOf)), key=str)  # type: ignore[arg-type]
        if any(self.g.objects(shape, SH.target)):  # type: ignore[arg-type]
            raise Unsupported("sh:target (SHACL-AF custom target)")
        for term in (*classes, *subjects_of, *objects_of):
            if not isinstance(term, URIRef):
                raise Unsupported("a target that is not an IRI")
        node_text = " ".join(term_sparql(n) for n in nodes)
        cls = self.fresh()
        cls_text = " ".join(term_sparql(c) for c in classes)
        subj_text = " ".join(term_sparql(p) for p in subjects_of)
        obj_text = " ".join(term_sparql(p) for p in objects_of)
        pred = self.fresh()

        def focus(v: str) -> str:
            branches = []
            if classes:
                branches.append(f"VALUES {cls} {{ {cls_text} }} {v} {_TYPE_OF} {cls} .")
            if nodes:
                branches.append(f"VALUES {v} {{ {node_text} }}")
            if subjects_of:
                branches.append(f"VALUES {pred} {{ {subj_text} }} {v} {pred} [] .")
            if objects_of:
                branches.append(f"VALUES {pred} {{ {obj_text} }} [] {pred} {v} .")
            if not branches:
                return "FILTER (false)"
            union = " UNION ".join("{ " + b + " }" for b in branches)
            return f"{{ SELECT DISTINCT {v} WHERE {{ {union} }} }}"

        return focus

    def values_focus(self, focus: Focus, path: str) -> Focus:
        """The value nodes of a path from the focus nodes, as new focus nodes."""
        this = self.fresh()

        def values(v: str) -> str:
            return f"{{ SELECT DISTINCT {v} WHERE {{ {focus(this)} {this} {path} {v} . }} }}"

        return values

    # --- checks of a top shape -------------------------------------------------------------------

    def compile_top(self, top: Node) -> list[Check]:
        """Every check of a shape with targets; raises `Unsupported` when one cannot be exact."""
        return list(self._emit(top, top, self.target_focus(top), ()))

    def _emit(
        self, top: Node, shape: Node, focus: Focus, stack: tuple[Node, ...]
    ) -> Iterator[Check]:
        if shape in stack:
            raise Unsupported("recursive shapes")
        stack = (*stack, shape)
        if self.deactivated(shape):
            return
        path = self.path_of(shape)
        path_text = self.path_sparql(path) if path is not None else None
        severity, messages = self.severity(shape), self.messages(shape)

        def make(
            parameter: URIRef, value: Node, query: str, kind: str, details: list[Check]
        ) -> Check:
            return Check(
                top=top,
                shape=shape,
                component=_COMPONENT[parameter],
                query=query,
                path=path,
                value=kind,
                severity=severity,
                messages=messages,
                generic=self.generic_message(parameter, value),
                details=details,
            )

        focus_text = focus("?this")
        for parameter, value in self.constraints(shape):
            if parameter == SH.sparql:
                check = self.sparql_check(shape, value, focus, path_text)
                if check is not None:
                    yield dataclasses.replace(check, top=top)
                continue
            if parameter in (SH.minCount, SH.maxCount, SH.uniqueLang):
                if path_text is None:
                    raise Unsupported(f"{_short(parameter)} on a node shape")
                query = self._count_query(parameter, value, focus_text, path_text)
                if query is not None:
                    yield make(parameter, value, query, "none", [])
                continue
            if parameter == SH.hasValue and path_text is not None:
                x = self.fresh()
                member = self.member_test(x, [value])
                query = (
                    f"SELECT ?this WHERE {{ {focus_text} "
                    f"FILTER NOT EXISTS {{ ?this {path_text} {x} . FILTER ({member}) }} }}"
                )
                yield make(parameter, value, query, "none", [])
                continue
            details = []
            if parameter == SH.node:
                failing = self.failing_focus(value, focus, path_text, stack)
                details = list(self._emit(top, value, failing, stack))
            if path_text is None:
                ok = self.ok(parameter, value, "?this", stack)
                query = f"SELECT DISTINCT ?this WHERE {{ {focus_text} FILTER (!{ok}) }}"
                yield make(parameter, value, query, "this", details)
            else:
                ok = self.ok(parameter, value, "?value", stack)
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus_text} "
                    f"?this {path_text} ?value . FILTER (!{ok}) }}"
                )
                yield make(parameter, value, query, "value", details)
        inner = focus if path_text is None else self.values_focus(focus, path_text)
        for prop in sorted(self.g.objects(shape, SH.property), key=str):  # type: ignore[arg-type]
            yield from self._emit(top, prop, inner, stack)

    def failing_focus(
        self, shape: Node, focus: Focus, path: str | None, stack: tuple[Node, ...]
    ) -> Focus:
        """The value nodes that do not conform to `shape` (an sh:node), as focus nodes."""
        this = self.fresh()

        def failing(v: str) -> str:
            conforms = self.conforms(shape, v, stack)
            values = f"{focus(this)} {this} {path} {v} ." if path is not None else focus(v)
            return f"{{ SELECT DISTINCT {v} WHERE {{ {values} FILTER (!{conforms}) }} }}"

        return failing

    def _count_query(self, parameter: Node, value: Node, focus_text: str, path: str) -> str | None:
        if parameter == SH.uniqueLang:
            if not (isinstance(value, Literal) and isinstance(value.value, bool)):
                raise Unsupported("sh:uniqueLang that is not a boolean")
            if not value.value:
                return None
            a, b, lang = self.fresh(), self.fresh(), self.fresh()
            return (
                f"SELECT DISTINCT ?this {lang} WHERE {{ {focus_text} ?this {path} {a} . "
                f"?this {path} {b} . "
                f"FILTER (isLiteral({a}) && isLiteral({b}) && !sameTerm({a}, {b})) "
                f"BIND (LCASE(LANG({a})) AS {lang}) "
                f'FILTER ({lang} != "" && {lang} = LCASE(LANG({b}))) }}'
            )
        if not (isinstance(value, Literal) and isinstance(value.value, int)):
            raise Unsupported(f"{_short(parameter)} that is not an integer")
        count, x = self.fresh(), self.fresh()
        if parameter == SH.minCount:
            if value.value <= 0:
                return None
            body = f"{focus_text} OPTIONAL {{ ?this {path} {x} }}"
            test = f"{count} < {value.value}"
        else:
            body = f"{focus_text} ?this {path} {x} ."
            test = f"{count} > {value.value}"
        return (
            f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT {x}) AS {count}) "
            f"WHERE {{ {body} }} GROUP BY ?this }} FILTER ({test}) }}"
        )

    # --- constraints on one value node, as boolean expressions -----------------------------------

    def member_test(self, v: str, terms: list[Node]) -> str:
        for term in terms:
            if isinstance(term, BNode):
                raise Unsupported("a blank node in sh:in / sh:hasValue")
        self.registry.members.append(frozenset(terms))
        return f'COALESCE(<{MEMBER}>({v}, "{len(self.registry.members) - 1}"), false)'

    def ok(self, parameter: Node, value: Node, v: str, stack: tuple[Node, ...]) -> str:
        """An error-free SPARQL expression: the value node `v` satisfies this constraint."""
        if parameter == SH["class"]:
            return f"EXISTS {{ {v} {_TYPE_OF} {term_sparql(value)} }}"
        if parameter == SH.datatype:
            return self._datatype_ok(value, v)
        if parameter == SH.nodeKind:
            if value not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {value}")
            return _NODE_KINDS[value].format(v=v)
        if parameter == SH.pattern:
            return self._pattern_ok(stack[-1], value, v)
        if parameter == SH.languageIn:
            return self._language_ok(value, v)
        if parameter == SH["in"]:
            return self.member_test(v, self._list(value))
        if parameter == SH.hasValue:  # on a node shape: the focus node is the value
            return self.member_test(v, [value])
        if parameter == SH.node:
            return self.conforms(value, v, stack)
        if parameter in (SH["or"], SH["and"], SH.xone):
            members = [self.conforms(m, v, stack) for m in self._list(value)]
            if parameter == SH["or"]:
                return "(" + (" || ".join(members) or "false") + ")"
            if parameter == SH["and"]:
                return "(" + (" && ".join(members) or "true") + ")"
            return "((" + (" + ".join(f"IF({m}, 1, 0)" for m in members) or "0") + ") = 1)"
        if parameter == SH["not"]:
            return f"(!{self.conforms(value, v, stack)})"
        raise Unsupported(f"{_short(parameter)} on a value node")

    def _datatype_ok(self, datatype: Node, v: str) -> str:
        if datatype == XSD.string:
            string = f"<{XSD.string}>"
            return f'COALESCE(isLiteral({v}) && LANG({v}) = "" && DATATYPE({v}) = {string}, false)'
        if datatype == RDF.langString:
            return f'COALESCE(isLiteral({v}) && LANG({v}) != "", false)'
        if datatype == RDFS.Literal:
            return f"isLiteral({v})"
        if not isinstance(datatype, URIRef) or datatype == RDFS.Datatype:
            raise Unsupported(f"sh:datatype {datatype}")
        return (
            f"COALESCE(isLiteral({v}) && DATATYPE({v}) = {term_sparql(datatype)} "
            f"&& <{WELL_TYPED}>({v}), false)"
        )

    def _pattern_ok(self, shape: Node, pattern: Node, v: str) -> str:
        if not isinstance(pattern, Literal):
            raise Unsupported("sh:pattern that is not a literal")
        flags = self.g.value(shape, SH.flags)  # type: ignore[arg-type]
        re_flags = 0
        if flags is not None:
            text = str(flags.value if isinstance(flags, Literal) else flags).lower()
            re_flags |= re.I if "i" in text else 0
            re_flags |= re.M if "m" in text else 0
        source = (
            str(pattern.value)
            if pattern.value is not None and len(str(pattern.value)) > 1
            else str(pattern)
        )
        try:
            compiled = re.compile(source, re_flags)
        except re.error as error:
            raise Unsupported(f"sh:pattern that Python cannot compile: {error}") from None
        self.registry.patterns.append(compiled)
        return f'COALESCE(<{PATTERN}>({v}, "{len(self.registry.patterns) - 1}"), false)'

    def _language_ok(self, languages: Node, v: str) -> str:
        wanted = []
        for item in self._list(languages):
            if not (isinstance(item, Literal) and isinstance(item.value, str)):
                raise Unsupported("sh:languageIn with a member that is not a string")
            wanted.append(str(item.value).lower())
        if "*" in wanted:
            return f'COALESCE(isLiteral({v}) && LANG({v}) != "", false)'
        if not wanted:
            return "false"
        listed = ", ".join(Literal(w).n3() for w in sorted(set(wanted)))
        return (
            f'COALESCE(isLiteral({v}) && LANG({v}) != "" && (LCASE(LANG({v})) IN ({listed}) '
            f'|| LCASE(STRBEFORE(LANG({v}), "-")) IN ({listed})), false)'
        )

    def conforms(self, shape: Node, v: str, stack: tuple[Node, ...]) -> str:
        """An error-free SPARQL expression: node `v` conforms to `shape` (nested use)."""
        if shape in stack:
            raise Unsupported("recursive shapes")
        if isinstance(shape, Literal):
            raise Unsupported("a literal used as a shape")
        stack = (*stack, shape)
        if self.deactivated(shape):
            return "true"
        path = self.path_of(shape)
        parts: list[str] = []
        local: list[str] = []
        x = v if path is None else self.fresh()
        for parameter, value in self.constraints(shape):
            if parameter == SH.sparql:
                raise Unsupported("a SPARQL constraint in a nested shape")
            if (
                parameter in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.hasValue)
                and path is not None
            ):
                parts.append(self._nested_count(parameter, value, v, self.path_sparql(path)))
            else:
                local.append(self.ok(parameter, value, x, stack))
        for prop in sorted(self.g.objects(shape, SH.property), key=str):  # type: ignore[arg-type]
            local.append(self.conforms(prop, x, stack))
        if path is None:
            parts += local
        elif local:
            all_ok = " && ".join(local)
            parts.append(
                f"NOT EXISTS {{ {v} {self.path_sparql(path)} {x} . FILTER (!({all_ok})) }}"
            )
        return "(" + (" && ".join(parts) or "true") + ")"

    def _nested_count(self, parameter: Node, value: Node, v: str, path: str) -> str:
        a, b = self.fresh(), self.fresh()
        if parameter == SH.hasValue:
            return f"EXISTS {{ {v} {path} {a} . FILTER ({self.member_test(a, [value])}) }}"
        if parameter == SH.uniqueLang:
            if not (isinstance(value, Literal) and isinstance(value.value, bool)):
                raise Unsupported("sh:uniqueLang that is not a boolean")
            if not value.value:
                return "true"
            return (
                f"NOT EXISTS {{ {v} {path} {a} . {v} {path} {b} . FILTER (isLiteral({a}) "
                f'&& isLiteral({b}) && !sameTerm({a}, {b}) && LANG({a}) != "" '
                f"&& LCASE(LANG({a})) = LCASE(LANG({b}))) }}"
            )
        if not (isinstance(value, Literal) and isinstance(value.value, int)):
            raise Unsupported(f"{_short(parameter)} that is not an integer")
        n = value.value
        if parameter == SH.minCount:
            if n <= 0:
                return "true"
            if n == 1:
                return f"EXISTS {{ {v} {path} {a} }}"
            raise Unsupported("sh:minCount above 1 in a nested shape")
        if n == 0:
            return f"NOT EXISTS {{ {v} {path} {a} }}"
        if n == 1:
            return (
                f"NOT EXISTS {{ {v} {path} {a} . {v} {path} {b} . FILTER (!sameTerm({a}, {b})) }}"
            )
        raise Unsupported("sh:maxCount above 1 in a nested shape")

    # --- SPARQL-based constraints ----------------------------------------------------------------

    def sparql_check(
        self, shape: Node, constraint: Node, focus: Focus, path: str | None
    ) -> Check | None:
        if self.deactivated(constraint):
            return None
        if any(p not in (RDF.type, SH.select, SH.message, SH.prefixes, SH.deactivated)
               and str(p).startswith(str(SH)) for p in self.g.predicates(constraint)):  # type: ignore[arg-type]  # fmt: skip
            raise Unsupported("a SPARQL constraint with parameters other than sh:select")
        selects = list(self.g.objects(constraint, SH.select))  # type: ignore[arg-type]
        if len(selects) != 1 or not isinstance(selects[0], Literal):
            raise Unsupported("a SPARQL constraint without exactly one sh:select")
        text = str(selects[0])
        if re.search(r"[$?](currentShape|shapesGraph|failure)\b", text):
            raise Unsupported("$currentShape, $shapesGraph or ?failure in a SPARQL constraint")
        if re.search(r"\$PATH\b", text):
            if path is None:
                raise Unsupported("$PATH in a node shape's SPARQL constraint")
            text = re.sub(r"\$PATH\b", lambda _m: path, text)
        prefixes = self._prefixes(constraint)
        query, variables = inject_focus(text, focus)
        exact_counts = counts_repeats(text)
        query = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes) + query
        return Check(
            top=shape,
            shape=shape,
            component=SH.SPARQLConstraintComponent,
            query=query,
            path=self.path_of(shape),
            value="sparql",
            severity=self.severity(shape),
            messages=self.messages(shape),
            generic="",
            constraint=constraint,
            extra_messages=self.messages(constraint),
            variables=variables,
            exact_counts=exact_counts,
        )

    def _prefixes(self, constraint: Node) -> list[tuple[str, str]]:
        found: dict[str, str] = {}
        for holder in self.g.objects(constraint, SH.prefixes):  # type: ignore[arg-type]
            for declaration in self.g.objects(holder, SH.declare):
                prefix = self.g.value(declaration, SH.prefix)
                namespace = self.g.value(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise Unsupported("an incomplete sh:declare")
                found[str(prefix)] = str(namespace)
        return sorted(found.items())

    def generic_message(self, parameter: Node, value: Node) -> str:
        """pySHACL's message when the shape has no sh:message (same wording, simplified)."""
        shown = _short(value) if isinstance(value, URIRef) else str(value)
        return {
            SH["class"]: f"Value does not have class {shown}",
            SH.datatype: f"Value is not Literal with datatype {shown}",
            SH.nodeKind: f"Value is not of Node Kind {shown}",
            SH.minCount: f"Less than {shown} values",
            SH.maxCount: f"More than {shown} values",
            SH.pattern: f"Value does not match pattern '{shown}'",
            SH.languageIn: "String language is not in the list",
            SH.uniqueLang: "More than one String shares the same Language",
            SH["in"]: "Value not in list",
            SH.hasValue: f"Does not contain a value in the set: {shown}",
            SH.node: f"Value does not conform to Shape {shown}",
            SH["or"]: "Node does not conform to one or more shapes in sh:or",
            SH["and"]: "Node does not conform to every shape in sh:and",
            SH["not"]: f"Node conforms to shape {shown}",
            SH.xone: "Node does not conform to exactly one shape in sh:xone",
        }.get(parameter, "Constraint violated")  # type: ignore[call-overload]


# --- injecting the focus nodes into a SHACL-SPARQL query ----------------------------------------

_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r"|(?P<comment>\#[^\n]*)"
    r"|(?P<open>\{)|(?P<close>\})"
    r"|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.S,
)
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_FORBIDDEN = {"VALUES", "MINUS", "SERVICE", "GRAPH", "FROM", "LIMIT", "OFFSET", "BINDINGS"}


def counts_repeats(text: str) -> bool:
    """Whether a query aggregates in a way a repeated solution changes (COUNT, SUM, AVG,
    GROUP_CONCAT without DISTINCT); everything else in SPARQL gives the same distinct rows."""
    tokens = [
        (m.lastgroup, m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("space", "comment")
    ]
    for index, (kind, word) in enumerate(tokens):
        if kind == "word" and word.upper() in ("COUNT", "SUM", "AVG", "GROUP_CONCAT"):
            following = [w.upper() for _k, w in tokens[index + 1 : index + 3]]
            if following[:1] == ["("] and following[1:2] != ["DISTINCT"]:
                return True
    return False


def inject_focus(text: str, focus: Focus) -> tuple[str, tuple[str, ...]]:
    """`text` (a SHACL-SPARQL SELECT) with `?this` bound to the focus nodes in every group that
    uses it, and the variables its outer SELECT projects.

    Equivalent to SHACL's pre-binding of `$this` for the queries SHACL allows (sub-SELECTs
    project `$this`; no VALUES, MINUS or SERVICE); anything else raises `Unsupported`.
    """
    tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text)]
    significant = [t for t in tokens if t[0] not in ("space", "comment")]
    words = {t[1].upper() for t in significant if t[0] == "word"}
    if words & _FORBIDDEN:
        raise Unsupported("a SPARQL constraint using " + ", ".join(sorted(words & _FORBIDDEN)))
    if "SELECT" not in words:
        raise Unsupported("a SPARQL constraint that is not a SELECT query")

    def is_this(token: tuple[str | None, str, int]) -> bool:
        return token[0] == "var" and token[1][1:] == "this"

    # Match braces; note each group's extent and what precedes and starts it.
    groups: list[dict[str, int | bool | str]] = []
    stack: list[int] = []
    for index, token in enumerate(significant):
        if token[0] == "open":
            before = significant[index - 1][1].upper() if index else ""
            after = significant[index + 1][1].upper() if index + 1 < len(significant) else ""
            groups.append({"open": index, "close": -1, "before": before, "after": after})
            stack.append(len(groups) - 1)
        elif token[0] == "close":
            if not stack:
                raise Unsupported("unbalanced braces in a SPARQL constraint")
            groups[stack.pop()]["close"] = index
    if stack:
        raise Unsupported("unbalanced braces in a SPARQL constraint")
    this_at = [i for i, t in enumerate(significant) if is_this(t)]

    # Every SELECT (outer and sub-SELECTs): aggregates must be grouped by $this.
    selects = [i for i, t in enumerate(significant) if t[0] == "word" and t[1].upper() == "SELECT"]
    projections: list[list[str]] = []
    for start in selects:
        where = next(g for g in groups if int(g["open"]) > start)
        projection = significant[start + 1 : int(where["open"])]
        enclosing = [g for g in groups if int(g["open"]) < start < int(g["close"])]
        end = min((int(g["close"]) for g in enclosing), default=len(significant))
        modifiers = significant[int(where["close"]) + 1 : end]
        names = [t[1].upper() for t in projection + modifiers if t[0] == "word"]
        grouped = "GROUP" in names
        if grouped or set(names) & _AGGREGATES:
            group_by = []
            seen = False
            for t in modifiers:
                if t[0] == "word" and t[1].upper() == "GROUP":
                    seen = True
                elif t[0] == "word" and t[1].upper() in ("HAVING", "ORDER"):
                    seen = False
                elif seen:
                    group_by.append(t)
            if not any(is_this(t) for t in group_by):
                raise Unsupported("a SPARQL constraint aggregating without GROUP BY $this")
        if not any(is_this(t) for t in projection) and not any(t[1] == "*" for t in projection):
            raise Unsupported("a SPARQL constraint whose SELECT does not project $this")
        projections.append([t[1][1:] for t in projection if t[0] == "var"])

    # The outer SELECT's WHERE always binds ?this (it may project $this without matching it).
    outer_where = next(g for g in groups if int(g["open"]) > selects[0])
    if outer_where["after"] == "SELECT":
        raise Unsupported("a SPARQL constraint whose WHERE is a bare sub-SELECT")
    inserts: list[int] = []
    for group in groups:
        start, end = int(group["open"]), int(group["close"])
        if group["after"] == "SELECT" or group["before"] in ("OPTIONAL", "EXISTS"):
            continue
        if group is outer_where or any(start < i < end for i in this_at):
            inserts.append(significant[start][2] + 1)
    pieces = []
    last = 0
    for position in sorted(inserts):
        pieces.append(text[last:position])
        pieces.append(f" {focus('?this')} ")
        last = position
    pieces.append(text[last:])
    outer = projections[0] if projections else []
    return "".join(pieces), tuple(dict.fromkeys(outer))
