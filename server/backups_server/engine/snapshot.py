"""Consistent snapshots of a live SQLite database, with the online backup API, and their check."""

from __future__ import annotations

import errno
import os
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

from backups_server.errors import DatabaseCorrupt

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

STEPS = 100
"""Progress reports during a copy: the database is copied in this many steps..."""
PAGES_PER_STEP = (64, 4096)
"""...of at least and at most this many pages (256 KiB and 16 MiB with the default page size)."""

BUSY_TIMEOUT = 30.0
"""Seconds to wait for a writer that holds the database locked (rollback-journal mode only)."""

MAX_FINDING = 120
"""A finding of the check is cut to this length in the message."""


def snapshot(database: Path, target: Path, on_progress: Callable[[int, int], None]) -> int:
    """Copy one committed state of `database` into the new file `target`; returns its size in bytes.

    The source connection opens a read transaction first and holds it for the whole copy, so every
    step copies the same committed state and the backup never restarts, however busy the writers
    are. In WAL mode they keep committing meanwhile; with a rollback journal they wait for the copy.
    `on_progress(done, total)` is called after each step, in bytes. Raises DatabaseCorrupt when
    SQLite finds the database damaged on the way, and OSError(ENOSPC) when `target`'s disk is full.
    """
    try:
        return _copy(database, target, on_progress)
    except sqlite3.Error as error:
        if error.sqlite_errorcode == sqlite3.SQLITE_FULL:  # what SQLite makes of ENOSPC
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from error
        if error.sqlite_errorcode == sqlite3.SQLITE_CORRUPT:
            raise DatabaseCorrupt(str(error)) from error
        raise


def pages_per_step(page_count: int) -> int:
    """The pages a copy of `page_count` pages copies at each of its steps."""
    fewest, most = PAGES_PER_STEP
    return min(max(page_count // STEPS, fewest), most)


def check(copy: Path) -> None:
    """Raise DatabaseCorrupt with the first finding of `first_finding`, if it has one."""
    if finding := first_finding(copy):
        raise DatabaseCorrupt(finding)


def first_finding(database: Path) -> str | None:
    """The first problem `PRAGMA quick_check` finds in a database file, or None if it finds none.

    quick_check verifies every page, cell, record and constraint but not that indexes match their
    tables, which integrity_check adds at three times the cost. Every backup passes it before it is
    listed, and every restoration before it replaces anything: a listed backup can be restored.
    """
    uri = database.resolve().as_uri() + "?immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            first: str = connection.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.DatabaseError as error:
        first = str(error)
    if first == "ok":
        return None
    lines = [line for line in first.splitlines() if line and not line.startswith("*** in database")]
    finding = (lines or [first])[0]
    return finding if len(finding) <= MAX_FINDING else finding[: MAX_FINDING - 3] + "..."


def _copy(database: Path, target: Path, on_progress: Callable[[int, int], None]) -> int:
    source_uri = database.resolve().as_uri() + "?mode=rw"
    with closing(sqlite3.connect(source_uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)) as source:
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        page_size: int = source.execute("PRAGMA page_size").fetchone()[0]
        page_count: int = source.execute("PRAGMA page_count").fetchone()[0]
        with closing(sqlite3.connect(target, isolation_level=None)) as copy:
            copy.execute("PRAGMA journal_mode=OFF")
            copy.execute("PRAGMA synchronous=OFF")
            source.backup(
                copy,
                pages=pages_per_step(page_count),
                progress=lambda _status, remaining, total: on_progress(
                    (total - remaining) * page_size, total * page_size
                ),
            )
        source.execute("ROLLBACK")
    return target.stat().st_size
