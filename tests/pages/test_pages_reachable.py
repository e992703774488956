"""Every thing of the dataset can be reached from the home page by following links, in each
language, as a reader clicking through would."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from flask import Flask

from ldkit.server.app import create_app
from ldkit.server.settings import Settings
from tests.helpers.pages_html import read_page


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> Iterator[Flask]:
    application = create_app(built_settings, pool_size=2)
    yield application
    application.extensions["ldkit_store"].close()


def _things(store: ox.Store, base: str) -> set[str]:
    rows = store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?s), "{base}id/")) }}',
        use_default_graph_as_union=True,
    )
    return {"/" + row[0].value[len(base) :] for row in rows}  # type: ignore[union-attr,index]


def _crawl(app: Flask, lang: str, sections: set[str] | None = None) -> set[str]:
    """The paths of the HTML pages reached from `/` by following links within this server
    (and, into `sections`, every link of theirs to a section of a page: `/ontology#count`)."""
    client = app.test_client()
    seen: set[str] = set()
    queued = {"/"}
    queue = deque([f"/?_lang={lang}"])
    while queue:
        response = client.get(queue.popleft(), follow_redirects=True)
        path = response.request.path
        if path in seen or response.mimetype != "text/html" or response.status_code != 200:
            continue
        seen.add(path)
        for href in read_page(response.get_data(as_text=True)).hrefs():
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.fragment and sections is not None:
                sections.add(href)
            if parts.path.startswith(("/sparql", "/dumps", "/static")):
                continue
            target = parts.path.removesuffix(".html")
            if target not in queued:
                queued.add(target)
                queue.append(href)
    return {p.removesuffix(".html") for p in seen}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_thing_is_reachable_by_links_from_home(
    app: Flask, built_settings: Settings, kg_store: ox.Store, lang: str
) -> None:
    things = _things(kg_store, built_settings.base_iri)
    assert len(things) > 100
    reached = _crawl(app, lang)
    assert not sorted(things - reached), f"not reachable from / in {lang}"


def test_every_link_to_a_section_of_a_page_lands_on_it(app: Flask) -> None:
    # Property links once named `term-https_3A...` anchors where an own term's section is `count`.
    sections: set[str] = set()
    _crawl(app, "en", sections)
    assert any(href.startswith("/ontology") for href in sections)
    client = app.test_client()
    pages: dict[str, str] = {}
    missing = []
    for href in sorted(sections):
        parts = urlsplit(href)
        page = parts._replace(fragment="").geturl()
        if page not in pages:
            pages[page] = client.get(page, follow_redirects=True).get_data(as_text=True)
        if f'id="{parts.fragment}"' not in pages[page]:
            missing.append(href)
    assert not missing, missing[:10]
