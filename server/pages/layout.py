"""Where the diagram's boxes and arrows go: layers, rows under their wholes, curved arrows."""

from __future__ import annotations

import dataclasses
import textwrap
from collections import defaultdict
from typing import Any

from ldkit.server.pages.terms import Value

NODE_WIDTH = 190
NODE_HEIGHT = 58
GAP_X = 40
GAP_Y = 70
PER_ROW = 5
NODE_CHARACTERS = 26  # per line of a box, three lines at most
MARGIN = 20


@dataclasses.dataclass
class Node:
    """An organisation in the diagram: its link, its lines of text and its box."""

    value: Value
    lines: list[str]
    layer: int = 0
    x: float = 0
    y: float = 0

    @property
    def centre(self) -> float:
        return self.x + NODE_WIDTH / 2


@dataclasses.dataclass
class Edge:
    """One relation: from an organisation to another by a property, drawn as an arrow."""

    source: str
    target: str
    prop: str
    label: str
    label_lang: str
    hierarchical: bool
    path: str = ""
    label_x: float = 0
    label_y: float = 0


def layers(iris: list[str], up: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's depth: 0 for a whole part of nothing, else one below its deepest whole."""
    parents: dict[str, list[str]] = defaultdict(list)
    for child, parent in up:
        parents[child].append(parent)
    depth: dict[str, int] = {}

    def visit(iri: str, path: frozenset[str]) -> int:
        if iri in depth:
            return depth[iri]
        above = [p for p in parents.get(iri, []) if p not in path]  # a cycle stops here
        found = 1 + max((visit(p, path | {iri}) for p in above), default=-1)
        depth[iri] = found
        return found

    for iri in iris:
        visit(iri, frozenset())
    return depth


def place(nodes: dict[str, Node], edges: list[Edge]) -> tuple[float, float]:
    """Rows of at most `PER_ROW` boxes per layer, centred, each ordered under its wholes."""
    by_layer: dict[int, list[Node]] = defaultdict(list)
    for node in nodes.values():
        by_layer[node.layer].append(node)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    offset: dict[str, float] = {}  # slots from the middle of the row, for the rows below
    rows: list[list[Node]] = []
    for layer in sorted(by_layer):

        def barycentre(node: Node) -> tuple[float, str]:
            placed = [offset[n] for n in neighbours[node.value.iri or ""] if n in offset]
            return (sum(placed) / len(placed) if placed else 0.0, node.value.text)

        members = sorted(by_layer[layer], key=barycentre)
        for start in range(0, len(members), PER_ROW):
            chunk = members[start : start + PER_ROW]
            for index, node in enumerate(chunk):
                offset[node.value.iri or ""] = index - (len(chunk) - 1) / 2
            rows.append(chunk)
    widest = max((len(r) for r in rows), default=1)
    width = 2 * MARGIN + widest * NODE_WIDTH + (widest - 1) * GAP_X
    for number, chunk in enumerate(rows):
        used = len(chunk) * NODE_WIDTH + (len(chunk) - 1) * GAP_X
        left = MARGIN + (width - 2 * MARGIN - used) / 2
        for index, node in enumerate(chunk):
            node.x = left + index * (NODE_WIDTH + GAP_X)
            node.y = MARGIN + number * (NODE_HEIGHT + GAP_Y)
    height = 2 * MARGIN + len(rows) * NODE_HEIGHT + max(len(rows) - 1, 0) * GAP_Y
    return width, height


def route(edge: Edge, source: Node, target: Node) -> None:
    """The arrow's path (from the source's box to the target's) and where its label goes."""
    rows_apart = abs(target.y - source.y) / (NODE_HEIGHT + GAP_Y)
    if rows_apart > 1.5:  # round the boxes in between, by the side facing the target
        right = target.centre >= source.centre
        side = NODE_WIDTH / 2 if right else -NODE_WIDTH / 2
        x1, y1 = source.centre + side, source.y + NODE_HEIGHT / 2
        x2, y2 = target.centre + side, target.y + NODE_HEIGHT / 2
        bulge = (GAP_X / 2 + 10 * rows_apart) * (1 if right else -1)
        edge.path = _curve(x1, y1, x1 + bulge, y1, x2 + bulge, y2, x2, y2)
        edge.label_x = round((x1 + x2) / 2 + bulge * 0.75, 1)
        edge.label_y = round((y1 + y2) / 2, 1)
        return
    if target.y < source.y:
        x1, y1, x2, y2 = source.centre, source.y, target.centre, target.y + NODE_HEIGHT
    elif target.y > source.y:
        x1, y1, x2, y2 = source.centre, source.y + NODE_HEIGHT, target.centre, target.y
    else:  # the same row: an arc above the boxes
        x1, y1, x2, y2 = source.centre, source.y, target.centre, target.y
        top = source.y - GAP_Y / 2
        edge.path = _curve(x1, y1, x1, top, x2, top, x2, y2)
        edge.label_x, edge.label_y = round((x1 + x2) / 2, 1), round(top + 8, 1)
        return
    middle = (y1 + y2) / 2
    edge.path = _curve(x1, y1, x1, middle, x2, middle, x2, y2)
    edge.label_x = round(x1 + (x2 - x1) * 0.3, 1)  # nearer the source: arrows to one whole differ
    edge.label_y = round(y1 + (y2 - y1) * 0.3 + 4, 1)


def _curve(*points: float) -> str:
    x1, y1, cx1, cy1, cx2, cy2, x2, y2 = (f"{p:.1f}" for p in points)
    return f"M {x1} {y1} C {cx1} {cy1} {cx2} {cy2} {x2} {y2}"


NODE_DIMENSIONS = {"width": NODE_WIDTH, "height": NODE_HEIGHT}


def box(value: Value) -> Node:
    """A box for `value`: its text in at most three lines (the last cut with "…")."""
    lines = textwrap.wrap(value.text, NODE_CHARACTERS, max_lines=3, placeholder=" …")
    return Node(value, lines or [value.text[:NODE_CHARACTERS]])


def laid_out(nodes: dict[str, Node], edges: list[Edge]) -> dict[str, Any]:
    """Boxes (their layers set) placed in rows and arrows routed: what the SVG template draws."""
    width, height = place(nodes, edges)
    for edge in edges:
        route(edge, nodes[edge.source], nodes[edge.target])
    return {
        "nodes": sorted(nodes.values(), key=lambda n: (n.y, n.x)),
        "edges": edges,
        "by_iri": {iri: node.value for iri, node in nodes.items()},
        "width": width,
        "height": height,
    }
