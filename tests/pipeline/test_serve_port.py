"""`ldkit serve` on a port something already listens on: one line and exit 2, never a second
server taking turns with the first (granian listens with SO_REUSEPORT)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from ldkit.server.settings import Settings
from tests.helpers.paths import ROOT


def test_a_port_in_use_is_refused_before_anything_starts(
    built_settings: Settings, tmp_path: Path
) -> None:
    assert built_settings.build_dir.is_dir()  # built once for the session: no build here
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ldkit.pipeline.cli",
                "--root",
                str(ROOT),
                "serve",
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert done.returncode == 2, done.stderr
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "serving" not in done.stderr and "Traceback" not in done.stderr
