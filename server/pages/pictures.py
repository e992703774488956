"""Pictures: a timeline of the events and a diagram of how the organisations and bodies relate.

Both are server-rendered SVG built by Jinja templates (autoescaped: no data is ever concatenated
into markup), styled by classes of the static stylesheet (the Content-Security-Policy blocks
inline styles), with a plain list or table beside them and a JSON twin (`?_format=json`).

They are generic, read through the store interface like every page:

- events are the instances of `schema:Event` or of any subclass of it (`rdfs:subClassOf*` in the
  store's ontology graph) with a `schema:startDate`, or failing one a `dcterms:date` (a month or a
  year only: drawn as the whole period and marked approximate);
- organisations are the instances of `org:Organization`, `schema:Organization` or their
  subclasses; they relate by the ORG and schema.org properties of `RELATIONS` (inverse
  properties are turned round) and by `org:Membership`s; the diagram is laid out in layers by
  the hierarchical relations (a whole above its parts), deterministically.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import textwrap
from collections import defaultdict
from typing import Any

from flask import Blueprint, Response

from ldkit.server import urls
from ldkit.server.namespaces import DCTERMS, ORG, SCHEMA
from ldkit.server.pages import reading
from ldkit.server.pages.base import Reader, base_context, reader, respond, settings
from ldkit.server.pages.labels import Labels
from ldkit.server.pages.terms import Context, Value, format_date, show_iri

blueprint = Blueprint("pictures", __name__)

MAX_EVENTS = 500
MAX_ORGANISATIONS = 300
MAX_RELATIONS = 2000

EVENT_CLASS = str(SCHEMA.Event)
ORGANISATION_CLASSES = (str(ORG.Organization), str(SCHEMA.Organization))
START, END, DATE = str(SCHEMA.startDate), str(SCHEMA.endDate), str(DCTERMS.date)
MEMBER_OF = str(ORG.memberOf)

# property -> (the property it is drawn as, whether the arrow is turned round, hierarchical)
RELATIONS: dict[str, tuple[str, bool, bool]] = {
    str(ORG.subOrganizationOf): (str(ORG.subOrganizationOf), False, True),
    str(ORG.hasSubOrganization): (str(ORG.subOrganizationOf), True, True),
    str(ORG.unitOf): (str(ORG.unitOf), False, True),
    str(ORG.hasUnit): (str(ORG.unitOf), True, True),
    MEMBER_OF: (MEMBER_OF, False, True),
    str(ORG.hasMember): (MEMBER_OF, True, True),
    str(SCHEMA.parentOrganization): (str(SCHEMA.parentOrganization), False, True),
    str(SCHEMA.subOrganization): (str(SCHEMA.parentOrganization), True, True),
    str(SCHEMA.memberOf): (str(SCHEMA.memberOf), False, True),
    str(SCHEMA.member): (str(SCHEMA.memberOf), True, True),
    str(ORG.linkedTo): (str(ORG.linkedTo), False, False),
}


def _labels(who: Reader, iris: list[str]) -> Labels:
    """The labels of `iris`, read from the store."""
    labels = Labels(who.chain, settings().data_dir / "links" / "cache")
    labels.fetch(iris)
    return labels


# --- The timeline ---------------------------------------------------------------------------------

ROW = 26
LABEL_WIDTH = 420
PLOT_LEFT = LABEL_WIDTH + 20
WIDTH = 980
PLOT_RIGHT = WIDTH - 20
AXIS_TOP = 34
LABEL_CHARACTERS = 58


@dataclasses.dataclass
class Event:
    """One event on the timeline: where it links, its dates and where it is drawn."""

    value: Value
    start: str
    end: str | None
    approximate: bool
    start_text: str = ""
    end_text: str = ""
    short: str = ""
    y: float = 0
    x: float = 0
    width: float = 0

    def as_json(self) -> dict[str, Any]:
        return {
            **self.value.as_json(),
            "url": self.value.href,
            "start": self.start,
            "end": self.end,
            "start_text": self.start_text,
            "end_text": self.end_text,
            "approximate": self.approximate,
        }


def period(value: str) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day an `xsd:date`, `gYearMonth` or `gYear` covers (None if unreadable)."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:Z|[+-]\d{2}:\d{2})?", value)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if day and month:
            first = datetime.date(year, month, day)
            return first, first
        if month:
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            return datetime.date(year, month, 1), following - datetime.timedelta(days=1)
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    except ValueError:
        return None


def dated_events() -> tuple[list[tuple[str, str, str | None, bool]], bool]:
    """(event, start, end, approximate) of every dated event, and whether the list was cut."""
    rows = reading.select(
        f"SELECT ?e ?p ?d WHERE {{ ?c rdfs:subClassOf* <{EVENT_CLASS}> . ?e a ?c"
        f" FILTER(isIRI(?e)) VALUES ?p {{ <{START}> <{END}> <{DATE}> }} ?e ?p ?d"
        f" FILTER(isLiteral(?d)) }} LIMIT {MAX_EVENTS * 8}"
    )
    dates: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        dates[row["e"].value][row["p"].value].append(row["d"].value)
    found = []
    for iri, by_property in dates.items():
        starts = [s for s in by_property.get(START, []) if period(s)]
        approximate = not starts
        starts = starts or [d for d in by_property.get(DATE, []) if period(d)]
        if not starts:
            continue
        start = min(starts, key=lambda s: _bounds(s)[0])
        ends = [e for e in by_property.get(END, []) if period(e)]
        end = max(ends, key=lambda e: _bounds(e)[1]) if ends else None
        found.append((iri, start, end, approximate))
    found.sort(key=lambda e: (_bounds(e[1])[0], e[0]))
    return found[:MAX_EVENTS], len(found) > MAX_EVENTS


def _bounds(value: str) -> tuple[datetime.date, datetime.date]:
    found = period(value)
    assert found is not None
    return found


def timeline(who: Reader) -> dict[str, Any]:
    """The events in date order, placed on the picture, with what the template needs."""
    config = settings()
    dated, cut = dated_events()
    labels = _labels(who, [iri for iri, *_ in dated])
    context = Context(config.base_iri, labels, who.lang, who.chosen)
    events = []
    for iri, start, end, approximate in dated:
        value = show_iri(iri, context)
        event = Event(value, start, end, approximate)
        event.start_text = format_date(start, who.lang)
        event.end_text = format_date(end, who.lang) if end and end != start else ""
        event.short = textwrap.shorten(value.text, LABEL_CHARACTERS, placeholder=" …")
        events.append(event)
    picture: dict[str, Any] = {"events": events, "cut": cut, "years": [], "height": 0}
    if not events:
        return picture
    first = min(_bounds(e.start)[0] for e in events)
    last = max(_bounds(e.end or e.start)[1] for e in events)
    origin, finish = datetime.date(first.year, 1, 1), datetime.date(last.year + 1, 1, 1)
    span = (finish - origin).days
    scale = (PLOT_RIGHT - PLOT_LEFT) / span

    def x_of(day: datetime.date) -> float:
        return round(PLOT_LEFT + (day - origin).days * scale, 1)

    for index, event in enumerate(events):
        begins = _bounds(event.start)[0]
        ends = _bounds(event.end)[1] if event.end else _bounds(event.start)[1]
        event.y = AXIS_TOP + 10 + index * ROW
        event.x = x_of(begins)
        event.width = max(round(x_of(ends + datetime.timedelta(days=1)) - event.x, 1), 4.0)
    step = max(1, (finish.year - origin.year) // 12)
    picture["ticks"] = [
        x_of(datetime.date(year, 1, 1)) for year in range(origin.year, finish.year + 1, step)
    ]
    picture["years"] = [  # each year's name in the middle of its span
        (year, round((x_of(datetime.date(year, 1, 1)) + x_of(datetime.date(year + 1, 1, 1))) / 2))
        for year in range(origin.year, finish.year, step)
    ]
    picture["height"] = AXIS_TOP + 20 + len(events) * ROW
    picture["first_text"] = events[0].start_text
    picture["last_text"] = format_date(max((e.end or e.start for e in events), key=_last), who.lang)
    return picture


def _last(value: str) -> datetime.date:
    return _bounds(value)[1]


@blueprint.route(urls.TIMELINE_PATH, methods=["GET"])
def timeline_page() -> Response:
    """The timeline of the events: an SVG picture and the same as a list, or the JSON twin."""
    who = reader()
    picture = timeline(who)
    twin = {
        "events": [e.as_json() for e in picture["events"]],
        "cut": picture["cut"],
    }
    geometry = {"width": WIDTH, "label_x": LABEL_WIDTH, "left": PLOT_LEFT, "right": PLOT_RIGHT}
    context = {**base_context(who), "timeline": picture, "geometry": geometry}
    return respond("timeline.html", context, twin)


# --- The diagram of organisations -----------------------------------------------------------------

NODE_WIDTH = 190
NODE_HEIGHT = 58
GAP_X = 40
GAP_Y = 70
PER_ROW = 5
MARGIN = 20
NODE_CHARACTERS = 26


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


def organisations() -> tuple[list[str], bool]:
    """The organisations and bodies (instances of the organisation classes), and if cut."""
    roots = " ".join(f"<{c}>" for c in ORGANISATION_CLASSES)
    rows = reading.select(
        f"SELECT DISTINCT ?o WHERE {{ VALUES ?root {{ {roots} }} ?c rdfs:subClassOf* ?root ."
        f" ?o a ?c FILTER(isIRI(?o)) }} LIMIT {MAX_ORGANISATIONS + 1}"
    )
    found = sorted({r["o"].value for r in rows})
    return found[:MAX_ORGANISATIONS], len(found) > MAX_ORGANISATIONS


def relations(nodes: set[str]) -> list[tuple[str, str, str, bool]]:
    """(from, to, property, hierarchical) between the organisations, inverses turned round."""
    props = " ".join(f"<{p}>" for p in RELATIONS)
    rows = reading.select(
        f"SELECT DISTINCT ?a ?p ?b WHERE {{ {{ VALUES ?p {{ {props} }} ?a ?p ?b }}"
        f" UNION {{ ?m org:member ?a ; org:organization ?b BIND(<{MEMBER_OF}> AS ?p) }}"
        f" FILTER(isIRI(?a) && isIRI(?b) && ?a != ?b) }} LIMIT {MAX_RELATIONS}"
    )
    found = set()
    for row in rows:
        a, p, b = row["a"].value, row["p"].value, row["b"].value
        drawn, turned, hierarchical = RELATIONS[p]
        if turned:
            a, b = b, a
        if a in nodes and b in nodes:
            found.add((a, b, drawn, hierarchical))
    return sorted(found)


def diagram(who: Reader) -> dict[str, Any]:
    """The organisations in layers (a whole above its parts) and their relations as arrows."""
    config = settings()
    iris, cut = organisations()
    related = relations(set(iris))
    labels = _labels(who, [*iris, *{p for _, _, p, _ in related}])
    context = Context(config.base_iri, labels, who.lang, who.chosen)
    nodes = {}
    for iri in iris:
        value = show_iri(iri, context)
        lines = textwrap.wrap(value.text, NODE_CHARACTERS, max_lines=3, placeholder=" …")
        nodes[iri] = Node(value, lines or [value.text[:NODE_CHARACTERS]])
    edges = [
        Edge(a, b, p, *labels.label_and_language(p), hierarchical)
        for a, b, p, hierarchical in related
    ]
    connected = {e.source for e in edges} | {e.target for e in edges}
    layers = _layers(iris, [(e.source, e.target) for e in edges if e.hierarchical])
    alone_layer = max((layers[i] for i in connected), default=-1) + 1
    for iri, node in nodes.items():
        node.layer = layers[iri] if iri in connected else alone_layer
    width, height = _place(nodes, edges)
    for edge in edges:
        _route(edge, nodes[edge.source], nodes[edge.target])
    return {
        "nodes": sorted(nodes.values(), key=lambda n: (n.y, n.x)),
        "edges": edges,
        "alone": [nodes[i].value for i in iris if i not in connected],
        "by_iri": {iri: node.value for iri, node in nodes.items()},
        "width": width,
        "height": height,
        "cut": cut,
    }


def _layers(iris: list[str], up: list[tuple[str, str]]) -> dict[str, int]:
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


def _place(nodes: dict[str, Node], edges: list[Edge]) -> tuple[float, float]:
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


def _route(edge: Edge, source: Node, target: Node) -> None:
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


@blueprint.route(urls.DIAGRAM_PATH, methods=["GET"])
def diagram_page() -> Response:
    """How the organisations and bodies relate: an SVG diagram and a table, or the JSON twin."""
    who = reader()
    picture = diagram(who)
    values = picture["by_iri"]
    twin = {
        "organisations": [{**v.as_json(), "url": v.href} for v in values.values()],
        "relations": [
            {
                "from": e.source,
                "to": e.target,
                "property": e.prop,
                "label": e.label,
            }
            for e in picture["edges"]
        ],
        "cut": picture["cut"],
    }
    context = {**base_context(who), "diagram": picture, "node": NODE_DIMENSIONS}
    return respond("organisations.html", context, twin)


NODE_DIMENSIONS = {"width": NODE_WIDTH, "height": NODE_HEIGHT}
