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
from collections.abc import Iterator

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ldkit.pipeline.shacl.shapes import COMPONENT, Check, Focus, Unsupported, short
from ldkit.pipeline.shacl.sparql_constraints import SparqlConstraints


class Compiler(SparqlConstraints):
    """Compiles the shapes of one shapes graph."""

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
                component=COMPONENT[parameter],
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
                    raise Unsupported(f"{short(parameter)} on a node shape")
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
