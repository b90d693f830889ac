"""Restore a backup from the store, verified before it replaces anything: into a new SQLite file,
or into the live database, online."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import zstandard

from backups_server.backups import read_manifest
from backups_server.progress import RestoreProgress
from backups_server.snapshot import BUSY_TIMEOUT, PAGES_PER_STEP, STEPS, ExplainedFailure, snapshot
from backups_server.store import fsync_folder

if TYPE_CHECKING:
    from collections.abc import Callable

    from backups_server.backups import BackupService, Manifest
    from backups_server.store import Store, Writable


class RestoreError(ExplainedFailure):
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
    os.close(descriptor)
    partial = Path(name)
    try:
        fetch(store, manifest, partial)
        check_integrity(partial)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        partial.replace(target)
        fsync_folder(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


SAFETY_COPY = ".before-restore"
"""The suffix of the copy of the database as it was before the last restoration, kept beside it."""


def restore_online(
    service: BackupService,
    manifest: Manifest,
    on_progress: Callable[[float], None],
    interrupt: Callable[[], None] = lambda: None,
    commit: Callable[[], None] = lambda: None,
) -> None:
    """Replace the content of the service's live database with a backup, verified first.

    Side by side: the backup is downloaded and verified against its manifest (checksum, size), and
    the database as it is now is copied (SQLite's backup API, one committed state). Then the
    replacement copies the backup into the database, in one transaction, while SQLite's
    `integrity_check` reads it: the last step, which commits, runs once the check has passed and
    `commit` has returned. Until then, what `interrupt` (called at every step) or `commit` raises,
    or a failed check, leaves the database as it was. The copy of the database goes beside it,
    `DATABASE.before-restore` (the last one only), just before the commit.
    """
    database = service.database
    safety = database.with_name(database.name + SAFETY_COPY)
    copy = database.with_name(f".{safety.name}.partial")
    progress = RestoreProgress(on_progress, manifest.stored_bytes)
    with (
        tempfile.TemporaryDirectory(dir=service.scratch_dir(), prefix=f"{manifest.backup['id']}+") as scratch,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="restore") as beside,
    ):
        verified = Path(scratch, "backup.sqlite")
        abandoned = threading.Event()

        def copy_interrupt() -> None:
            interrupt()
            if abandoned.is_set():
                raise RestoreError("the download failed")

        try:
            copying = beside.submit(
                snapshot, database, copy, service.watched(progress.copied, copy_interrupt)
            )
            try:
                fetch(service.store, manifest, verified, service.watched(progress.fetched, interrupt))
            except BaseException:
                abandoned.set()
                copying.exception()  # waits for the copy to stop
                raise
            copying.result()
            checking = beside.submit(check_integrity, verified)

            def before_commit() -> None:
                checking.result()
                commit()
                os.replace(copy, safety)

            replace_online(verified, database, service.watched(progress.replaced, interrupt), before_commit)
        finally:
            copy.unlink(missing_ok=True)


def fetch(
    store: Store, manifest: Manifest, target: Path, on_stored: Callable[[int], None] = lambda _: None
) -> None:
    """Write a backup's data into the file `target`, decompressed and verified against its manifest
    (checksum and size), durably; raises RestoreError. `on_stored` gets the count of the stored
    bytes read so far, after each part, and what it raises stops the download."""
    backup_id = manifest.backup["id"]
    with target.open("wb") as file:
        bounded = BoundedSink(file, manifest.backup["bytes"], backup_id)
        with zstandard.ZstdDecompressor().stream_writer(bounded, closefd=False) as decompressed:  # type: ignore[arg-type]  # any object with write() will do
            sink = HashingSink(decompressed, on_stored)
            store.read(manifest.data, sink)
        file.flush()
        os.fsync(file.fileno())
    if sink.sha256.hexdigest() != manifest.sha256:
        raise RestoreError(f"backup {backup_id} is damaged: its checksum does not match")
    if target.stat().st_size != manifest.backup["bytes"]:
        raise RestoreError(f"backup {backup_id} is damaged: it does not have the size it was taken with")


def replace_online(
    verified: Path,
    database: Path,
    on_progress: Callable[[int, int], None],
    before_commit: Callable[[], None],
) -> None:
    """Replace the content of the live `database` with the verified file's, with SQLite's backup
    API, in one write transaction: a connection open on it sees the old content or the new one,
    never a mix, and needs no reopening; WAL or rollback journal, the database keeps its mode.

    `on_progress(done, total)` is called after each step, in pages. `before_commit` runs just
    before the last step, which commits: what it raises rolls everything back and leaves the
    database as it was. Raises RestoreError when SQLite refuses (the database stays locked by
    another connection for longer than the busy timeout, say).
    """
    source_uri = verified.resolve().as_uri() + "?immutable=1"
    try:
        with (
            closing(sqlite3.connect(source_uri, uri=True)) as source,
            closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT)) as live,
        ):
            total: int = source.execute("PRAGMA page_count").fetchone()[0]
            fewest, most = PAGES_PER_STEP
            step = min(max(total // STEPS, fewest), most)
            if total <= step:
                before_commit()

            def progress(_status: int, remaining: int, count: int) -> None:
                on_progress(count - remaining, count)
                if 0 < remaining <= step:
                    before_commit()

            source.backup(live, pages=step, progress=progress)
    except sqlite3.Error as error:
        raise RestoreError(f"the database could not be replaced: {error}") from error


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
    """Passes the stored bytes on to the decompressor, hashing and counting them on the way."""

    def __init__(self, decompressed: Writable, on_stored: Callable[[int], None]) -> None:
        self.sha256 = hashlib.sha256()
        self._decompressed = decompressed
        self._on_stored = on_stored
        self._count = 0

    def write(self, data: bytes, /) -> int:
        self.sha256.update(data)
        try:
            written = self._decompressed.write(data)
        except zstandard.ZstdError as error:
            raise RestoreError(f"the stored data is damaged: {error}") from error
        self._count += len(data)
        self._on_stored(self._count)
        return written


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
