"""What every HTML page shares: the reader's language, the JSON twin, headers and alternates.

A view builds a context for its template and a plain dict (its JSON twin); `respond` answers
the page, or the twin for `?_format=json`, with the Content-Security-Policy, `Vary`, the
`Link` alternates and the dataset version's validators.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from flask import Response, abort, jsonify, render_template, request
from werkzeug.urls import iri_to_uri

from ldkit.server import urls
from ldkit.server.formats import HTML, PLAIN_JSON, by_key, negotiate_language
from ldkit.server.http_headers import finish_page
from ldkit.server.pages.labels import Labels
from ldkit.server.running import current_store
from ldkit.server.settings import Settings

# BCP 47 in its general shape (`fr`, `en-GB`, `zh-Hant-TW`); an unoffered one falls back.
LANGUAGE_TAG = re.compile(r"[a-z]{1,8}(-[a-z0-9]{1,8})*", re.ASCII)


@dataclasses.dataclass(frozen=True)
class Reader:
    """Who reads: the page's language, and the `_lang` links carry when the reader chose it."""

    lang: str
    chosen: str | None
    chain: tuple[str, ...]


def settings() -> Settings:
    """The settings of the running app."""
    return current_store().settings


def reader() -> Reader:
    """The language: `?_lang=`, then `Accept-Language`, then the dataset's first language."""
    languages = settings().languages
    asked = request.args.get("_lang", "").strip().lower()
    if asked and not LANGUAGE_TAG.fullmatch(asked):
        abort(400, f"_lang is not a language tag: {asked[:40]!r}")
    primary = asked.split("-", 1)[0]  # `fr-CA` is French, as Accept-Language reads it
    chosen = asked if asked in languages else primary if primary in languages else None
    lang = chosen or negotiate_language(request.headers.get("Accept-Language"), languages)
    lang = lang or (languages[0] if languages else "en")
    chain = tuple(dict.fromkeys((lang, *languages, "")))
    return Reader(lang, chosen, chain)


def wants_json() -> bool:
    """Whether the plain JSON twin is asked for (`?_format=json`, or a `.json` document).

    A page is HTML or its JSON twin: any other `_format` is 406.
    """
    named = request.args.get("_format", "").strip()
    if named and by_key(named, (HTML, PLAIN_JSON)) is None:
        abort(406, f"a page is html or json, not {named[:40]!r}")
    return by_key(named, (PLAIN_JSON,)) is not None or (
        not named and request.path.endswith(".json")
    )


def base_context(who: Reader) -> dict[str, Any]:
    """What base.html needs: the dataset title, the language, the language switch and the
    page in each language (`hreflang` alternates; `x-default` is the page without `_lang`,
    whose language `Accept-Language` picks)."""
    config = settings()
    title = config.title.get(who.lang) or config.label(config.title)
    switch = [(lang, _with_lang(lang)) for lang in config.languages if lang != who.lang]
    translations = [(lang, _with_lang(lang)) for lang in config.languages]
    if len(translations) > 1:
        translations.append(("x-default", _with_lang(None)))
    return {
        "title": title,
        "lang": who.lang,
        "link_lang": who.chosen,
        "switch": switch,
        "translations": translations if len(translations) > 1 else [],
    }


def respond(
    template: str,
    context: dict[str, Any],
    twin: dict[str, Any],
    status: int = 200,
    alternates: list[tuple[str, str, str]] | None = None,
    links: dict[str, str] | None = None,
) -> Response:
    """The page (or its JSON twin), with headers; `alternates` are (label, href, media type):
    the other formats, and the page's twin (the JSON of the page, the page of the JSON)."""
    as_json = wants_json()
    other = ("HTML", _page_of_json(), HTML.media_type) if as_json else None
    other = other or ("JSON", _with_format("json"), PLAIN_JSON.media_type)
    alternates = [*(alternates or []), other]
    if as_json:
        response = jsonify(twin)
        response.status_code = status
    else:
        html = render_template(template, alternates=alternates, **context)
        response = Response(html, status=status, content_type="text/html; charset=utf-8")
    # A header holds URIs: a path's non-ASCII characters go percent-escaped (`iri_to_uri`).
    headers = [
        f'<{iri_to_uri(href)}>; rel="alternate"; type="{media}"' for _, href, media in alternates
    ]
    headers += [f'<{iri_to_uri(href)}>; rel="{rel}"' for rel, href in (links or {}).items()]
    response.headers["Link"] = ", ".join(headers)
    if context.get("lang"):  # the language of the page's words and labels
        response.headers["Content-Language"] = context["lang"]
    return finish(response)


def finish(response: Response) -> Response:
    """`Vary` and validators for any answer of the pages (CORS and CSP: the app's hook)."""
    return finish_page(response, request, current_store())


def labels_for(who: Reader, iris: Iterable[str]) -> Labels:
    """The labels of `iris` in the reader's languages: one query, then the links' cache."""
    labels = Labels(who.chain, settings().link_cache_dir)
    labels.fetch(list(iris))
    return labels


PAGE_NUMBER = re.compile(r"0*[1-9][0-9]*", re.ASCII)
# Pages past this are read as the last one a link may name (a class of 5M things has 100k pages).
MAX_PAGE = 100_000


def page_number() -> int:
    """The `_page` a listing asks for, 1 to MAX_PAGE; 400 unless digits from 1 (`_page=2`)."""
    asked = request.args.get("_page", "1")
    if not PAGE_NUMBER.fullmatch(asked):
        abort(400, f"_page is not a page number from 1: {asked[:40]!r}")
    return min(int(asked[:7]) if len(asked) <= 7 else MAX_PAGE, MAX_PAGE)


def not_found(iri: str | None = None) -> Response:
    """404: a page that offers a search for the IRI's last word (a JSON twin for `.json`)."""
    who = reader()
    iri = request.path if iri is None else iri
    guess = iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
    twin = {"error": "not found", "iri": iri, "search": urls.search_url(guess, api=True)}
    context = {**base_context(who), "guess": guess, "iri": iri}
    return respond("not_found.html", context, twin, status=404)


def _with_lang(lang: str | None) -> str:
    args = {k: v for k, v in request.args.items() if k != "_lang"}
    return urls.with_params(_here(), lang, **args)


def _with_format(key: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "_format"}
    return urls.with_params(_here(), None, **args, _format=key)


def _page_of_json() -> str:
    """The HTML page of this JSON twin: `/id/x.json` -> `/id/x.html`; without its `_format`."""
    args = {k: v for k, v in request.args.items() if k != "_format"}
    path = request.path
    page = urls.path_url(path[: -len(".json")] + ".html") if path.endswith(".json") else _here()
    return urls.with_params(page, None, **args)


def _here() -> str:
    """This page's path as a URL again: a `#` or `?` of a class IRI in it stays escaped."""
    return urls.path_url(request.path)
