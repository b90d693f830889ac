"""How the benchmarks run: the sides of a comparison in turn, each timed run on a settled disk, and
progress on standard error while they run."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

CONSOLE = Console(stderr=True, highlight=False)


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Callable[[], None]]:
    """A progress line for the block: a bar of `total` steps, advanced by calling what the block
    gets, or, without a total, a line that shows how long the block took."""
    columns: list[ProgressColumn] = [TextColumn("  {task.description}"), BarColumn()]
    if total is None:
        columns.append(TimeElapsedColumn())
    else:
        columns += [MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=CONSOLE) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)
        bar.update(task, total=total or 1, completed=total or 1)


def settle(*databases: Path) -> None:
    """Wait until SQLite has checkpointed the WAL of `databases` (it removes the WAL when the last
    connection closes, after a server has answered) and the disk has everything written: each run
    then starts on an idle disk instead of paying for the writeback of the one before."""
    deadline = time.monotonic() + 60
    for database in databases:
        wal = Path(f"{database}-wal")
        while wal.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    os.sync()


def alternate(
    sides: Mapping[str, Callable[[], float]],
    runs: int,
    *,
    label: str,
    settled: Callable[[], None] = settle,
) -> dict[str, list[float]]:
    """The seconds of `runs` runs of each side, which returns the seconds of what it times. The
    sides take turns, each run after `settled`, and every other round in the reverse order (A B B A
    A B ..., not A A B B nor A B A B): whatever else the machine does, and whatever a run leaves
    to the next, falls on every side alike."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    with progress(label, runs * len(sides)) as advance:
        for round_number in range(runs):
            order = list(sides.items())
            for name, side in order if round_number % 2 == 0 else reversed(order):
                settled()
                times[name].append(side())
                advance()
    return times
