"""Count constraints (sh:minCount, sh:maxCount, qualified counts) as SPARQL over a focus."""

from __future__ import annotations

from rdflib import Literal
from rdflib.namespace import SH
from rdflib.term import Node

from ldkit.pipeline.shacl.shapes import Focus, Unsupported, short
from ldkit.pipeline.shacl.values import Values


class Counts(Values):
    """Count constraints."""

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
            raise Unsupported(f"{short(parameter)} that is not an integer")
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
