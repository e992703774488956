"""Progress bars for long work, on stderr, the one place that draws them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)


@contextlib.contextmanager
def progress_bar(
    what: str, total: int, *, enabled: bool = True, in_bytes: bool = False
) -> Iterator[Callable[[int], None]]:
    """A transient progress bar; `advance(n)` moves it on. Draws nothing when not `enabled`."""
    if not enabled:
        yield lambda _n: None
        return
    count = DownloadColumn() if in_bytes else MofNCompleteColumn()
    columns = (TextColumn(what), BarColumn(), count, TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(what, total=total)
        yield lambda n: progress.advance(task, n)
