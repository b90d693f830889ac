"""A backup of an encrypted store goes on hashing the database's file from where the one before left
off, as long as the file's pages are that backup's: whatever changed, and wherever, its manifest holds
the file's SHA-256, which the restoration checks."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest

from backups_server.engine import pages
from backups_server.engine.restore import restore
from backups_server.storage.folder import FolderStore
from tests.helpers import encrypted_service, key_ring

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from backups_server.engine.service import BackupService

PAGE = 512
"""The database's page size: a piece of the list of pages stands for 2 MiB of it."""
PIECE = pages.LIST_PAGES * PAGE


class CountedHash(pages.HashBehind):
    """HashBehind, adding up the bytes it was given."""

    hashed = 0

    def update(self, chunk: bytes) -> None:
        CountedHash.hashed += len(chunk)
        super().update(chunk)


def make_notes(database: Path) -> None:
    """About 9 MiB of notes, in pages of 512 bytes: 5 pieces of the list."""
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(f"PRAGMA page_size={PAGE}")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB)")
        connection.executemany("INSERT INTO notes (body) VALUES (?)", [(bytes(300),)] * 24_000)


def change(database: Path, script: str) -> None:
    with closing(sqlite3.connect(database)) as connection:
        connection.executescript(script)


def backed_up_and_restored(service: BackupService, tmp_path: Path) -> int:
    """Back the database up, restore it (which checks every page and the file's SHA-256), and check the
    restored file against the database; the bytes hashed for the backup."""
    CountedHash.hashed = 0
    created = service.create(lambda _: None)
    hashed = CountedHash.hashed
    restored = tmp_path / f"{created.record.backup_id}.sqlite"
    restore(service.store, created.record.backup_id, restored, keys=key_ring())
    assert restored.read_bytes() == service.database.read_bytes()
    assert created.manifest.sha256 == hashlib.sha256(restored.read_bytes()).hexdigest()
    return hashed


CHANGES: dict[str, tuple[str, Callable[[int], bool]]] = {
    "nothing": ("SELECT 1", lambda hashed: hashed == 0),
    "the last rows": (
        "UPDATE notes SET body = randomblob(300) WHERE id > 23900",
        lambda hashed: hashed <= PIECE,
    ),
    "the first rows": (
        "UPDATE notes SET body = randomblob(300) WHERE id < 100",
        lambda hashed: hashed > 4 * PIECE,
    ),
    "rows added": (
        "INSERT INTO notes (body) SELECT randomblob(300) FROM notes LIMIT 5000",
        lambda hashed: hashed > 0,
    ),
    "rows deleted": ("DELETE FROM notes WHERE id > 12000; VACUUM", bool),
}


@pytest.mark.parametrize("changed", CHANGES)
def test_a_backup_hashes_the_file_from_its_first_changed_piece_and_restores_as_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str
) -> None:
    monkeypatch.setattr(pages, "HashBehind", CountedHash)
    make_notes(tmp_path / "database.sqlite")
    service = encrypted_service(tmp_path, FolderStore(tmp_path / "store"))
    assert backed_up_and_restored(service, tmp_path) == service.database.stat().st_size
    statement, expected = CHANGES[changed]
    change(service.database, statement)

    hashed = backed_up_and_restored(service, tmp_path)

    assert expected(hashed), f"{hashed} bytes hashed after changing {changed}"
