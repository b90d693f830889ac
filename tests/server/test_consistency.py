"""A backup is one committed state of the database, however busy the other connections are."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from contextlib import closing
from typing import TYPE_CHECKING, BinaryIO

import httpx
import pytest

from backups_server.engine import snapshot as snapshots
from backups_server.engine.restore import check_integrity, restore
from backups_server.engine.snapshot import copy_of, snapshot, taken
from tests.helpers import key_ring

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.helpers import ServerFactory, StoreUnderTest

ROWS = 2000


def payload(number: int) -> bytes:
    return hashlib.sha256(str(number).encode()).digest() * 32


def make_ledger(path: Path) -> Path:
    """A database whose every committed state is `head = N` with exactly the entries 1..N."""
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("PRAGMA journal_mode=wal")
        connection.execute("CREATE TABLE ledger (number INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
        connection.execute("CREATE TABLE head (number INTEGER NOT NULL)")
        connection.executemany(
            "INSERT INTO ledger VALUES (?, ?)", [(n, payload(n)) for n in range(1, ROWS + 1)]
        )
        connection.execute("INSERT INTO head VALUES (?)", (ROWS,))
    return path


def commit_next(connection: sqlite3.Connection) -> int:
    """Commit the next state: one more entry, and the head moved to it."""
    connection.execute("BEGIN IMMEDIATE")
    number: int = connection.execute("SELECT number + 1 FROM head").fetchone()[0]
    connection.execute("INSERT INTO ledger VALUES (?, ?)", (number, payload(number)))
    connection.execute("UPDATE head SET number = ?", (number,))
    connection.execute("COMMIT")
    return number


def committed_head(path: Path) -> int:
    """The head of the latest state committed to the database."""
    with closing(sqlite3.connect(path)) as connection:
        (head,) = connection.execute("SELECT number FROM head").fetchone()
    return int(head)


def committed_state(path: Path) -> int:
    """The state a database file holds; fails unless it is exactly one committed state."""
    check_integrity(path)
    with closing(sqlite3.connect(path)) as connection:
        (head,) = connection.execute("SELECT number FROM head").fetchone()
        entries = connection.execute("SELECT number, payload FROM ledger ORDER BY number").fetchall()
    assert entries == [(n, payload(n)) for n in range(1, head + 1)]
    return int(head)


def test_a_snapshot_holds_the_state_it_started_on_while_commits_land_between_its_steps(
    tmp_path: Path,
) -> None:
    database = make_ledger(tmp_path / "ledger.sqlite")
    copied: list[int] = []
    with closing(sqlite3.connect(database, isolation_level=None)) as writer:

        def commit_between_steps(done: int, total: int) -> None:
            copied.append(done)
            commit_next(writer)

        size = snapshot(database, tmp_path / "snapshot.sqlite", commit_between_steps)
        latest = committed_state(database)

    assert len(copied) >= 3, "the copy takes several steps"
    assert copied == sorted(set(copied)), "the copy never restarts"
    assert latest == ROWS + len(copied)
    assert committed_state(tmp_path / "snapshot.sqlite") == ROWS
    assert size == (tmp_path / "snapshot.sqlite").stat().st_size


def read_whole(file: BinaryIO, target: Path, between_reads: Callable[[], object]) -> None:
    """Copy `file` into `target` in small reads, calling `between_reads` before each."""
    with target.open("wb") as copy:
        while True:
            between_reads()
            if not (chunk := file.read(64 * 1024)):
                return
            copy.write(chunk)


def test_a_snapshot_read_in_place_holds_its_state_while_commits_and_checkpoints_land(
    tmp_path: Path,
) -> None:
    database = make_ledger(tmp_path / "ledger.sqlite")
    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        taken_on = max(commit_next(writer) for _ in range(50))  # in the WAL, not yet in the file

        def commit_and_checkpoint() -> None:
            commit_next(writer)
            writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

        with taken(database, tmp_path, lambda _done, _total: None) as state:
            read_whole(state.file, tmp_path / "read.sqlite", commit_and_checkpoint)
            state.check()
        latest = committed_state(database)

    assert state.in_place
    assert state.size == (tmp_path / "read.sqlite").stat().st_size
    assert committed_state(tmp_path / "read.sqlite") == taken_on
    assert latest > taken_on + 30, "commits landed while the snapshot was read"


def test_a_copy_made_in_place_holds_its_state_while_commits_and_checkpoints_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "COPY_STEP", 64 * 1024)
    monkeypatch.setattr(snapshots, "snapshot", None)  # no copy with the backup API
    database = make_ledger(tmp_path / "ledger.sqlite")
    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        taken_on = max(commit_next(writer) for _ in range(50))

        def commit_and_checkpoint(_done: int, _total: int) -> None:
            commit_next(writer)
            writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

        size = copy_of(database, tmp_path / "copy.sqlite", commit_and_checkpoint)
        latest = committed_state(database)

    assert size == (tmp_path / "copy.sqlite").stat().st_size
    assert committed_state(tmp_path / "copy.sqlite") == taken_on
    assert latest > taken_on + 30, "commits landed while the database was copied"


@pytest.mark.parametrize("refusal", sorted(snapshots.KERNEL_COPY_REFUSED))
def test_a_copy_made_in_place_goes_through_memory_where_the_kernel_refuses_to_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusal: int
) -> None:
    def refused(*_: object) -> int:
        raise OSError(refusal, "refused between these files")

    monkeypatch.setattr(os, "copy_file_range", refused, raising=False)
    monkeypatch.setattr(snapshots, "snapshot", None)  # no copy with the backup API
    database = make_ledger(tmp_path / "ledger.sqlite")

    size = copy_of(database, tmp_path / "copy.sqlite", lambda _done, _total: None)

    assert (tmp_path / "copy.sqlite").read_bytes() == database.read_bytes()[:size]
    assert committed_state(tmp_path / "copy.sqlite") == ROWS


def test_a_snapshot_is_copied_when_a_reader_keeps_an_older_state(tmp_path: Path) -> None:
    database = make_ledger(tmp_path / "ledger.sqlite")
    with (
        closing(sqlite3.connect(database, isolation_level=None)) as writer,
        closing(sqlite3.connect(database, isolation_level=None)) as reader,
    ):
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM ledger").fetchone()  # holds this state from now on
        taken_on = max(commit_next(writer) for _ in range(5))
        with taken(database, tmp_path, lambda _done, _total: None) as state:
            read_whole(state.file, tmp_path / "read.sqlite", lambda: commit_next(writer))

    assert not state.in_place
    assert committed_state(tmp_path / "read.sqlite") == taken_on


def test_a_snapshot_is_copied_when_a_writer_keeps_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "PIN_WAIT", 0.01)
    database = make_ledger(tmp_path / "ledger.sqlite")
    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        with taken(database, tmp_path, lambda _done, _total: None) as state:
            read_whole(state.file, tmp_path / "read.sqlite", lambda: None)
        writer.execute("ROLLBACK")

    assert not state.in_place
    assert committed_state(tmp_path / "read.sqlite") == ROWS


def test_a_snapshot_of_a_database_with_a_rollback_journal_is_copied(tmp_path: Path) -> None:
    database = make_ledger(tmp_path / "ledger.sqlite")
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA journal_mode=delete")
    with taken(database, tmp_path, lambda _done, _total: None) as state:
        read_whole(state.file, tmp_path / "read.sqlite", lambda: None)

    assert not state.in_place
    assert committed_state(tmp_path / "read.sqlite") == ROWS


@pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)
def test_a_backup_taken_during_continuous_commits_restores_to_one_committed_state(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    database = make_ledger(start_server.tmp_path / "ledger.sqlite")
    server = start_server(database=database)
    started = threading.Event()
    stop = threading.Event()

    def keep_committing() -> None:
        with closing(sqlite3.connect(database, isolation_level=None, timeout=30)) as writer:
            while not stop.is_set():
                commit_next(writer)
                started.set()

    writer = threading.Thread(target=keep_committing)
    writer.start()
    try:
        assert started.wait(timeout=30)
        first = committed_head(database)  # the snapshot is of this state or a later one...
        response = httpx.post(
            f"{server.url}/backups/create", headers={"X-Application-ID": server.api_key}, timeout=60
        )
        last = committed_head(database)  # ...and of this state or an earlier one
    finally:
        stop.set()
        writer.join()

    assert response.status_code == 200, response.text
    restored = start_server.tmp_path / "restored.sqlite"
    restore(store.store, response.json()["id"], restored, keys=key_ring())
    assert first <= committed_state(restored) <= last
