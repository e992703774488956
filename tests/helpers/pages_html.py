"""Reading the pages in tests: their text, links, headings and JSON-LD, with the stdlib parser."""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from typing import Any


@dataclasses.dataclass
class Page:
    """What a test asserts on: visible text, links (href, text), headings and attributes."""

    text: str = ""
    links: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    headings: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    head_links: list[dict[str, str]] = dataclasses.field(default_factory=list)
    scripts: list[tuple[dict[str, str], str]] = dataclasses.field(default_factory=list)
    lang: str = ""
    lang_texts: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def hrefs(self) -> list[str]:
        return [href for href, _ in self.links]

    def json_ld(self) -> Any:
        blocks = [
            body for attrs, body in self.scripts if attrs.get("type") == "application/ld+json"
        ]
        assert len(blocks) == 1
        return json.loads(blocks[0])


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._text: list[str] = []
        self._link: tuple[str, list[str]] | None = None
        self._heading: tuple[int, list[str]] | None = None
        self._script: tuple[dict[str, str], list[str]] | None = None
        self._langs: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.page.lang = found.get("lang", "")
        if tag == "a" and "href" in found:
            self._link = (found["href"], [])
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading = (int(tag[1]), [])
        if tag == "link":
            self.page.head_links.append(found)
        if tag == "script":
            self._script = (found, [])
        if "lang" in found and tag != "html":
            self._langs.append((tag, found["lang"], []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link:
            self.page.links.append((self._link[0], "".join(self._link[1]).strip()))
            self._link = None
        if tag in ("h1", "h2", "h3", "h4") and self._heading:
            self.page.headings.append(
                (self._heading[0], " ".join("".join(self._heading[1]).split()))
            )
            self._heading = None
        if tag == "script" and self._script:
            self.page.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None
        if self._langs and self._langs[-1][0] == tag:
            _, lang, parts = self._langs.pop()
            self.page.lang_texts.append((lang, "".join(parts).strip()))

    def handle_data(self, data: str) -> None:
        if self._script:
            self._script[1].append(data)
            return
        self._text.append(data)
        for collector in (self._link, self._heading):
            if collector:
                collector[1].append(data)
        for entry in self._langs:
            entry[2].append(data)

    def close(self) -> None:
        super().close()
        self.page.text = " ".join(" ".join(self._text).split())


def read_page(html: str | bytes) -> Page:
    """Parse an HTML page."""
    reader = _Reader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    reader.close()
    return reader.page
