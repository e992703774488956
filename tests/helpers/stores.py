"""Real SPARQL stores for the tests, on free loopback ports: the Oxigraph server and Virtuoso.

Both classes answer the same questions (where to query, update and reach the Graph Store, which
URL queries the union of all graphs, which graphs the store holds of its own) and start, stop and
kill the same way, so a test can run over either.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.helpers.servers import free_port

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
# Debian's virtuoso-opensource (`make test` installs it, see tools/system-packages.txt); the
# system service is never used.
VIRTUOSO = Path(shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t")
ISQL = Path(shutil.which("isql-vt") or "/usr/bin/isql-vt")


class OxigraphServer:
    """`oxigraph serve` over a folder, started and stopped by a test."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.url}/update"

    @property
    def gsp_url(self) -> str:
        return f"{self.url}/store"

    @property
    def union_query_url(self) -> str:
        """Queries whose default graph is the union of all graphs (Oxigraph's is its own)."""
        return f"{self.query_url}?union-default-graph"

    @property
    def system_graphs(self) -> frozenset[str]:
        """Graphs the store holds before anything is published into it: none."""
        return frozenset()

    def load(self, fixture: Path) -> OxigraphServer:
        """Load an RDF file into the (stopped) store with `oxigraph load`."""
        command = [str(OXIGRAPH), "load", "--location", str(self.location), "--file", str(fixture)]
        subprocess.run(command, check=True, capture_output=True)
        return self

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> OxigraphServer:
        assert OXIGRAPH.exists(), f"the Oxigraph server is not installed at {OXIGRAPH}"
        self.process = subprocess.Popen(
            [
                str(OXIGRAPH),
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.query_url}?query=ASK%7B%7D", timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the Oxigraph server did not start")

    def kill(self) -> None:
        """Stop the server at once, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def wipe(self) -> None:
        self.stop()
        shutil.rmtree(self.location, ignore_errors=True)


class VirtuosoServer:
    """Virtuoso open source over a folder: its own virtuoso.ini, database and loopback ports.

    The anonymous SPARQL user is granted SPARQL_UPDATE (the Debian package's default refuses
    updates), which opens `/sparql` to updates and `/sparql-graph-crud` to writes: acceptable on a
    loopback server that lives for one test. Its default graph is already the union of all graphs.
    """

    user = "dba"
    password = "dba"

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = free_port()
        self.sql_port = free_port()
        while self.sql_port == self.port:
            self.sql_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._system_graphs: frozenset[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.url}/sparql"

    @property
    def update_url(self) -> str:
        return f"{self.url}/sparql"

    @property
    def gsp_url(self) -> str:
        return f"{self.url}/sparql-graph-crud"

    @property
    def union_query_url(self) -> str:
        return self.query_url

    @property
    def system_graphs(self) -> frozenset[str]:
        """Graphs a fresh database holds (Virtuoso's own schemas), recorded at its first start."""
        assert self._system_graphs is not None, "start the server first"
        return self._system_graphs

    def start(self) -> VirtuosoServer:
        assert VIRTUOSO.exists(), (
            f"Virtuoso is not installed at {VIRTUOSO} (Debian package virtuoso-opensource)"
        )
        self.location.mkdir(parents=True, exist_ok=True)
        fresh = not (self.location / "virtuoso.db").exists()
        ini = self.location / "virtuoso.ini"
        ini.write_text(self._ini(), encoding="utf-8")
        with open(self.location / "virtuoso.out", "ab") as log:
            self.process = subprocess.Popen(
                [str(VIRTUOSO), "+foreground", "+configfile", str(ini)],
                cwd=self.location,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as one
            )
        try:
            self._wait_until_answering(deadline=time.monotonic() + 60)
            if fresh:
                self._isql('GRANT SPARQL_UPDATE TO "SPARQL";')
            if self._system_graphs is None:
                self._system_graphs = frozenset(self._graphs())
        except BaseException:
            self.stop()
            raise
        return self

    def kill(self) -> None:
        """Stop the server at once, as a crash would."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        self._end(signal.SIGTERM)

    def wipe(self) -> None:
        self.stop()
        shutil.rmtree(self.location, ignore_errors=True)

    def _ini(self) -> str:
        folder = self.location.resolve()
        return f"""\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{self.sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{self.port}
ServerRoot = {folder}
ServerThreads = 10
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""

    def _wait_until_answering(self, deadline: float) -> None:
        probe = f"{self.query_url}?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"Virtuoso exited on start: {self._log_tail()}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise RuntimeError(f"Virtuoso did not answer within a minute: {self._log_tail()}")

    def _isql(self, statements: str) -> None:
        command = [str(ISQL), f"127.0.0.1:{self.sql_port}", self.user, self.password]
        done = subprocess.run(
            command + [f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt {statements!r} failed: {done.stdout}{done.stderr}")

    def _graphs(self) -> list[str]:
        query = urllib.parse.quote("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        request = urllib.request.Request(
            f"{self.query_url}?query={query}",
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            rows = json.load(response)["results"]["bindings"]
        return [row["g"]["value"] for row in rows]

    def _log_tail(self) -> str:
        log = self.location / "virtuoso.out"
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        return " | ".join(text.splitlines()[-5:])

    def _end(self, how: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, how)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # a child left behind by the server
        self.process = None
