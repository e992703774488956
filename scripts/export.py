"""`ldkit export-site OUT`: the whole site as static files, with rules for nginx and Apache.

The files are what the real app renders: the app runs in-process (Flask's test client) over the
build, and every URL of the site is fetched from it, starting from every thing under the base (a
SPARQL query through the app's store) in every format and language, the home page, the ontology
and the dataset's description, then following every link of every page (class pages and their
pages, language variants, JSON twins, static files, dumps).

A URL with a query becomes a file name: `?_lang=fr` -> `x.fr.html`, `?_page=2` -> `x.page2.html`,
`?_format=json` -> `x.json`; a page without a suffix gets `.html` (`/` -> `index.html`). The links
of the exported HTML pages point at those files, so the export works on any static host; the RDF,
the JSON twins and the JSON-LD block of each page are written as served (canonical IRIs). A thing
(`/id/x`, `/ontology`, `/.well-known/void`) answers 303 on the server: the export writes a small
page at `/id/x/index.html` that sends readers on to `/id/x.html`, and `nginx.conf` / `.htaccess`
give back the 303 by `Accept`, the `_lang`/`_page`/`_format` URLs of the live server, the media
types and the 404 page. Search and `/sparql` need a server: with `live_url` their links and forms
point there, else they are left out of the pages.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from ldkit.pipeline.build import swap_into_place
from ldkit.server import urls
from ldkit.server.app import create_app
from ldkit.server.formats import HTML, PLAIN_JSON, RDF_FORMATS, RESOURCE_FORMATS, requested_format
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


def export_site(
    settings: Settings,
    out: Path,
    *,
    site_url: str | None = None,
    live_url: str | None = None,
) -> ExportReport:
    """Write the static export of the build of `settings` into `out` (replacing an export).

    `site_url` is where the export will be served (the origin of pages' canonical links; by
    default the origin of the base IRI); `live_url` a running `ldkit serve` for search and SPARQL.
    """
    started = time.monotonic()
    out = out.resolve()
    _check_target(out)
    origin = _origin(site_url or settings.base_iri)
    live = live_url.rstrip("/") if live_url else None
    app = create_app(settings, pool_size=1)
    try:
        crawl = _Crawl(app.test_client(), origin, settings)
        things = crawl.things()
        crawl.run(_seeds(settings, things))
        with app.test_request_context("/404.html", base_url=origin):
            from ldkit.server.pages.resource import not_found

            not_found_page = not_found("").get_data()
    finally:
        app.extensions["ldkit_store"].close()

    failed = sorted(url for url, fetched in crawl.fetched.items() if fetched.status >= 500)
    if failed:
        shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
        raise ExportError(f"the app failed on {len(failed)} URLs ({shown}): nothing exported")
    files = crawl.files()
    report = ExportReport(out, things=len(things), broken=crawl.broken_links())
    pages: dict[str, bytes] = {}
    for name, fetched in files.items():
        body = fetched.body
        if fetched.content_type == HTML.media_type:
            body = _rewrite_page(body, crawl, live, report, fetched.url)
            report.pages += 1
        pages[name] = body
    pages[NOT_FOUND_FILE] = _rewrite_page(not_found_page, crawl, live, report, "/404.html")
    for source, target in sorted(crawl.things_redirects().items()):
        stub = source.strip("/") + "/index.html"
        if stub not in pages:
            pages[stub] = _stub(settings, origin, source, target)
    void = settings.build_dir / "void.ttl"
    if void.is_file():
        pages["void.ttl"] = void.read_bytes()
    pages[NGINX_FILE] = nginx_rules(settings, crawl.special_redirects(), live).encode()
    pages[HTACCESS_FILE] = htaccess_rules(settings, crawl.special_redirects(), live).encode()
    pages[".nojekyll"] = b""
    report.dynamic = sorted(set(report.dynamic))
    pages[MARKER] = _manifest(settings, pages, origin, live)
    _write(out, pages)
    report.files = len(pages)
    report.bytes = sum(len(b) for b in pages.values())
    report.seconds = time.monotonic() - started
    return report


# --- What to fetch --------------------------------------------------------------------------------


def _seeds(settings: Settings, things: list[str]) -> list[str]:
    seeds = [urls.HOME_PATH, urls.ONTOLOGY_PATH, urls.VOID_PATH]
    seeds += [f"{urls.ONTOLOGY_PATH}.{ext}" for ext in DOCUMENT_EXTENSIONS]
    for iri in things:
        path = urls.resource_url(iri, settings.base_iri)
        if not path:
            continue
        seeds.append(path)
        seeds += [urls.document_url(path, ext) for ext in DOCUMENT_EXTENSIONS]
        seeds += [urls.document_url(path, HTML.extension, lang) for lang in settings.languages]
    seeds += [urls.home_url(lang) for lang in settings.languages]
    dumps = settings.build_dir / "dumps"
    if dumps.is_dir():
        seeds += [urls.dump_url(p.name) for p in sorted(dumps.iterdir()) if p.is_file()]
    return seeds


class _Crawl:
    """Fetches URLs from the app, follows links of HTML pages, and maps URLs to files."""

    def __init__(self, client, origin: str, settings: Settings) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.origin = origin
        self.settings = settings
        self.fetched: dict[str, Fetched] = {}
        self.linked_from: dict[str, set[str]] = {}

    def things(self) -> list[str]:
        """Every IRI under `{base}id/` the dataset says something of (as `/id/...` serves)."""
        prefix = json.dumps(f"{self.settings.base_iri}id/")
        query = (
            "SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { ?o ?p ?s }"
            f" FILTER(isIRI(?s) && STRSTARTS(STR(?s), {prefix})) }} ORDER BY ?s"
        )
        response = self.client.get(
            urls.SPARQL_PATH,
            query_string={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        if response.status_code != 200:
            raise ExportError(f"cannot list the things of the build: {response.status}")
        rows = json.loads(response.get_data())["results"]["bindings"]
        return [row["s"]["value"] for row in rows]

    def run(self, seeds: Iterable[str]) -> None:
        queue = [normalise(url) for url in seeds]
        while queue:
            url = queue.pop()
            if url in self.fetched or dynamic(url):
                continue
            fetched = self._get(url)
            self.fetched[url] = fetched
            if fetched.location:
                queue.append(fetched.location)
            if fetched.status == 200 and fetched.content_type == HTML.media_type:
                for link in internal_links(fetched.body):
                    self.linked_from.setdefault(link, set()).add(url)
                    if not dynamic(link):
                        queue.append(link)

    def _get(self, url: str) -> Fetched:
        response = self.client.get(url, base_url=self.origin)
        try:
            body = response.get_data()
        finally:
            response.close()  # a file the app sends (static files, dumps) stays open until then
        location = response.headers.get("Location")
        if location:
            location = normalise(location.removeprefix(self.origin))
        return Fetched(url, response.status_code, response.mimetype, body, location)

    def target(self, url: str) -> str | None:
        """The file a URL of the site is served from, following its 303; None when none is."""
        seen = set()
        while url not in seen:
            seen.add(url)
            fetched = self.fetched.get(url)
            if fetched is None:
                return None
            if fetched.status == 200:
                return file_name(url, fetched.content_type)
            if fetched.status == 303 and fetched.location:
                url = fetched.location
                continue
            return None
        return None

    def files(self) -> dict[str, Fetched]:
        """Each file and what it holds: of the URLs that map to it, the simplest one's answer."""
        chosen: dict[str, Fetched] = {}
        for url in sorted(self.fetched, key=lambda u: (u.count("&") + ("?" in u), u)):
            fetched = self.fetched[url]
            name = self.target(url) if fetched.status == 200 else None
            if name and name not in chosen:
                chosen[name] = fetched
        return chosen

    def broken_links(self) -> dict[str, list[str]]:
        """Links of pages that the app itself does not answer (404, 500...)."""
        return {
            link: sorted(pages)
            for link, pages in sorted(self.linked_from.items())
            if not dynamic(link) and self.target(link.split("#")[0]) is None
        }

    def things_redirects(self) -> dict[str, str]:
        """Each path the app answers 303 for (without query), and its HTML document's file."""
        found: dict[str, str] = {}
        for url, fetched in self.fetched.items():
            path = urlsplit(url).path
            if fetched.status == 303 and path == url and fetched.location:
                target = self.target(fetched.location)
                if target:
                    found[path] = target
        return found

    def special_redirects(self) -> dict[str, str]:
        """303s whose document is not the thing's own path plus a suffix (`/.well-known/void`,
        the ontology's version IRI): path -> the document's path without its suffix."""
        found = {}
        for path, target in self.things_redirects().items():
            stem = "/" + target.rsplit(".", 1)[0]
            if stem != path:
                found[path] = stem
        return dict(sorted(found.items()))


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


def _rewrite_page(
    page: bytes, crawl: _Crawl, live: str | None, report: ExportReport, where: str
) -> bytes:
    """The page with its links to the site pointing at the export's files."""
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
            return f'{attribute}="/{NOT_FOUND_FILE}"'
        target = crawl.target(normalise(path))
        if target is None:
            return match.group(0)
        href = "/" + quote(target, safe="/:@!$&'()*+,;=-._~")
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


def _stub(settings: Settings, origin: str, path: str, target: str) -> bytes:
    """The page a static host serves for a thing's IRI: on to its HTML document."""
    href = "/" + quote(target, safe="/:@!$&'()*+,;=-._~")
    iri = settings.base_iri.rstrip("/") + path
    lang = settings.languages[0] if settings.languages else "en"
    return STUB_PAGE.format(
        lang=lang,
        iri=html.escape(iri),
        href=html.escape(href),
        canonical=html.escape(origin + href),
    ).encode()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"not an http(s) URL: {url}")
    return f"{parts.scheme}://{parts.netloc}"


# --- Server rules ---------------------------------------------------------------------------------

# Media types tried for a thing, lowest priority first: a later match wins, so an RDF type named
# anywhere in `Accept` beats the HTML page browsers ask for (q-values are not weighed).
ACCEPT_ORDER = (HTML, PLAIN_JSON, *reversed(RDF_FORMATS[:4]))


def media_types() -> dict[str, str]:
    """The Content-Type of each document suffix, as the server sends it."""
    types = {f.extension: f"{f.media_type}; charset=utf-8" for f in RESOURCE_FORMATS}
    types["gz"] = "application/gzip"
    return types


def _accept_patterns() -> list[tuple[str, str]]:
    """(regular expression over `Accept`, suffix), lowest priority first."""
    found = []
    for fmt in ACCEPT_ORDER:
        names = [fmt.media_type, *fmt.aliases]
        found.append(("|".join(re.escape(n) for n in names), fmt.extension))
    return found


def nginx_rules(settings: Settings, special: dict[str, str], live: str | None = None) -> str:
    """An nginx snippet to include in the `server { }` block whose `root` is the export."""
    languages = "|".join(re.escape(lang) for lang in settings.languages) or "en"
    lines = [
        f"# nginx rules for the static export of {settings.dataset_iri} (ldkit export-site).",
        "# Include in the server block whose root is the export's folder:",
        "#   server { listen 80; server_name example.org; root /srv/site;",
        "#            include /srv/site/nginx.conf; }",
        "",
        "index index.html;",
        f"error_page 404 /{NOT_FOUND_FILE};",
        "",
        f"location = /{NGINX_FILE} {{ return 404; }}",
        "",
        "# Pages and documents: `_page`, `_lang` and `_format` of the live server's URLs pick the",
        "# file (`x.page2.fr.html`), as `ldkit export-site` named it.",
        "set $ldkit_page '';",
        "set $ldkit_lang '';",
        'if ($arg__page ~ "^0*([2-9]|[1-9][0-9]+)$") { set $ldkit_page .page$1; }',
        f'if ($arg__lang ~ "^({languages})$") {{ set $ldkit_lang .$1; }}',
        "",
    ]
    for fmt in RESOURCE_FORMATS:
        variant = "$ldkit_page$ldkit_lang" if fmt in (HTML, PLAIN_JSON) else ""
        lines += [
            rf"location ~ ^(?<ldkit_stem>/.+)\.{fmt.extension}$ {{",
            "    types { }",
            f'    default_type "{media_types()[fmt.extension]}";',
            '    add_header Access-Control-Allow-Origin "*";',
        ]
        if fmt is HTML:
            lines += [
                "    if ($arg__format = json) { rewrite ^ $ldkit_stem.json last; }",
                f'    add_header Content-Security-Policy "{_page_policy(live)}";',
                '    add_header X-Content-Type-Options "nosniff";',
            ]
        lines += [f"    try_files $ldkit_stem{variant}.{fmt.extension} =404;", "}"]
    lookbehinds = "".join(rf"(?<!\.{ext})" for ext in DOCUMENT_EXTENSIONS)
    lines += [
        "",
        "location ^~ /dumps/ {",
        "    types { }",
        f'    default_type "{media_types()["gz"]}";',
        '    add_header Access-Control-Allow-Origin "*";',
        "}",
        "",
        "# Things: 303 See Other to the document `Accept` asks for; `Vary: Accept`.",
    ]
    for path, stem in special.items():
        lines += [f"location = {path} {{", *_nginx_negotiation(stem), "}"]
    lines += [
        rf"location ~ ^(?<ldkit_thing>/(?:id/.*[^/]|ontology)){lookbehinds}$ {{",
        "    if (!-f $document_root$ldkit_thing.html) { return 404; }",
        *_nginx_negotiation("$ldkit_thing"),
        "}",
        "",
        "# Pages without a suffix (`/`, `/-/classes/a:B`): their `.html` file.",
        "location = / {",
        "    if ($arg__format = json) { rewrite ^ /index.json last; }",
        "    try_files /index$ldkit_page$ldkit_lang.html =404;",
        "}",
        "location / {",
        "    charset utf-8;",
        "    if ($arg__format = json) { rewrite ^(.+)$ $1.json last; }",
        "    try_files $uri$ldkit_page$ldkit_lang.html $uri $uri/ =404;",
        "}",
        "",
    ]
    return "\n".join(lines)


def _nginx_negotiation(stem: str) -> list[str]:
    lines = [f"    set $ldkit_ext {HTML.extension};"]
    for pattern, extension in _accept_patterns():
        lines.append(f'    if ($http_accept ~* "{pattern}") {{ set $ldkit_ext {extension}; }}')
    lines += [
        '    add_header Vary "Accept" always;',
        f"    return 303 {stem}.$ldkit_ext$is_args$args;",
    ]
    return lines


def htaccess_rules(settings: Settings, special: dict[str, str], live: str | None = None) -> str:
    """An Apache `.htaccess` (mod_rewrite, mod_headers, mod_mime) for the export's root."""
    languages = "|".join(re.escape(lang) for lang in settings.languages) or "en"
    extensions = "|".join(DOCUMENT_EXTENSIONS)
    types = media_types()
    lines = [
        f"# Apache rules for the static export of {settings.dataset_iri} (ldkit export-site).",
        "# Needs AllowOverride FileInfo Indexes (mod_rewrite, mod_headers, mod_mime).",
        "",
        f"ErrorDocument 404 /{NOT_FOUND_FILE}",
        "DirectoryIndex index.html",
        "RemoveEncoding .gz",
        "Options -MultiViews -Indexes",
        "",
    ]
    for extension in (*DOCUMENT_EXTENSIONS, "gz"):
        lines.append(f'<FilesMatch "\\.{extension}$">')
        lines.append(f'  ForceType "{types[extension]}"')
        lines.append('  Header set Access-Control-Allow-Origin "*"')
        lines.append("</FilesMatch>")
    lines += [
        '<FilesMatch "\\.html$">',
        f'  Header set Content-Security-Policy "{_page_policy(live)}"',
        '  Header set X-Content-Type-Options "nosniff"',
        "</FilesMatch>",
        f'<Files "{NGINX_FILE}">',
        "  Require all denied",
        "</Files>",
        "",
        "RewriteEngine On",
        "",
        "# Things: 303 See Other to the document `Accept` asks for (later matches win).",
    ]
    negotiation = ["RewriteRule ^ - [E=LDKIT_EXT:html]"]
    for pattern, extension in _accept_patterns():
        negotiation += [
            f'RewriteCond %{{HTTP_ACCEPT}} "{pattern}" [NC]',
            f"RewriteRule ^ - [E=LDKIT_EXT:{extension}]",
        ]
    lines += negotiation
    for path, stem in special.items():
        lines += [
            f"RewriteRule ^{re.escape(path.lstrip('/'))}$ {stem}.%{{ENV:LDKIT_EXT}} [R=303,L]",
        ]
    variant = "%{ENV:LDKIT_PAGE}%{ENV:LDKIT_LANG}"
    json_asked = "RewriteCond %{QUERY_STRING} (?:^|&)_format=json(?:&|$)"
    lines += [
        f"RewriteCond %{{REQUEST_URI}} !\\.({extensions})$",
        "RewriteCond %{DOCUMENT_ROOT}/$1.html -f",
        "RewriteRule ^(id/.+|ontology)$ /$1.%{ENV:LDKIT_EXT} [R=303,L]",
        'Header always merge Vary "Accept" "expr=%{REQUEST_STATUS} == 303"',
        "",
        "# The live server's `_page`, `_lang` and `_format` URLs: the files named after them.",
        "RewriteCond %{QUERY_STRING} (?:^|&)_page=0*([2-9]|[1-9][0-9]+)(?:&|$)",
        "RewriteRule ^ - [E=LDKIT_PAGE:.page%1]",
        f"RewriteCond %{{QUERY_STRING}} (?:^|&)_lang=({languages})(?:&|$)",
        "RewriteRule ^ - [E=LDKIT_LANG:.%1]",
        json_asked,
        f"RewriteRule ^$ /index{variant}.json [END]",
        json_asked,
        f"RewriteCond %{{DOCUMENT_ROOT}}/$1{variant}.json -f",
        f"RewriteRule ^(.+?)(?:\\.html)?$ /$1{variant}.json [END]",
        f"RewriteRule ^$ /index{variant}.html [END]",
        f"RewriteCond %{{DOCUMENT_ROOT}}/$1{variant}.$2 -f",
        f"RewriteRule ^(.+)\\.(html|json)$ /$1{variant}.$2 [END]",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        f"RewriteCond %{{DOCUMENT_ROOT}}/$1{variant}.html -f",
        f"RewriteRule ^(.+)$ /$1{variant}.html [END]",
        "",
    ]
    return "\n".join(lines)


def _page_policy(live: str | None) -> str:
    """The server's Content-Security-Policy, letting forms and the type-ahead reach `live`."""
    from ldkit.server.http_headers import CONTENT_SECURITY_POLICY

    policy = CONTENT_SECURITY_POLICY.replace('"', "'")
    if live:
        origin = _origin(live)
        for directive in ("connect-src", "form-action"):
            policy = policy.replace(f"{directive} 'self'", f"{directive} 'self' {origin}")
    return policy


# --- Writing --------------------------------------------------------------------------------------


def _manifest(settings: Settings, pages: dict[str, bytes], origin: str, live: str | None) -> bytes:
    digest = hashlib.sha256()
    for name in sorted(pages):
        digest.update(name.encode() + b"\0" + hashlib.sha256(pages[name]).digest())
    facts = {
        "dataset": settings.dataset_iri,
        "site_url": origin,
        "live_url": live,
        "files": len(pages) + 1,
        "digest": digest.hexdigest(),
    }
    return (json.dumps(facts, indent=2, sort_keys=True) + "\n").encode()


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ExportError(f"{out} is not empty and holds no earlier export: choose another folder")


def _write(out: Path, pages: dict[str, bytes]) -> None:
    """Write every file into a staging folder beside `out`, then swap it in."""
    staging = out.with_name(f".{out.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    for name, body in sorted(pages.items()):
        path = staging / name
        if not path.resolve().is_relative_to(staging.resolve()):
            raise ExportError(f"refusing to write outside the export: {name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    swap_into_place(staging, out)
