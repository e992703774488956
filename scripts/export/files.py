"""What the export writes: URLs as file names, pages with their links rewritten, stubs for 303s."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ldkit.server import urls
from ldkit.server.formats import HTML, PLAIN_JSON, RESOURCE_FORMATS, requested_format
from ldkit.server.settings import Settings

MARKER = ".ldkit-export.json"
NGINX_FILE = "nginx.conf"
HTACCESS_FILE = ".htaccess"
NOT_FOUND_FILE = "404.html"
DOCUMENT_EXTENSIONS = tuple(f.extension for f in RESOURCE_FORMATS)  # html ttl jsonld nt rdf json
FILE_SUFFIXES = (*DOCUMENT_EXTENSIONS, "css", "js", "gz", "svg", "png", "ico", "txt", "xml")
DYNAMIC_PATHS = (urls.SEARCH_API_PATH, urls.SEARCH_PATH, urls.SPARQL_PATH)
CONTROL_PARAMETERS = ("_format", "_page", "_lang")
LINK_ATTRIBUTE = re.compile(r'\b(href|src|action|data-suggest)="([^"]*)"')
SCRIPT_BLOCK = re.compile(r"(<script\b[^>]*>.*?</script>)", re.DOTALL | re.IGNORECASE)
STUB_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{iri}</title>
  <link rel="canonical" href="{canonical}">
  <meta http-equiv="refresh" content="0; url={href}">
</head>
<body><p><a href="{href}">{iri}</a></p></body>
</html>
"""


class ExportError(Exception):
    """The export cannot be written (the folder is not an export, the build is unreadable)."""


@dataclasses.dataclass
class ExportReport:
    """What was written, and what could not be made static."""

    out: Path
    files: int = 0
    bytes: int = 0
    pages: int = 0
    things: int = 0
    seconds: float = 0.0
    broken: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # link -> pages
    dynamic: list[str] = dataclasses.field(default_factory=list)  # links left to a server

    def summary(self) -> list[str]:
        """What `ldkit export-site` prints."""
        lines = [
            f"exported {self.things} things, {self.pages} pages, {self.files} files"
            f" ({self.bytes / 1e6:.1f} MB) into {self.out} in {self.seconds:.1f} s"
        ]
        if self.broken:
            shown = ", ".join(sorted(self.broken)[:5])
            lines.append(
                f"warning: {len(self.broken)} links lead nowhere on the server either: {shown}"
            )
        return lines


@dataclasses.dataclass(frozen=True)
class Fetched:
    """One URL of the site as the app answered it."""

    url: str
    status: int
    content_type: str
    body: bytes
    location: str | None = None


# --- URLs and files -------------------------------------------------------------------------------


def normalise(url: str) -> str:
    """A URL of the site as fetched and compared: path and sorted query, no fragment."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def dynamic(url: str) -> bool:
    """Whether a URL needs a running server (search, its JSON, the SPARQL endpoint)."""
    path = urlsplit(url).path
    return any(path == p or path.startswith(p + "/") for p in DYNAMIC_PATHS)


def file_name(url: str, content_type: str) -> str | None:
    """The file (relative, unquoted) holding the answer to `url`; None when no file can.

    `/id/x.html?_lang=fr` -> `id/x.fr.html`; `/-/classes/a:B?_page=2` -> `-/classes/a:B.page2.html`;
    `/?_format=json` -> `index.json`; `/id/x.ttl?_lang=fr` -> `id/x.ttl` (RDF has no language).
    """
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if set(params) - set(CONTROL_PARAMETERS):
        return None
    path = unquote(parts.path)
    folder, _, last = path.rpartition("/")
    stem, dot, extension = last.rpartition(".")
    if not dot or extension not in FILE_SUFFIXES:
        stem, extension = last or "index", ""
    named = params.get("_format")
    if named:
        fmt = requested_format(named, RESOURCE_FORMATS)
        if fmt is None:
            return None
        extension = fmt.extension
    if not extension:
        if content_type == HTML.media_type:
            extension = HTML.extension
        elif content_type == PLAIN_JSON.media_type:
            extension = PLAIN_JSON.extension
        else:
            return None
    page = params.get("_page", "")
    if page and (not page.isdigit() or page.lstrip("0") in ("", "1")):
        page = ""
    lang = params.get("_lang", "")
    variant = (f".page{int(page)}" if page else "") + (
        f".{lang}" if lang and lang.isalpha() and extension in ("html", "json") else ""
    )
    return f"{folder}/{stem}{variant}.{extension}".lstrip("/")


def internal_links(page: bytes) -> list[str]:
    """The site's own URLs a page links to (normalised), outside its script blocks."""
    found = []
    for chunk in SCRIPT_BLOCK.split(page.decode("utf-8")):
        if SCRIPT_BLOCK.fullmatch(chunk) and "src=" not in chunk.split(">", 1)[0]:
            continue
        for _, value in LINK_ATTRIBUTE.findall(chunk):
            link = html.unescape(value)
            if link.startswith("/") and not link.startswith("//"):
                found.append(normalise(link))
    return found


class Targets(Protocol):
    """What rewriting a page needs of the crawl: the file a URL of the site is served from."""

    def target(self, url: str) -> str | None: ...


def rewrite_page(
    page: bytes,
    crawl: Targets,
    live: str | None,
    report: ExportReport,
    where: str,
    root: str = "",
) -> bytes:
    """The page with its links to the site pointing at the export's files, under `root` (the
    path the site is served at, `/reef` for `https://example.github.io/reef/`; empty at a
    host's root)."""
    text = page.decode("utf-8")
    if live is None:
        text = _drop_dynamic(text)

    def replace(match: re.Match[str]) -> str:
        attribute, value = match.groups()
        link = html.unescape(value)
        if not link.startswith("/") or link.startswith("//"):
            return match.group(0)
        if dynamic(link):
            if live is None:
                report.dynamic.append(link)
                return match.group(0)
            return f'{attribute}="{html.escape(live + link)}"'
        path, _, fragment = link.partition("#")
        if urlsplit(path).path == f"/{NOT_FOUND_FILE}":  # the 404 page's switch and twin
            return f'{attribute}="{root}/{NOT_FOUND_FILE}"'
        target = crawl.target(normalise(path))
        if target is None:
            return match.group(0)
        href = f"{root}/" + urls.path_url(target)
        return f'{attribute}="{html.escape(href + (f"#{fragment}" if fragment else ""))}"'

    chunks = SCRIPT_BLOCK.split(text)
    rewritten = [
        chunk
        if SCRIPT_BLOCK.fullmatch(chunk) and "src=" not in chunk.split(">", 1)[0]
        else LINK_ATTRIBUTE.sub(replace, chunk)
        for chunk in chunks
    ]
    return "".join(rewritten).encode("utf-8")


def _drop_dynamic(text: str) -> str:
    """Forms and links that need a server, left out (search, SPARQL)."""
    alternatives = "|".join(re.escape(p) for p in DYNAMIC_PATHS)
    text = re.sub(
        rf'<form\b[^>]*\baction="(?:{alternatives})[^"]*"[^>]*>.*?</form>\s*',
        "",
        text,
        flags=re.DOTALL,
    )
    text = re.sub(
        rf'\s*<a\b[^>]*\bhref="(?:{alternatives})(?:[?#/][^"]*)?"[^>]*>.*?</a>',
        "",
        text,
        flags=re.DOTALL,
    )
    return re.sub(r'\s*<script\b[^>]*\bsrc="/static/search\.js"[^>]*></script>', "", text)


def stub(settings: Settings, site: str, path: str, target: str, root: str = "") -> bytes:
    """The page a static host serves for a thing's IRI: on to its HTML document."""
    href = f"{root}/" + urls.path_url(target)
    canonical = f"{site}/" + urls.path_url(target)  # `site` holds `root` already
    iri = settings.base_iri.rstrip("/") + path
    lang = settings.languages[0] if settings.languages else "en"
    return STUB_PAGE.format(
        lang=lang,
        iri=html.escape(iri),
        href=html.escape(href),
        canonical=html.escape(canonical),
    ).encode()


def with_site(page: bytes, origin: str, site: str) -> bytes:
    """A page crawled at `origin` with its canonical link under `site`, where it is found."""
    crawled = f'rel="canonical" href="{html.escape(origin)}/'.encode()
    return page.replace(crawled, f'rel="canonical" href="{html.escape(site)}/'.encode())


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"not an http(s) URL: {url}")
    return f"{parts.scheme}://{parts.netloc}"
