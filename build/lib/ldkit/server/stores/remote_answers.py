"""Reading a remote store's answers as they arrive: results in XML, JSON or TSV, under a deadline.

XML rather than JSON is asked for because Virtuoso's JSON is not standard for some terms; the XML
is read as a stream (`iterparse`), keeping memory flat however long the answer, and stops at the
rows that are asked for.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from http.client import HTTPResponse
from typing import Any

import pyoxigraph as ox

from ldkit.server.formats import Format, by_key
from ldkit.server.stores.base import StoreUnavailable

_NS = "{http://www.w3.org/2005/sparql-results#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def solutions(
    response: HTTPResponse, deadline: float
) -> tuple[list[str], bool | None, Iterator[dict[str, Any]]]:
    """Variables, boolean (ASK) and a stream of rows of a results answer, in XML, JSON or TSV."""
    source = response_format(response)
    if source.oxigraph == ox.QueryResultsFormat.XML:
        reader = XmlResults(response, deadline)
        return reader.names, reader.boolean, reader.rows()
    if source.oxigraph in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.TSV):
        assert isinstance(source.oxigraph, ox.QueryResultsFormat)
        try:
            parsed = ox.parse_query_results(response, format=source.oxigraph)
        except SyntaxError as error:
            raise StoreUnavailable(f"unreadable results from the store: {error}") from None
        if isinstance(parsed, ox.QueryBoolean):
            return [], bool(parsed), iter(())
        names = [v.value for v in parsed.variables]
        rows = ({n: s[n] for n in names if s[n] is not None} for s in parsed)
        return names, None, until(rows, deadline)
    raise StoreUnavailable(f"the store answered results as {source.media_type}")


class XmlResults:
    """SPARQL Query Results XML, read as it arrives (at most the rows that are asked for)."""

    def __init__(self, stream: HTTPResponse, deadline: float) -> None:
        self._events = ET.iterparse(stream, events=("start", "end"))
        self._deadline = deadline
        self._blank: dict[str, ox.BlankNode] = {}
        self.names: list[str] = []
        self.boolean: bool | None = None
        try:
            for event, element in self._events:
                if event == "end" and element.tag == _NS + "variable":
                    self.names.append(element.get("name", ""))
                elif event == "end" and element.tag == _NS + "boolean":
                    self.boolean = (element.text or "").strip() in ("true", "1")
                    return
                elif event == "start" and element.tag == _NS + "results":
                    self._results = element
                    return
        except ET.ParseError as error:
            raise StoreUnavailable(f"unreadable results from the store: {error}") from None

    def rows(self) -> Iterator[dict[str, Any]]:
        try:
            for event, element in self._events:
                if event != "end" or element.tag != _NS + "result":
                    continue
                if time.monotonic() > self._deadline:
                    raise TimeoutError("the answer took too long to arrive")
                row = {b.get("name", ""): self._term(b[0]) for b in element if len(b)}
                self._results.clear()  # keep memory flat however long the answer
                yield row
        except ET.ParseError as error:
            raise StoreUnavailable(f"unreadable results from the store: {error}") from None

    def _term(self, element: ET.Element) -> Any:
        tag = element.tag.removeprefix(_NS)
        text = element.text or ""
        if tag == "uri":
            return ox.NamedNode(text)
        if tag == "bnode":
            return self._blank_node(text)
        if tag == "literal":
            if language := element.get(_XML_LANG):
                return ox.Literal(text, language=language)
            if datatype := element.get("datatype"):
                return ox.Literal(text, datatype=ox.NamedNode(datatype))
            return ox.Literal(text)
        if tag == "triple":
            parts = {part.tag.removeprefix(_NS): self._term(part[0]) for part in element}
            return ox.Triple(parts["subject"], parts["predicate"], parts["object"])
        raise StoreUnavailable(f"unexpected term <{tag}> in the store's results")

    def _blank_node(self, label: str) -> ox.BlankNode:
        """The same node for the same label; Virtuoso's `nodeID://b1` is not a valid label."""
        if label not in self._blank:
            try:
                self._blank[label] = ox.BlankNode(label)
            except ValueError:
                self._blank[label] = ox.BlankNode(f"b{len(self._blank)}x")
        return self._blank[label]


def ask_row(rows: Iterable[dict[str, Any]]) -> bool:
    """An ASK answered as a row of one value (Virtuoso's `__ASK_RETVAL`): true unless 0/false."""
    for row in rows:
        values = [term.value for term in row.values()]
        return bool(values) and values[0] not in ("0", "false")
    return False


def as_triples(stream: Iterable[Any]) -> Iterator[ox.Triple]:
    for item in stream:
        yield ox.Triple(item.subject, item.predicate, item.object)


def until(items: Iterable[Any], deadline: float) -> Iterator[Any]:
    """The items while the deadline has not passed (else TimeoutError, as a socket's)."""
    for item in items:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took too long to arrive")
        yield item


def response_format(response: HTTPResponse) -> Format:
    media_type = response.headers.get_content_type()
    fmt = by_key(media_type)
    if fmt is None or fmt.oxigraph is None:
        raise StoreUnavailable(f"the store answered in a format we cannot read ({media_type})")
    return fmt
