"""Where the tests find the repository, its fixtures and the W3C test data."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
W3C = TESTS / "w3c"
