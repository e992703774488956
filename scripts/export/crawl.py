"""Crawling the app in-process: every thing in every format and language, then every link."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from ldkit.pipeline.export.files import (
    DOCUMENT_EXTENSIONS,
    ExportError,
    Fetched,
    dynamic,
    file_name,
    internal_links,
    normalise,
)
from ldkit.server import urls
from ldkit.server.formats import HTML
from ldkit.server.pages.versions import releases
from ldkit.server.settings import Settings

# --- What to fetch --------------------------------------------------------------------------------


def seeds(settings: Settings, things: list[str]) -> list[str]:
    seeds = [urls.HOME_PATH, urls.ONTOLOGY_PATH, urls.VOID_PATH]
    seeds += [f"{urls.ONTOLOGY_PATH}.{ext}" for ext in DOCUMENT_EXTENSIONS]
    for release in releases(settings):  # each version IRI, linked from a page or not
        seeds.append(urls.version_url(release.number))
        seeds += [urls.version_url(release.number, ext) for ext in DOCUMENT_EXTENSIONS]
    if settings.shapes_dump.is_file():
        seeds += [urls.SHAPES_PATH, *(f"{urls.SHAPES_PATH}.{ext}" for ext in DOCUMENT_EXTENSIONS)]
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


class Crawl:
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
