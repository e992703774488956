"""Constraints on one value node, as SPARQL boolean expressions (nested shapes included)."""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from ldkit.pipeline.shacl.paths import Paths
from ldkit.pipeline.shacl.shapes import (
    _NODE_KINDS,
    _TYPE_OF,
    MEMBER,
    PATTERN,
    WELL_TYPED,
    Unsupported,
    short,
    term_sparql,
)


class Values(Paths):
    """Value constraints."""

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
        raise Unsupported(f"{short(parameter)} on a value node")

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
            raise Unsupported(f"{short(parameter)} that is not an integer")
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
