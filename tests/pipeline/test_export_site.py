"""`ldkit export-site`: the real build exported, served by a plain static file server, crawled."""

from __future__ import annotations

import functools
import gzip
import http.server
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
import pytest

from ldkit.pipeline.export import export_site
from ldkit.pipeline.export.files import (
    HTACCESS_FILE,
    NGINX_FILE,
    ExportReport,
    file_name,
    internal_links,
)
from ldkit.pipeline.export.server_rules import media_types
from ldkit.server.formats import RDF_FORMATS, RESOURCE_FORMATS
from ldkit.server.settings import Settings

IOM = "/id/organisation/iom"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def exported(
    built_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ExportReport]:
    out = tmp_path_factory.mktemp("export") / "site"
    return out, export_site(built_settings, out)


@pytest.fixture(scope="module")
def static_server(exported: tuple[Path, ExportReport]) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(exported[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _get(base: str, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


def test_home_and_resource_pages_load(static_server: str) -> None:
    status, kind, body = _get(static_server, "/")
    assert (status, kind) == (200, "text/html")
    assert b"<h1>" in body
    status, kind, body = _get(static_server, f"{IOM}.html")
    assert (status, kind) == (200, "text/html")
    assert b"International Organization for Migration (IOM)" in body
    status, _, french = _get(static_server, f"{IOM}.fr.html")
    assert status == 200 and b"Organisation internationale pour les migrations" in french
    # the thing's IRI, on a host without rules: on to its page (directory index, then refresh)
    status, kind, stub = _get(static_server, IOM)
    assert (status, kind) == (200, "text/html")
    assert f'url={IOM}.html"'.encode() in stub


def test_every_version_iri_leads_to_its_documentation_without_rules(
    built_settings: Settings, static_server: str
) -> None:
    numbers = [p.name for p in built_settings.built_versions_dir.iterdir() if p.name[0].isdigit()]
    assert numbers, "the shipped dataset has a release"
    for number in numbers:
        status, kind, stub = _get(static_server, f"/ontology/{number}")
        assert (status, kind) == (200, "text/html"), number
        assert f'url=/ontology/{number}.html"'.encode() in stub
        status, kind, _ = _get(static_server, f"/ontology/{number}.ttl")
        assert status == 200, number


def test_every_internal_link_of_every_page_resolves(
    exported: tuple[Path, ExportReport], static_server: str
) -> None:
    out, report = exported
    pages = sorted(p for p in out.rglob("*.html"))
    assert len(pages) > 300
    checked: dict[str, int] = {}
    unresolved = []
    for page in pages:
        for match in re.finditer(r'(?:href|src|action)="(/[^"]*)"', page.read_text("utf-8")):
            link = match.group(1).replace("&amp;", "&").split("#")[0]
            if link.startswith("//") or link in checked:
                continue
            checked[link] = _get(static_server, link)[0]
            if checked[link] != 200:
                unresolved.append((link, page.relative_to(out).as_posix()))
    assert len(checked) > 500
    assert not unresolved, unresolved[:10]
    assert not report.broken, sorted(report.broken)[:10]
    assert not [link for link in checked if "?" in link], "a query string cannot name a file"
    assert not any(link.startswith(("/sparql", "/-/search")) for link in checked)


def test_rdf_documents_parse_and_hold_the_things_triples(
    exported: tuple[Path, ExportReport], static_server: str, kg_store: ox.Store
) -> None:
    iri = ox.NamedNode(f"https://w3id.org/climate-mobility{IOM}")
    own = {(q.subject, q.predicate, q.object) for q in kg_store.quads_for_pattern(iri, None, None)}
    assert own
    for fmt in RDF_FORMATS[:4]:
        status, kind, body = _get(static_server, f"{IOM}.{fmt.extension}")
        assert (status, kind) == (200, fmt.media_type), fmt.key
        parsed = {(t.subject, t.predicate, t.object) for t in ox.parse(body, format=fmt.oxigraph)}
        assert {t for t in own if not isinstance(t[2], ox.BlankNode)} <= parsed, fmt.key


def test_dumps_void_and_the_404_page_are_there(
    exported: tuple[Path, ExportReport], built_settings: Settings, static_server: str
) -> None:
    out, _ = exported
    dumps = sorted((built_settings.build_dir / "dumps").iterdir())
    assert dumps
    for dump in dumps:
        status, _, body = _get(static_server, f"/dumps/{dump.name}")
        assert status == 200 and body == dump.read_bytes()
    assert gzip.decompress((out / "dumps" / "dataset.ttl.gz").read_bytes())
    assert (out / "void.ttl").read_bytes() == (built_settings.build_dir / "void.ttl").read_bytes()
    status, _, stub = _get(static_server, "/.well-known/void")
    assert status == 200 and b"/id/dataset/climate-mobility.html" in stub
    status, _, body = _get(static_server, "/id/dataset/climate-mobility.ttl")
    assert status == 200 and b"void:Dataset" in body or b"rdfs.org/ns/void#Dataset" in body
    assert (out / "404.html").is_file()
    assert b"<h1>" in (out / "404.html").read_bytes()


def test_pages_leave_out_search_and_sparql_without_a_live_server(
    exported: tuple[Path, ExportReport],
) -> None:
    out, report = exported
    for page in (out / "index.html", out / "404.html", out / f"{IOM.lstrip('/')}.html"):
        text = page.read_text("utf-8")
        assert 'action="/-/search"' not in text and 'href="/sparql"' not in text
    assert not report.dynamic


def test_rules_cover_every_format(exported: tuple[Path, ExportReport]) -> None:
    out, _ = exported
    nginx = (out / NGINX_FILE).read_text("utf-8")
    htaccess = (out / HTACCESS_FILE).read_text("utf-8")
    # syntactically plausible: balanced braces, every directive line ends with ; { or }
    assert nginx.count("{") == nginx.count("}")
    for line in nginx.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            assert stripped.endswith((";", "{", "}")), line
    for fmt in RESOURCE_FORMATS:
        assert f'default_type "{media_types()[fmt.extension]}"' in nginx, fmt.key
        assert f'ForceType "{media_types()[fmt.extension]}"' in htaccess, fmt.key
        pattern = re.escape(fmt.media_type)
        assert pattern in nginx and pattern in htaccess, fmt.key
        assert re.search(rf"set \$ldkit_ext {fmt.extension};", nginx), fmt.key
        assert f"E=LDKIT_EXT:{fmt.extension}]" in htaccess, fmt.key
    assert 'add_header Vary "Accept" always;' in nginx and 'Vary "Accept"' in htaccess
    assert "return 303" in nginx and "R=303" in htaccess
    assert "error_page 404 /404.html;" in nginx and "ErrorDocument 404 /404.html" in htaccess
    assert "location = /.well-known/void {" in nginx
    assert "return 303 /id/dataset/climate-mobility.$ldkit_ext$is_args$args;" in nginx
    # the order of the Accept tests: an RDF type named anywhere beats the HTML page
    accept_tests = re.findall(
        r"if \(\$http_accept ~\* \"([^\"]+)\"\) \{ set \$ldkit_ext (\w+)", nginx
    )
    order = [extension for _, extension in accept_tests[: len(RESOURCE_FORMATS)]]
    assert order[0] == "html" and order[-1] == "ttl"
    for pattern, extension in accept_tests:
        fmt = next(f for f in RESOURCE_FORMATS if f.extension == extension)
        assert re.search(pattern, fmt.media_type, re.IGNORECASE)


def test_file_names_of_the_live_servers_urls() -> None:
    assert file_name("/", "text/html") == "index.html"
    assert file_name("/?_lang=fr", "text/html") == "index.fr.html"
    assert file_name("/?_format=json", "application/json") == "index.json"
    assert file_name(f"{IOM}.html?_lang=fr", "text/html") == "id/organisation/iom.fr.html"
    assert file_name(f"{IOM}.html?_format=json&_lang=fr", "") == "id/organisation/iom.fr.json"
    assert file_name(f"{IOM}.ttl?_lang=fr", "text/turtle") == "id/organisation/iom.ttl"
    assert file_name("/-/classes/a:B?_page=2", "text/html") == "-/classes/a:B.page2.html"
    assert file_name("/-/classes/a:B?_page=1", "text/html") == "-/classes/a:B.html"
    assert file_name("/-/search?q=x", "text/html") is None
    assert internal_links(b'<a href="/x?b=1&amp;a=2#f">x</a><a href="//cdn/x">y</a>') == [
        "/x?a=2&b=1"
    ]


def test_canonical_links_are_under_the_base_iri_or_the_site_url(
    exported: tuple[Path, ExportReport], built_settings: Settings, tmp_path: Path
) -> None:
    # The base IRI has a path (https://w3id.org/climate-mobility/): its origin alone named pages
    # that do not exist (https://w3id.org/id/...).
    out, _ = exported
    base = built_settings.base_iri.rstrip("/")
    for name in ("id/organisation/iom.html", "id/organisation/iom/index.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="{base}{IOM}.html">' in text, name
    elsewhere = tmp_path / "site"
    export_site(built_settings, elsewhere, site_url="https://data.example.org/")
    text = (elsewhere / "id/organisation/iom.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="https://data.example.org{IOM}.html">' in text


def test_a_site_served_under_a_path_links_under_it(
    built_settings: Settings, tmp_path: Path
) -> None:
    """A GitHub project page is served at https://example.github.io/reef/: root-absolute links
    (/id/x.html) led off the site."""
    out = tmp_path / "site"
    export_site(built_settings, out, site_url="https://example.github.io/reef/")
    linked: set[str] = set()
    for page in out.rglob("*.html"):
        for match in re.finditer(r'(?:href|src|action)="(/[^"]*)"', page.read_text("utf-8")):
            linked.add(match.group(1).replace("&amp;", "&").split("#")[0])
    assert linked and all(link.startswith("/reef/") for link in linked), sorted(linked)[:5]
    for link in linked:
        name = link.removeprefix("/reef/")
        assert (out / name).is_file() or (out / name / "index.html").is_file(), link
    stub = (out / "id" / "organisation" / "iom" / "index.html").read_text(encoding="utf-8")
    assert "url=/reef/id/organisation/iom.html" in stub
    assert 'rel="canonical" href="https://example.github.io/reef/id/organisation/iom.html"' in stub


def test_exporting_twice_gives_the_same_bytes(
    exported: tuple[Path, ExportReport], built_settings: Settings
) -> None:
    out, _ = exported
    before = _snapshot(out)
    export_site(built_settings, out)
    assert _snapshot(out) == before


def test_refuses_a_folder_that_is_not_an_export(built_settings: Settings, tmp_path: Path) -> None:
    from ldkit.pipeline.export import ExportError

    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_site(built_settings, tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        unquote(p.relative_to(folder).as_posix()): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_the_cli_builds_then_exports(dataset_copy: Path) -> None:
    from click.testing import CliRunner

    from ldkit.pipeline.cli import cli

    out = dataset_copy / "site"
    arguments = ["--root", str(dataset_copy), "export-site", str(out)]
    result = CliRunner().invoke(cli, [*arguments, "--site-url", "https://x.org"])
    assert result.exit_code == 0, result.output
    assert (dataset_copy / "dist" / "build.json").is_file()
    page = (out / "id" / "organisation" / "iom.html").read_bytes()
    assert b'href="https://x.org/id/organisation/iom.html"' in page
