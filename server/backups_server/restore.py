"""Restore a backup from the store into a SQLite file, verified before it replaces anything."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import zstandard

from backups_server.backups import read_manifest
from backups_server.store import fsync_folder

if TYPE_CHECKING:
    from backups_server.backups import Manifest
    from backups_server.store import Store, Writable


class RestoreError(Exception):
    """The backup cannot be restored there, or its data is damaged."""


def restore(store: Store, backup_id: str, target: Path, *, force: bool = False) -> Manifest:
    """Download, verify (checksum, size, `PRAGMA integrity_check`) and atomically write a backup.

    An existing `target` is replaced only with `force`; its `-wal`, `-shm` and `-journal` files
    go too, since they belong to the old database. Nothing may have the old database open.
    """
    if target.exists() and not force:
        raise RestoreError(f"{target} already exists; use --force to replace it")
    manifest = read_manifest(store, backup_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    partial = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            bounded = BoundedSink(file, manifest.backup["bytes"], backup_id)
            with zstandard.ZstdDecompressor().stream_writer(bounded, closefd=False) as decompressed:  # type: ignore[arg-type]  # any object with write() will do
                sink = HashingSink(decompressed)
                store.read(manifest.data, sink)
            file.flush()
            os.fsync(file.fileno())
        if sink.sha256.hexdigest() != manifest.sha256:
            raise RestoreError(f"backup {backup_id} is damaged: its checksum does not match")
        if partial.stat().st_size != manifest.backup["bytes"]:
            raise RestoreError(f"backup {backup_id} is damaged: it does not have the size it was taken with")
        check_integrity(partial)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        partial.replace(target)
        fsync_folder(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


class BoundedSink:
    """Writes to `file` until more than `limit` bytes come: then the data is not what the manifest
    describes, and decompressing stops there instead of filling the disk."""

    def __init__(self, file: Writable, limit: int, backup_id: str) -> None:
        self._file = file
        self._room = limit
        self._backup_id = backup_id

    def write(self, data: bytes, /) -> int:
        self._room -= len(data)
        if self._room < 0:
            raise RestoreError(f"backup {self._backup_id} is damaged: it is larger than it was taken with")
        return self._file.write(data)


class HashingSink:
    """Passes the stored bytes on to the decompressor, hashing them on the way."""

    def __init__(self, decompressed: Writable) -> None:
        self.sha256 = hashlib.sha256()
        self._decompressed = decompressed

    def write(self, data: bytes, /) -> int:
        self.sha256.update(data)
        try:
            return self._decompressed.write(data)
        except zstandard.ZstdError as error:
            raise RestoreError(f"the stored data is damaged: {error}") from error


def check_integrity(database: Path) -> None:
    """Raise RestoreError unless SQLite's `PRAGMA integrity_check` finds the file sound."""
    uri = database.resolve().as_uri() + "?immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.Error as error:
        raise RestoreError(f"the restored file is not a sound database: {error}") from error
    if problems != ["ok"]:
        raise RestoreError(f"the restored file is not a sound database: {'; '.join(problems[:3])}")
