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

import hashlib
import json
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

from ldkit.pipeline.build import swap_into_place
from ldkit.pipeline.export.crawl import Crawl, seeds
from ldkit.pipeline.export.files import (
    HTACCESS_FILE,
    MARKER,
    NGINX_FILE,
    NOT_FOUND_FILE,
    ExportError,
    ExportReport,
    origin_of,
    rewrite_page,
    stub,
    with_site,
)
from ldkit.pipeline.export.server_rules import htaccess_rules, nginx_rules
from ldkit.server.app import create_app
from ldkit.server.formats import HTML
from ldkit.server.pages.base import not_found
from ldkit.server.settings import Settings

__all__ = ["ExportError", "ExportReport", "export_site", "htaccess_rules", "nginx_rules"]


def export_site(
    settings: Settings,
    out: Path,
    *,
    site_url: str | None = None,
    live_url: str | None = None,
) -> ExportReport:
    """Write the static export of the build of `settings` into `out` (replacing an export).

    `site_url` is where the export's pages are found (the root of their canonical links; by
    default the base IRI, whose redirects lead to the host); `live_url` a running `ldkit serve`
    for search and SPARQL.
    """
    started = time.monotonic()
    out = out.resolve()
    _check_target(out)
    site = (site_url or settings.base_iri).rstrip("/")
    # Links go under the path the site is served at when one is named (a GitHub project page,
    # `https://example.github.io/reef/`); the base IRI's path is the redirect's, not the host's.
    root = urlsplit(site_url).path.rstrip("/") if site_url else ""
    origin = origin_of(site)  # the pages are crawled at the root of this origin
    live = live_url.rstrip("/") if live_url else None
    app = create_app(settings, pool_size=1)
    try:
        crawl = Crawl(app.test_client(), origin, settings)
        things = crawl.things()
        crawl.run(seeds(settings, things))
        with app.test_request_context("/404.html", base_url=origin):
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
            page = rewrite_page(body, crawl, live, report, fetched.url, root)
            body = with_site(page, origin, site)
            report.pages += 1
        pages[name] = body
    pages[NOT_FOUND_FILE] = rewrite_page(not_found_page, crawl, live, report, "/404.html", root)
    for source, target in sorted(crawl.things_redirects().items()):
        name = source.strip("/") + "/index.html"
        if name not in pages:
            pages[name] = stub(settings, site, source, target, root)
    void = settings.build_dir / "void.ttl"
    if void.is_file():
        pages["void.ttl"] = void.read_bytes()
    pages[NGINX_FILE] = nginx_rules(settings, crawl.special_redirects(), live).encode()
    pages[HTACCESS_FILE] = htaccess_rules(settings, crawl.special_redirects(), live).encode()
    pages[".nojekyll"] = b""
    report.dynamic = sorted(set(report.dynamic))
    pages[MARKER] = _manifest(settings, pages, site, live)
    _write(out, pages)
    report.files = len(pages)
    report.bytes = sum(len(b) for b in pages.values())
    report.seconds = time.monotonic() - started
    return report


# --- Writing --------------------------------------------------------------------------------------


def _manifest(settings: Settings, pages: dict[str, bytes], site: str, live: str | None) -> bytes:
    digest = hashlib.sha256()
    for name in sorted(pages):
        digest.update(name.encode() + b"\0" + hashlib.sha256(pages[name]).digest())
    facts = {
        "dataset": settings.dataset_iri,
        "site_url": site,
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
