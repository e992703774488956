"""Hostile input files: refused with exit 2 and one line naming the file, never an abort, never a
read of what they point to, and the previous build stays.

Each run is the real `ldkit` in its own process under a memory cap, with `RUST_BACKTRACE=1`, so a
parser that runs away aborts that process (and fails the test), not the test run.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.loading import read_folder
from ldkit.server.settings import load_settings
from ldkit.server.xml_entities import CHUNK_BYTES, EntityError, check_entities
from tests.helpers.paths import ROOT
from tests.helpers.support import assert_same_graph, run_cli

MEMORY_CAP = 2 * 1024**3  # a validation of the dataset needs under 1 GiB of address space

RDF_OPEN = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns:ex="https://example.org/hostile#">'
)


def _description(text: str) -> str:
    return (
        '<rdf:Description rdf:about="https://example.org/hostile#it">'
        f"<ex:says>{text}</ex:says></rdf:Description>"
    )


def _laughs(levels: int) -> str:
    """`lol` then `levels` entities each of ten references to the one before: 3 * 10**levels."""
    lines = ['<!ENTITY lol "lol">']
    for level in range(1, levels + 1):
        before = f"lol{level - 1}" if level > 1 else "lol"
        lines.append(f'<!ENTITY lol{level} "' + f"&{before};" * 10 + '">')
    return "\n".join(lines)


# "Billion laughs": 10 levels, under 1 KB; expanded, lol10 is 30 GB (pyoxigraph aborts at lol9).
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
    + _laughs(10)
    + "\n]>\n"
    + RDF_OPEN
    + _description("&lol10;")
    + "</rdf:RDF>\n"
)
# The same DOCTYPE inside the root element, where pyoxigraph reads it too.
BOMB_INSIDE = (
    '<?xml version="1.0"?>\n'
    + RDF_OPEN
    + "\n<!DOCTYPE rdf:RDF [\n"
    + _laughs(10)
    + "\n]>\n"
    + _description("&lol10;")
    + "</rdf:RDF>\n"
)
# No nesting: one entity under any per-entity limit, referenced 800,000 times (about 50 GB).
REFERENCES = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY big "'
    + "x" * 64_000
    + '">\n]>\n'
    + RDF_OPEN
    + _description("&big;" * 800_000)
    + "</rdf:RDF>\n"
)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _ldkit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ldkit --root ROOT ARGS...` in its own process, memory capped, Rust backtraces on."""
    return subprocess.run(
        [sys.executable, "-m", "ldkit.pipeline.cli", "--root", str(root), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RUST_BACKTRACE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_cap_memory,
    )


def _assert_refused(result: subprocess.CompletedProcess[str], shown: str) -> str:
    """Exit 2 with one line naming the file; no panic, backtrace or traceback. The line."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, f"exit {result.returncode}:\n{output[-3000:]}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, output[-3000:]
    assert lines[0].startswith(f"error: {shown}"), lines[0]
    for sign in ("panicked", "backtrace", "Traceback", "memory allocation"):
        assert sign not in output, output[-3000:]
    return lines[0]


def _write(path: Path, text: str) -> None:
    body = text.encode()
    path.write_bytes(gzip.compress(body) if path.name.endswith(".gz") else body)


@pytest.mark.parametrize(
    ("name", "document", "where"),
    [
        ("laughs.rdf", BOMB, ", line 13: "),  # the declaration of lol10
        ("laughs.owl.gz", BOMB, ", line 13: "),
        ("inside-the-root.rdf", BOMB_INSIDE, ", line 14: "),
        ("references.rdf", REFERENCES, ": "),  # the whole file
    ],
    ids=["nested", "nested-gzipped", "doctype-inside-the-root", "many-references"],
)
def test_an_entity_bomb_is_refused_naming_the_file(
    dataset_copy: Path, name: str, document: str, where: str
) -> None:
    _write(dataset_copy / "data" / name, document)
    line = _assert_refused(_ldkit(dataset_copy, "validate"), f"data/{name}{where}")
    assert "expand" in line


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    """A local port that records whether anything connected to it: (base URL, socket)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        yield f"http://127.0.0.1:{server.getsockname()[1]}", server


def _assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):  # a connection would wait in the backlog
        server.accept()[0].close()


def test_an_external_entity_naming_a_file_is_not_read(dataset_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    token = secrets.token_hex(16)
    secret.write_text(f"{token}\n")
    for system in (secret.as_uri(), "file:///etc/passwd"):
        document = (
            f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY xxe SYSTEM "{system}">\n]>\n'
            + RDF_OPEN
            + _description("&xxe;")
            + "</rdf:RDF>\n"
        )
        _write(dataset_copy / "data" / "xxe.rdf", document)
        result = _ldkit(dataset_copy, "validate")
        _assert_refused(result, "data/xxe.rdf")
        assert token not in result.stdout + result.stderr
        assert "root:" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "doctype",
    [
        '<!ENTITY remote SYSTEM "{url}/entity">',
        '<!ENTITY remote PUBLIC "-//ldkit//hostile//EN" "{url}/entity">',
        '<!ENTITY % remote SYSTEM "{url}/entities.dtd">\n%remote;',
    ],
    ids=["system", "public", "parameter"],
)
def test_an_external_entity_by_http_is_refused_without_a_connection(
    dataset_copy: Path, listener: tuple[str, socket.socket], doctype: str
) -> None:
    url, server = listener
    document = (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
        + doctype.format(url=url)
        + "\n]>\n"
        + RDF_OPEN
        + _description("text")
        + "</rdf:RDF>\n"
    )
    _write(dataset_copy / "data" / "remote.rdf", document)
    _assert_refused(_ldkit(dataset_copy, "validate"), "data/remote.rdf")
    _assert_no_connection(server)


def test_an_external_dtd_is_not_fetched(
    dataset_copy: Path, listener: tuple[str, socket.socket]
) -> None:
    url, server = listener
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{url}/rdf.dtd">\n'
        + RDF_OPEN
        + _description("text")
        + "</rdf:RDF>\n"
    )
    _write(dataset_copy / "data" / "remote.rdf", document)
    result = _ldkit(dataset_copy, "validate")
    assert "data/remote.rdf" not in result.stderr  # read, its DTD left alone
    assert "panicked" not in result.stdout + result.stderr
    _assert_no_connection(server)


@pytest.mark.parametrize(
    "context",
    ['"{url}/context.jsonld"', '["{url}/context.jsonld"]', '{{"@import": "{url}/context.jsonld"}}'],
    ids=["string", "list", "import"],
)
def test_a_remote_json_ld_context_is_refused_without_a_connection(
    dataset_copy: Path, listener: tuple[str, socket.socket], context: str
) -> None:
    url, server = listener
    document = (
        '{"@context": '
        + context.format(url=url)
        + ', "@id": "https://example.org/hostile#it", "says": "text"}\n'
    )
    _write(dataset_copy / "data" / "remote.jsonld", document)
    _assert_refused(_ldkit(dataset_copy, "validate"), "data/remote.jsonld")
    _assert_no_connection(server)


def test_invalid_utf8_names_the_file_and_the_line(dataset_copy: Path) -> None:
    (dataset_copy / "data" / "latin1.ttl").write_bytes(
        b'<https://example.org/hostile#it> <https://example.org/hostile#says> "ok" .\n'
        b'<https://example.org/hostile#it> <https://example.org/hostile#says> "caf\xe9" .\n'
    )
    _assert_refused(_ldkit(dataset_copy, "validate"), "data/latin1.ttl, line 2: ")


def test_every_file_that_does_not_parse_is_named_in_text_and_in_json(dataset_copy: Path) -> None:
    """Three broken files were told one at a time, and `--format json` printed no JSON."""
    for name in ("data/one.ttl", "data/two.trig", "shapes/three.ttl"):
        _write(dataset_copy / name, "<https://example.org/x> <https://example.org/y> .\n")
    result = run_cli(dataset_copy, "validate")
    assert result.exit_code == 2
    assert "3 files cannot be read:" in result.stderr
    for name in ("data/one.ttl, line 1", "data/two.trig, line 1", "shapes/three.ttl, line 1"):
        assert name in result.stderr
    as_json = run_cli(dataset_copy, "validate", "--format", "json")
    assert as_json.exit_code == 2
    report = json.loads(as_json.stdout)
    assert report["conforms"] is False and len(report["unreadable"]) == 3
    assert report["unreadable"][0].startswith("data/one.ttl, line 1: ")


@pytest.mark.parametrize("name", ["cut.ttl.gz", "cut.rdf.gz"])
def test_a_truncated_gzip_file_is_refused(dataset_copy: Path, name: str) -> None:
    triples = [
        f'<https://example.org/hostile#it{i}> <https://example.org/hostile#says> "{i}" .\n'
        for i in range(5000)
    ]
    body = "".join(triples).encode()
    if name.endswith(".rdf.gz"):
        body = ox.serialize(
            ox.parse(body, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.RDF_XML
        )
    compressed = gzip.compress(body)
    (dataset_copy / "data" / name).write_bytes(compressed[: len(compressed) // 2])
    _assert_refused(_ldkit(dataset_copy, "validate"), f"data/{name}: ")


@pytest.mark.parametrize("name", ["garbage.ttl", "garbage.rdf"])
def test_50_mb_of_garbage_is_refused(dataset_copy: Path, name: str) -> None:
    (dataset_copy / "data" / name).write_bytes(os.urandom(50 * 1024 * 1024))
    _assert_refused(_ldkit(dataset_copy, "validate"), f"data/{name}")


def _as_rdf_xml_with_entities(turtle: Path) -> str:
    """The triples of a Turtle file as RDF/XML whose IRIs are abbreviated by entities."""
    quads = ox.parse(path=str(turtle), format=ox.RdfFormat.TURTLE)
    body = ox.serialize(quads, format=ox.RdfFormat.RDF_XML).decode()
    entities = {
        "id": "https://w3id.org/climate-mobility/id/",
        "schema": "https://schema.org/",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "dcterms": "http://purl.org/dc/terms/",
    }
    for name, iri in entities.items():
        body = body.replace(f'="{iri}', f'="&{name};')
    declarations = "".join(f'\n  <!ENTITY {name} "{iri}">' for name, iri in entities.items())
    head, _, rest = body.partition("?>")
    return f"{head}?>\n<!DOCTYPE rdf:RDF [{declarations}\n]>{rest}"


def test_namespace_entities_of_an_owl_file_still_work(dataset_copy: Path) -> None:
    sources = dataset_copy / "data" / "sources.ttl"
    expected = to_graph(read_folder(load_settings(dataset_copy)).data.quads)
    document = _as_rdf_xml_with_entities(sources)
    for name in ("id", "schema", "rdfs", "dcterms"):  # in rdf:about, rdf:resource and xmlns
        assert document.count(f'="&{name};') > 5, name
    sources.unlink()
    _write(dataset_copy / "data" / "sources.rdf", document)
    assert_same_graph(to_graph(read_folder(load_settings(dataset_copy)).data.quads), expected)
    result = _ldkit(dataset_copy, "validate")
    assert result.returncode == 0, result.stdout + result.stderr


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) with a hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_hostile_file_leaves_the_previous_build_untouched(dataset_copy: Path) -> None:
    built = _ldkit(dataset_copy, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    before = _snapshot(dataset_copy)
    hostile = {
        "laughs.rdf": BOMB.encode(),
        "xxe.rdf": (
            '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + RDF_OPEN
            + _description("&x;")
            + "</rdf:RDF>"
        ).encode(),
        "cut.ttl.gz": gzip.compress(b"<https://example.org/a> <https://example.org/b> 1 .\n")[:20],
        "garbage.ttl": os.urandom(1024 * 1024),
    }
    for name, body in hostile.items():
        path = dataset_copy / "data" / name
        path.write_bytes(body)
        _assert_refused(_ldkit(dataset_copy, "build"), f"data/{name}")
        path.unlink()
        assert _snapshot(dataset_copy) == before, name


def _refusal(document: bytes, *, chunked: bool) -> str | None:
    try:
        check_entities(io.BytesIO(document) if chunked else document)
    except EntityError as error:
        return str(error)
    return None


@pytest.mark.parametrize("chunked", [False, True], ids=["bytes", "stream"])
@pytest.mark.parametrize("shift", [-300, -9, -5, -1, 0, 1, 4, 200])
def test_entities_are_found_across_the_chunks_of_a_stream(chunked: bool, shift: int) -> None:
    """A DOCTYPE or a reference cut by a chunk boundary is read whole."""
    doctype = b'<!DOCTYPE rdf:RDF [<!ENTITY big "' + b"x" * 60_000 + b'">]>'
    head = b'<?xml version="1.0"?>\n' + RDF_OPEN.encode() + b"<!-- "
    document = head + b"p" * (CHUNK_BYTES + shift - len(head) - 4) + b" -->"
    assert len(document) == CHUNK_BYTES + shift  # the DOCTYPE starts `shift` after the first chunk
    document += doctype
    opening = b'<rdf:Description rdf:about="https://example.org/hostile#it"><ex:says>'
    document += opening + b"q" * (3 * CHUNK_BYTES + shift - len(document) - len(opening))
    assert len(document) == 3 * CHUNK_BYTES + shift  # the references start `shift` after a chunk
    references = b"&big;" * 400  # 24 MB of expansion
    document += references + b"</ex:says></rdf:Description></rdf:RDF>"
    refusal = _refusal(document, chunked=chunked)
    assert refusal is not None and "in all" in refusal
    assert _refusal(document.replace(b"x" * 60_000, b"x" * 60), chunked=chunked) is None
    nested = document.replace(doctype, BOMB.split("\n", 1)[1].split("]>", 1)[0].encode() + b"]>")
    assert "lol10" in (_refusal(nested, chunked=chunked) or "")


@pytest.mark.parametrize(
    ("declarations", "reason"),
    [
        ('<!ENTITY a "&b;"><!ENTITY b "&a;">', "refers to itself"),
        ('<!ENTITY % p "x">', "parameter entity"),
        ('<!ENTITY a "x&amp;lol9;">', 'makes a "&"'),
        ('<!ENTITY a "x&#38;lol9;">', 'makes a "&"'),
        ("<!ENTITY a 'single'>", "double quotes"),
        ('<!ENTITY\u00a0a "x">', "cannot read"),
    ],
    ids=["cycle", "parameter", "amp", "character-amp", "single-quotes", "odd-space"],
)
def test_entities_parsers_could_misread_are_refused(declarations: str, reason: str) -> None:
    document = f"<!DOCTYPE rdf:RDF [{declarations}]>{RDF_OPEN}</rdf:RDF>".encode()
    assert reason in (_refusal(document, chunked=False) or "")


def test_an_entity_bomb_sent_to_the_graph_store_is_a_400(tmp_path: Path) -> None:
    # The query process used to parse the body as it came and abort on the allocation.
    from ldkit.server.app import create_app
    from tests.helpers.servers import sample_settings

    app = create_app(sample_settings(tmp_path, update_token="t"), pool_size=1)
    client = app.test_client()
    try:
        response = client.post(
            "/sparql/graph?graph=https%3A%2F%2Fexample.org%2Fg",
            data=BOMB.encode(),
            headers={"Authorization": "Bearer t", "Content-Type": "application/rdf+xml"},
        )
        assert response.status_code == 400
        assert "would expand to" in response.get_data(as_text=True)
        assert client.get("/sparql?query=ASK%7B%7D").status_code == 200
    finally:
        app.extensions["ldkit_store"].close()
