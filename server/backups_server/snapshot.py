"""Consistent snapshots of a live SQLite database, with the online backup API."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

STEPS = 100
"""Progress reports during a copy: the database is copied in this many steps..."""
PAGES_PER_STEP = (64, 4096)
"""...of at least and at most this many pages (256 KiB and 16 MiB with the default page size)."""

BUSY_TIMEOUT = 30.0
"""Seconds to wait for a writer that holds the database locked (rollback-journal mode only)."""


def snapshot(database: Path, target: Path, on_progress: Callable[[int, int], None]) -> int:
    """Copy one committed state of `database` into the new file `target`; returns its size in bytes.

    The source connection opens a read transaction first and holds it for the whole copy, so every
    step copies the same committed state and the backup never restarts, however busy the writers
    are. In WAL mode they keep committing meanwhile; with a rollback journal they wait for the copy.
    `on_progress(done, total)` is called after each step, in bytes.
    """
    source_uri = database.resolve().as_uri() + "?mode=rw"
    with closing(sqlite3.connect(source_uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)) as source:
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        page_size: int = source.execute("PRAGMA page_size").fetchone()[0]
        page_count: int = source.execute("PRAGMA page_count").fetchone()[0]
        fewest, most = PAGES_PER_STEP
        with closing(sqlite3.connect(target, isolation_level=None)) as copy:
            copy.execute("PRAGMA journal_mode=OFF")
            copy.execute("PRAGMA synchronous=OFF")
            source.backup(
                copy,
                pages=min(max(page_count // STEPS, fewest), most),
                progress=lambda _status, remaining, total: on_progress(
                    (total - remaining) * page_size, total * page_size
                ),
            )
        source.execute("ROLLBACK")
    return target.stat().st_size
