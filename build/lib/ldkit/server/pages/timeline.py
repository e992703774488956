"""The timeline of the events: `/-/timeline`, a server-rendered SVG, a list and a JSON twin.

Events are the instances of `schema:Event` or of any subclass of it (`rdfs:subClassOf*` in the
store's ontology graph) with a `schema:startDate`, or failing one a `dcterms:date` (a month or a
year only: drawn as the whole period and marked approximate). Like the diagram, the picture is
built by a Jinja template (autoescaped: no data is concatenated into markup) and styled by the
static stylesheet (the Content-Security-Policy blocks inline styles).
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
from ldkit.server.namespaces import DCTERMS, SCHEMA
from ldkit.server.pages import reading
from ldkit.server.pages.base import Reader, base_context, labels_for, reader, respond, settings
from ldkit.server.pages.terms import Context, Value, format_date, show_iri

blueprint = Blueprint("timeline", __name__)

MAX_EVENTS = 500
EVENT_CLASS = str(SCHEMA.Event)
START, END, DATE = str(SCHEMA.startDate), str(SCHEMA.endDate), str(DCTERMS.date)


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
    labels = labels_for(who, [iri for iri, *_ in dated])
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
