"""What the command line prints on stderr: one console, and one way to say an error."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console

EXIT_ERROR = 2  # bad usage, or input that cannot be read

err = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)


def say_error(message: str) -> None:
    """Print a one-line error a person can act on (and go on)."""
    err.print(f"[bold red]error:[/] {message}")


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print a one-line error a person can act on, and stop with `code`."""
    say_error(message)
    sys.exit(code)
