"""What validation finds, and how severe it is: error, warning or info.

One vocabulary of severities for people, JSON and exit codes (`error`, `warning`, `info`, as in
ROBOT's report profiles), mapped to SHACL's `sh:Violation`, `sh:Warning` and `sh:Info` for the
Turtle report. Only errors make data fail to conform; `--fail-on warning` (or `info`) is stricter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ldkit.server.namespaces import RDF, SH

SEVERITIES = ("error", "warning", "info")
SHACL_SEVERITY = {"error": SH.Violation, "warning": SH.Warning, "info": SH.Info}
# A check's node in the Turtle report: `sh:sourceShape <urn:ldkit:check:ID>`.
CHECK_NODE = "urn:ldkit:check:"


def severity_of_shacl(term: Node | None) -> str:
    """`sh:Warning` is a warning, `sh:Info` an info; anything else (sh:Violation) an error."""
    for name, shacl in SHACL_SEVERITY.items():
        if term == shacl:
            return name
    return "error"


def at_least(severity: str, threshold: str) -> bool:
    """True when `severity` is as severe as `threshold` or more (error > warning > info)."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


@dataclasses.dataclass(frozen=True)
class Violation:
    """One result of validation, in words a maintainer can act on."""

    focus: str
    path: str | None
    constraint: str
    message: str
    severity: str = "error"
    shape: str | None = None
    value: str | None = None
    files: tuple[str, ...] = ()
    # The focus node in N-Triples form, for the Turtle report of a check's results.
    node: str | None = dataclasses.field(default=None, compare=False)

    def as_text(self) -> str:
        where = ", ".join(self.files) or "(no file)"
        lines = [f"{where}: {self.focus}"]
        detail = f"  {self.severity}: "
        detail += f"{self.path}: " if self.path else ""
        detail += f"{self.message} [{self.constraint}"
        detail += f", shape {self.shape}]" if self.shape else "]"
        lines.append(detail)
        if self.value is not None:
            lines.append(f"  value: {self.value}")
        return "\n".join(lines)


def counts(violations: Iterable[Violation]) -> dict[str, int]:
    """How many findings of each severity, every severity present (0 when none)."""
    found = dict.fromkeys(SEVERITIES, 0)
    for violation in violations:
        found[violation.severity] += 1
    return found


def summary(violations: Iterable[Violation]) -> str:
    """`2 error(s), 1 warning(s), 0 info`: the counts people read at the end of a report."""
    found = counts(violations)
    return f"{found['error']} error(s), {found['warning']} warning(s), {found['info']} info"


def check_results(violations: Iterable[Violation]) -> Graph:
    """The findings of SPARQL checks as SHACL validation results, with their severity."""
    graph = Graph()
    for violation in violations:
        result = BNode()
        focus = _node(violation.node) if violation.node else Literal(violation.focus)
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, focus))
        graph.add((result, SH.resultSeverity, SHACL_SEVERITY[violation.severity]))
        graph.add((result, SH.resultMessage, Literal(violation.message, lang="en")))
        graph.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        graph.add((result, SH.sourceShape, URIRef(CHECK_NODE + violation.constraint)))
    return graph


def _node(text: str) -> Node:
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if text.startswith("_:"):
        return BNode(text[2:])
    return Literal(text)
