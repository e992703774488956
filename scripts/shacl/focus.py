"""Injecting the focus nodes into a SHACL-SPARQL query, when its text allows it exactly."""

from __future__ import annotations

from ldkit.pipeline.shacl.shapes import Focus, Unsupported
from ldkit.server.sparql.query_text import Lexeme, lexemes

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_FORBIDDEN = {"VALUES", "MINUS", "SERVICE", "GRAPH", "FROM", "LIMIT", "OFFSET", "BINDINGS"}


def counts_repeats(text: str) -> bool:
    """Whether a query aggregates in a way a repeated solution changes (COUNT, SUM, AVG,
    GROUP_CONCAT without DISTINCT); everything else in SPARQL gives the same distinct rows."""
    tokens = list(lexemes(text))
    for index, (kind, word, _start) in enumerate(tokens):
        if kind == "word" and word.upper() in ("COUNT", "SUM", "AVG", "GROUP_CONCAT"):
            following = [t.text.upper() for t in tokens[index + 1 : index + 3]]
            if following[:1] == ["("] and following[1:2] != ["DISTINCT"]:
                return True
    return False


def inject_focus(text: str, focus: Focus) -> tuple[str, tuple[str, ...]]:
    """`text` (a SHACL-SPARQL SELECT) with `?this` bound to the focus nodes in every group that
    uses it, and the variables its outer SELECT projects.

    Equivalent to SHACL's pre-binding of `$this` for the queries SHACL allows (sub-SELECTs
    project `$this`; no VALUES, MINUS or SERVICE); anything else raises `Unsupported`.
    """
    significant = list(lexemes(text))
    words = {t[1].upper() for t in significant if t[0] == "word"}
    if words & _FORBIDDEN:
        raise Unsupported("a SPARQL constraint using " + ", ".join(sorted(words & _FORBIDDEN)))
    if "SELECT" not in words:
        raise Unsupported("a SPARQL constraint that is not a SELECT query")

    def is_this(token: Lexeme) -> bool:
        return token[0] == "var" and token[1][1:] == "this"

    # Match braces; note each group's extent and what precedes and starts it.
    groups: list[dict[str, int | bool | str]] = []
    stack: list[int] = []
    for index, token in enumerate(significant):
        if token.text == "{" and token.kind == "mark":
            before = significant[index - 1][1].upper() if index else ""
            after = significant[index + 1][1].upper() if index + 1 < len(significant) else ""
            groups.append({"open": index, "close": -1, "before": before, "after": after})
            stack.append(len(groups) - 1)
        elif token.text == "}" and token.kind == "mark":
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
