"""What the command line prints on stderr: one console, one way to say an error, and the build a
command needs (or why there is none)."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console

from ldkit.pipeline import reports
from ldkit.pipeline.build import BuildFailed, BuildInfo, BuildRefused, build_folder, is_stale
from ldkit.pipeline.loading import InputError
from ldkit.server.settings import Settings

EXIT_ERROR = 2  # bad usage, or input that cannot be read

err = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)


def say_error(message: str) -> None:
    """Print a one-line error a person can act on (and go on)."""
    err.print(f"[bold red]error:[/] {message}")


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print a one-line error a person can act on, and stop with `code`."""
    say_error(message)
    sys.exit(code)


def build_or_fail(settings: Settings) -> BuildInfo:
    """Build the folder for a command that needs the build; one line and the exit code when it
    cannot (1 when the data does not conform, with the report; 2 for input or a failed build)."""
    try:
        return build_folder(settings, progress=sys.stderr.isatty())
    except InputError as error:
        fail(str(error))
    except BuildRefused as refused:
        reports.print_report(refused.report, "text")
        fail(f"not built: {refused}", 1)
    except BuildFailed as error:
        fail(str(error))


def build_if_stale(settings: Settings) -> None:
    """Build the folder when its build is missing or older than its files (as `build_or_fail`)."""
    if is_stale(settings):
        build_or_fail(settings)
