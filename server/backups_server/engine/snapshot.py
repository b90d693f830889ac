"""Consistent snapshots of a live SQLite database, read in place or copied with the online backup
API, and their check."""

from __future__ import annotations

import errno
import os
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, BinaryIO

from backups_server.errors import DatabaseCorrupt

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

STEPS = 100
"""Progress reports during a copy: the database is copied in this many steps..."""
PAGES_PER_STEP = (64, 4096)
"""...of at least and at most this many pages (256 KiB and 16 MiB with the default page size)."""

COPY_STEP = 16 * 1024 * 1024
"""The bytes a copy of a database read in place copies at each of its steps."""
KERNEL_COPY_REFUSED = frozenset({errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL})
"""What copy_file_range fails with when it cannot copy between two files, which reading and writing can."""

BUSY_TIMEOUT = 30.0
"""Seconds to wait for a writer that holds the database locked (rollback-journal mode only)."""

PIN_WAIT = 1.0
"""Seconds to wait for the write lock that reading a database in place takes for an instant; a
writer that holds it longer gets the snapshot copied instead."""

MAX_FINDING = 120
"""A finding of the check is cut to this length in the message."""


@dataclass(frozen=True)
class Snapshot:
    """One committed state of a database: `file`, read from its start to its end (`size` bytes), and
    `check`, which raises DatabaseCorrupt with what SQLite's check of that state finds."""

    file: BinaryIO
    size: int
    check: Callable[[], None]
    in_place: bool
    """Whether `file` is the database itself rather than a copy."""


@contextmanager
def taken(database: Path, scratch: Path, on_progress: Callable[[int, int], None]) -> Iterator[Snapshot]:
    """A snapshot of `database` for the block: the database file itself when it can be, else a copy
    in the folder `scratch` (`snapshot`). `on_progress(done, total)` follows the copy, in bytes.

    In WAL mode, once the WAL is wholly copied back into the database file, the file holds the last
    committed state, and a read transaction begun on that state keeps it there: SQLite copies no
    later commit into the file while a reader may need the file as it is. So the block reads the
    file itself, while writers keep committing into the WAL (which grows until the block ends).
    When the WAL cannot be wholly copied back (a reader keeps an older state), the write lock cannot
    be had within PIN_WAIT, or the database has a rollback journal, the state is copied.
    """
    with _in_place(database) as pinned:
        if pinned is not None:
            file, reader, size = pinned
            on_progress(size, size)
            yield Snapshot(file, size, partial(_check_connection, reader), in_place=True)
            return
    copy = scratch / "snapshot.sqlite"
    size = snapshot(database, copy, on_progress)
    with copy.open("rb") as file:
        yield Snapshot(file, size, partial(check, copy), in_place=False)


def copy_of(database: Path, target: Path, on_progress: Callable[[int, int], None]) -> int:
    """Copy one committed state of `database` into the new file `target`; returns its size in bytes.
    A copy of the file itself, made by the kernel, when the state can be read in place (`taken`),
    else `snapshot`'s. `on_progress(done, total)` is called after each step, in bytes."""
    with _in_place(database) as pinned:
        if pinned is not None:
            file, _, size = pinned
            with target.open("wb") as copy:
                for start in range(0, size, COPY_STEP):
                    _copy_range(file, copy, start, min(COPY_STEP, size - start))
                    on_progress(min(start + COPY_STEP, size), size)
            return size
    return snapshot(database, target, on_progress)


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
            return _finding(connection)
    except sqlite3.DatabaseError as error:
        return _shortened(str(error))


def _finding(connection: sqlite3.Connection) -> str | None:
    """The first problem `PRAGMA quick_check` finds in what `connection` reads, or None."""
    try:
        first: str = connection.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.DatabaseError as error:
        first = str(error)
    return None if first == "ok" else _shortened(first)


def _check_connection(connection: sqlite3.Connection) -> None:
    if finding := _finding(connection):
        raise DatabaseCorrupt(finding)


def _shortened(first: str) -> str:
    lines = [line for line in first.splitlines() if line and not line.startswith("*** in database")]
    finding = (lines or [first])[0]
    return finding if len(finding) <= MAX_FINDING else finding[: MAX_FINDING - 3] + "..."


@contextmanager
def _in_place(database: Path) -> Iterator[tuple[BinaryIO, sqlite3.Connection, int] | None]:
    """The database's file, a connection in a read transaction on the state it holds whole (`taken`),
    and the state's size, for the block; None when the state is not to be had so."""
    # Opened first, closed last: closing a file drops every POSIX lock this process holds on it, and
    # SQLite's connections keep theirs until they are closed.
    with database.open("rb") as file:
        pinned = _pin(database, file)
        if pinned is None:
            yield None
            return
        reader, size = pinned
        with closing(reader):
            yield file, reader, size


def _copy_range(source: BinaryIO, target: BinaryIO, offset: int, count: int) -> None:
    """Copy `count` bytes of `source` at `offset` to the same place in `target`."""
    while count > 0:
        done = _copied(source, target, offset, count)
        if done == 0:
            raise OSError(errno.EIO, f"{source.name} ended before its last page")
        offset, count = offset + done, count - done


def _copied(source: BinaryIO, target: BinaryIO, offset: int, count: int) -> int:
    """Copy up to `count` bytes at `offset`; how many. Within the kernel where it can (copy_file_range,
    on Linux), else through memory: the kernel refuses between some file systems (the scratch folder
    may be on another than the database), and some file systems refuse it altogether."""
    if hasattr(os, "copy_file_range"):
        try:
            return os.copy_file_range(source.fileno(), target.fileno(), count, offset, offset)
        except OSError as error:
            if error.errno not in KERNEL_COPY_REFUSED:
                raise
    return os.pwrite(target.fileno(), os.pread(source.fileno(), count, offset), offset)


def _pin(database: Path, file: BinaryIO) -> tuple[sqlite3.Connection, int] | None:
    """A connection in a read transaction on the state that `file`, the database's file, holds whole
    (see `taken`), and the state's size in bytes; None when the state is not to be had so."""
    uri = database.resolve().as_uri() + "?mode=rw"
    reader = sqlite3.connect(
        uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT, check_same_thread=False
    )
    try:
        with closing(sqlite3.connect(uri, uri=True, isolation_level=None, timeout=PIN_WAIT)) as writer:
            if reader.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                raise _NotInPlace
            reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()  # the bulk, before the lock
            writer.execute("BEGIN IMMEDIATE")
            try:
                _, frames, copied = reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames != copied:
                    raise _NotInPlace
                reader.execute("BEGIN")
                reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                writer.execute("ROLLBACK")
        page_size: int = reader.execute("PRAGMA page_size").fetchone()[0]
        size: int = page_size * reader.execute("PRAGMA page_count").fetchone()[0]
        if os.fstat(file.fileno()).st_size != size:
            raise _NotInPlace
    except (_NotInPlace, sqlite3.Error):
        reader.close()
        return None
    return reader, size


class _NotInPlace(Exception):
    """The database's state is not to be read in place: it is to be copied."""


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
