"""SHACL-SPARQL constraints: the shape's own SELECT, run over the focus nodes."""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ldkit.pipeline.shacl.counts import Counts
from ldkit.pipeline.shacl.focus import counts_repeats, inject_focus
from ldkit.pipeline.shacl.shapes import Check, Focus, Unsupported, short


class SparqlConstraints(Counts):
    """SHACL-SPARQL constraints."""

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
        shown = short(value) if isinstance(value, URIRef) else str(value)
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
