"""Helpers of the SPARQL endpoint tests: scratch builds and a real gunicorn server on loopback."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ldkit.server.settings import Settings, load_settings
from tests.helpers.paths import ROOT, W3C

KASEI = "http://kasei.us/2009/09/sparql/data/"


# The default stack, and gunicorn's (`--stack gthread`): each parses HTTP its own way.
HTTP_STACKS = ("granian", "gthread")


def logged_server(settings: Settings, log_dir: Path, stack: str, workers: int = 1) -> RunningServer:
    """A live server on `stack` with a 5 s time limit, its log in `log_dir/server.log`."""
    log = log_dir / "server.log"
    return RunningServer(settings.replace(time_limit=5), workers=workers, log=log, stack=stack)


def make_build(
    build_dir: Path,
    graphs: Mapping[str | None, Iterable[ox.Triple]],
    version: str = "0123456789abcdef",
) -> None:
    """A build folder as `ldkit build` writes it: `store/` and `build.json` (None: default)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(build_dir / "store"))
    count = 0
    for name, triples in graphs.items():
        graph = ox.NamedNode(name) if name else ox.DefaultGraph()
        if name:
            store.add_graph(graph)
        for triple in triples:
            store.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
            count += 1
    store.flush()
    del store
    info = {
        "version": version,
        "built_at": "2026-01-02T03:04:05+00:00",
        "triples": count,
        "quads": count,
    }
    (build_dir / "build.json").write_text(json.dumps(info), encoding="utf-8")


def w3c_build(build_dir: Path) -> None:
    """The dataset the W3C protocol tests expect: dataN.rdf graphs from dataN.nt, data0 empty."""
    graphs: dict[str | None, list[ox.Triple]] = {f"{KASEI}data0.rdf": []}
    for n in (1, 2, 3):
        data = (W3C / f"data{n}.nt").read_bytes()
        graphs[f"{KASEI}data{n}.rdf"] = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    make_build(build_dir, graphs)


def scratch_settings(tmp: Path, **overrides: Any) -> Settings:
    """Settings of an empty dataset folder whose build goes to `tmp/dist`."""
    root = tmp / "dataset"
    root.mkdir(exist_ok=True)
    return load_settings(root, out=tmp / "dist", **overrides)


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningServer:
    """`pipeline.serve.serve` in a child process, stopped (with its query processes) on exit."""

    def __init__(
        self, settings: Settings, workers: int = 1, log: Path | None = None, stack: str = ""
    ) -> None:
        self.stack = stack  # `ldkit serve --stack` (empty: its default)
        self.port = free_port()
        self.settings = settings
        self.workers = workers
        self.log = log  # the server's stderr goes here when given (else the test's)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def __enter__(self) -> RunningServer:
        overrides = {
            "out": str(self.settings.build_dir),
            "time_limit": self.settings.time_limit,
            "row_limit": self.settings.row_limit,
            "update_token": self.settings.update_token,
            "service_allow_list": list(self.settings.service_allow_list),
        }
        code = (
            "import json, sys; from pathlib import Path\n"
            "from ldkit.server.settings import load_settings\n"
            "from ldkit.pipeline.serve import serve\n"
            "o = json.loads(sys.argv[2]); o['out'] = Path(o['out'])\n"
            "o['service_allow_list'] = tuple(o['service_allow_list'])\n"
            "settings = load_settings(sys.argv[1], **o)\n"
            "stack = {'stack': sys.argv[5]} if sys.argv[5] else {}\n"
            "serve(settings, '127.0.0.1', int(sys.argv[3]), int(sys.argv[4]), **stack)"
        )
        args = [
            sys.executable,
            "-c",
            code,
            str(self.settings.root),
            json.dumps(overrides),
            str(self.port),
            str(self.workers),
            self.stack,
        ]
        stderr = self.log.open("ab") if self.log is not None else None
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            start_new_session=True,
            stderr=stderr,
        )
        if stderr is not None:
            stderr.close()
        self._wait_ready()
        return self

    def _wait_ready(self, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, "server exited"
            try:
                status, _, _ = self.request("GET", "/sparql?query=ASK%7B%7D")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the server did not start")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request: status, headers (lower-case names) and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()

    def update(self, text: str, token: str) -> tuple[int, dict[str, str], bytes]:
        """A SPARQL update sent by POST with the bearer token."""
        headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"}
        return self.request("POST", "/sparql", text, headers)

    def log_text(self) -> str:
        """What the server has logged so far (with `log`)."""
        assert self.log is not None
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        """Whether the server still runs and answers a page."""
        assert self.process is not None
        return self.process.poll() is None and self.request("GET", "/")[0] == 200

    def kill(self) -> None:
        """Kill the server and every process it started at once, as a crash or power cut would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


BASE = "https://example.org/ds/"
EXAMPLE_QUERY = """#+ summary: Which organisations are there?
#+ summary_fr: Quelles organisations y a-t-il ?
SELECT ?org ?name
WHERE { ?org a <https://schema.org/Organization> ; <https://schema.org/name> ?name }
"""


def sample_triples(count: int = 3) -> list[ox.Triple]:
    """Organisations under BASE with names (one holding markup), as in a small real dataset."""
    schema = "https://schema.org/"
    triples = []
    for n in range(count):
        org = ox.NamedNode(f"{BASE}id/organisation/org{n}")
        triples.append(
            ox.Triple(org, ox.NamedNode(f"{RDF_TYPE}"), ox.NamedNode(f"{schema}Organization"))
        )
        name = "<script>alert(1)</script>" if n == 0 else f"Organisation {n}"
        triples.append(
            ox.Triple(org, ox.NamedNode(f"{schema}name"), ox.Literal(name, language="en"))
        )
    return triples


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def sample_settings(tmp: Path, **overrides: Any) -> Settings:
    """A scratch dataset (base BASE, one competency question) built with `sample_triples`."""
    root = tmp / "dataset"
    (root / "queries").mkdir(parents=True, exist_ok=True)
    (root / "queries" / "01-organisations.rq").write_text(EXAMPLE_QUERY, encoding="utf-8")
    (root / "ldkit.toml").write_text(f'base_iri = "{BASE}"\nname = "sample"\n', encoding="utf-8")
    settings = load_settings(root, out=tmp / "dist", **overrides)
    make_build(
        settings.build_dir,
        {
            f"{BASE}id/graph/organisations": sample_triples(),
            f"{BASE}id/graph/extra": [
                ox.Triple(
                    ox.NamedNode(f"{BASE}id/thing/x"),
                    ox.NamedNode(f"{BASE}p"),
                    ox.Literal("in extra"),
                )
            ],
        },
    )
    return settings


def raw_request(port: int, data: bytes, timeout: float = 10.0) -> int:
    """Send bytes as they are (a malformed request) and read the status of the answer (0: none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        answer = b""
        while b"\r\n" not in answer:
            try:
                chunk = connection.recv(4096)
            except TimeoutError:
                break
            if not chunk:
                break
            answer += chunk
    fields = answer.split(b" ", 2)
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
