"""Restore a backup from the store, verified before it replaces anything: into a new SQLite file,
or into the live database, online."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from backups_server.engine.pages import fetch_pages
from backups_server.engine.progress import Progress, RestoreProgress, watched
from backups_server.engine.snapshot import BUSY_TIMEOUT, copy_of, first_finding, pages_per_step
from backups_server.errors import ObjectMissing, RestoreError
from backups_server.storage.codecs import unpack
from backups_server.storage.layout import PAGES, stored_format
from backups_server.storage.records import SealedManifest, manifest_of
from backups_server.storage.store import fsync_path
from backups_server.storage.vault import open_vault

if TYPE_CHECKING:
    from collections.abc import Callable

    from backups_server.storage.keys import KeyRing
    from backups_server.storage.records import StoredManifest
    from backups_server.storage.store import Store
    from backups_server.storage.vault import Vault


def restore(
    store: Store, backup_id: str, target: Path, *, force: bool = False, keys: KeyRing | None = None
) -> StoredManifest:
    """Download, verify (checksum, size, `PRAGMA quick_check`) and atomically write a backup; an
    encrypted store's is opened with `keys`, and each of its pages checked against its id.

    An existing `target` is replaced only with `force`; its `-wal`, `-shm` and `-journal` files
    go too, since they belong to the old database. Nothing may have the old database open.
    """
    if target.exists() and not force:
        raise RestoreError(f"{target} already exists; use --force to replace it")
    vault = open_vault(store, keys) if stored_format(store) == PAGES else None
    manifest = manifest_of(store, backup_id, vault.manifest_key if vault else None)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(descriptor)
    partial = Path(name)
    try:
        fetch(store, manifest, partial, vault=vault)
        fsync_path(partial)
        check_integrity(partial)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        partial.replace(target)
        fsync_path(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


HEADER = 100
"""The bytes of a SQLite file's header, which say its page size and count."""

SAFETY_COPY = ".before-restore"
"""The suffix of the copy of the database as it was before the last restoration, kept beside it."""


def restore_online(
    manifest: StoredManifest,
    *,
    store: Store,
    database: Path,
    scratch_dir: Path,
    vault: Vault | None = None,
    on_progress: Callable[[Progress], None],
    interrupt: Callable[[], None] = lambda: None,
    commit: Callable[[], None] = lambda: None,
) -> None:
    """Replace the content of the live `database` with a backup of `store`, verified before it commits.

    Side by side: the backup is downloaded and decompressed into `scratch_dir`; the database as it
    is now is copied (SQLite's backup API, one committed state); and the replacement copies the
    backup into the database, in one transaction, each step once the download has written the
    pages it reads. Once downloaded, the backup is verified against its manifest (checksum, size)
    and by SQLite's `quick_check`, as when it was taken. The last step of the replacement, which
    commits, runs once all of that is done and `commit` has returned: until then, what `interrupt`
    (called at every step) or `commit` raises, or a failed verification, leaves the database as it
    was. The copy of the database, on disk by then, goes beside it, `DATABASE.before-restore` (the
    last one only), just before the commit. In WAL mode, what the replacement has written so far is
    flushed to disk while the backup is verified, so that the commit is quick. With a rollback
    journal the copy is taken before the replacement begins, since the replacement locks the
    database until it commits; in WAL mode readers never wait.
    """
    safety = database.with_name(database.name + SAFETY_COPY)
    copy = database.with_name(f".{safety.name}.partial")
    progress = RestoreProgress(on_progress, _fetched_bytes(manifest), manifest.record.size)
    arrived = _Arrivals()
    abandoned = threading.Event()

    def side_interrupt() -> None:
        interrupt()
        if abandoned.is_set():
            raise RestoreError("the restoration stopped")

    def download(verified: Path) -> None:
        try:
            fetch(
                store,
                manifest,
                verified,
                watched(progress.fetched, side_interrupt),
                arrived.written,
                vault=vault,
            )
        except BaseException as error:
            arrived.failed(error)
            raise

    with (
        tempfile.TemporaryDirectory(dir=scratch_dir, prefix=f"{manifest.backup_id}+") as scratch,
        ThreadPoolExecutor(max_workers=4, thread_name_prefix="restore") as side,
    ):
        verified = Path(scratch, "backup.sqlite")
        wal = _journal_mode(database) == "wal"
        downloading = side.submit(download, verified)
        copying = side.submit(_copy, database, copy, watched(progress.copied, side_interrupt))
        checking = side.submit(_check_once_there, downloading, verified)

        def before_commit() -> None:
            # Through the WAL only: closing a descriptor of the database file would drop the locks
            # SQLite holds on it in this process (POSIX record locks belong to the process).
            flushing = side.submit(fsync_path, Path(f"{database}-wal"), missing_ok=True)
            checking.result()
            copying.result()
            flushing.result()
            commit()
            os.replace(copy, safety)
            fsync_path(database.parent)

        try:
            if not wal:
                copying.result()
            replace_online(
                verified,
                database,
                watched(progress.replaced, interrupt),
                before_commit,
                arrived.wait_for,
            )
        except BaseException:
            abandoned.set()
            for work in (downloading, copying, checking):
                work.exception()  # waits for it to stop
            raise
        finally:
            copy.unlink(missing_ok=True)


def _copy(database: Path, copy: Path, on_progress: Callable[[int, int], None]) -> None:
    """Copy the database as it is, to disk. While the download goes on: it mostly needs a core (pages
    to open and check), the copy mostly the disk."""
    copy_of(database, copy, on_progress)
    fsync_path(copy)


def _check_once_there(downloading: Future[None], verified: Path) -> None:
    downloading.result()
    check_integrity(verified)


class _Arrivals:
    """How many bytes of the backup's file the download has written, for the replacement to wait on."""

    def __init__(self) -> None:
        self._count = 0
        self._failure: BaseException | None = None
        self._changed = threading.Condition()

    def written(self, count: int) -> None:
        with self._changed:
            self._count = count
            self._changed.notify_all()

    def failed(self, error: BaseException) -> None:
        with self._changed:
            self._failure = error
            self._changed.notify_all()

    def wait_for(self, count: int) -> None:
        """Wait until `count` bytes are written; raises what stopped the download if it stopped
        first (a cancellation, damaged data, a store failure), for the job to report as it is."""
        with self._changed:
            self._changed.wait_for(lambda: self._count >= count or self._failure is not None)
            if self._failure is not None and self._count < count:
                raise self._failure


def _journal_mode(database: Path) -> str:
    with closing(sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
        mode: str = connection.execute("PRAGMA journal_mode").fetchone()[0]
    return mode.lower()


def fetch(
    store: Store,
    manifest: StoredManifest,
    target: Path,
    on_stored: Callable[[int], None] = lambda _: None,
    on_written: Callable[[int], None] = lambda _: None,
    *,
    vault: Vault | None = None,
) -> None:
    """Write a backup's data into the file `target`, then verify it against its manifest (checksum and
    size; in an encrypted store, opened with `vault`, each page against its id too); raises
    RestoreError.

    The file has its full size from the start, and each part is in it as soon as it is written:
    another connection may read the pages written so far while the rest comes. `on_stored` gets the
    progress of the download (`_fetched_bytes` of it in all), and `on_written` the bytes written,
    after each part; what they raise stops the download."""
    backup_id, size = manifest.backup_id, manifest.record.size
    with target.open("wb", buffering=0) as file:
        file.truncate(size)
        if isinstance(manifest, SealedManifest):
            if vault is None:
                raise RestoreError(f"backup {backup_id} is encrypted, and the store's keys are not open")

            def written(count: int) -> None:
                on_stored(count)
                on_written(count)

            fetch_pages(vault, manifest, file, written)
            return
        try:
            unpacked = unpack(
                store, manifest.data, file, size, label=backup_id, on_stored=on_stored, on_written=on_written
            )
        except ObjectMissing as error:  # deleted since its manifest was read, by the keep policy say
            raise RestoreError(f"backup {backup_id} is no longer in the store") from error
    if unpacked.sha256 != manifest.sha256:
        raise RestoreError(f"backup {backup_id} is damaged: its checksum does not match")
    if unpacked.written != size:
        raise RestoreError(f"backup {backup_id} is damaged: it does not have the size it was taken with")


def _fetched_bytes(manifest: StoredManifest) -> int:
    """What `fetch` counts in all for its progress: the stored bytes of a whole copy, the bytes of the
    database for pages (their bytes in the store depend on what other backups share)."""
    return manifest.record.size if isinstance(manifest, SealedManifest) else manifest.stored_bytes


def replace_online(
    verified: Path,
    database: Path,
    on_progress: Callable[[int, int], None],
    before_commit: Callable[[], None],
    ready: Callable[[int], None] = lambda _: None,
) -> None:
    """Replace the content of the live `database` with the verified file's, with SQLite's backup
    API, in one write transaction: a connection open on it sees the old content or the new one,
    never a mix, and needs no reopening; WAL or rollback journal, the database keeps its mode.

    `ready(n)` is called before the file's first `n` bytes are read, and may wait for them.
    `on_progress(done, total)` is called after each step, in pages. `before_commit` runs just
    before the last step, which commits: what it raises rolls everything back and leaves the
    database as it was. Raises RestoreError when SQLite refuses (the database stays locked by
    another connection for longer than the busy timeout, say).

    It returns once the replacement is committed. Its connection to the database is closed by a
    thread of its own: when it is the last one, SQLite checkpoints the WAL into the database file
    then, which is upkeep of the database, not part of the replacement.
    """
    ready(HEADER)
    source_uri = verified.resolve().as_uri() + "?immutable=1"
    live = sqlite3.connect(database, timeout=BUSY_TIMEOUT, check_same_thread=False)
    try:
        with closing(sqlite3.connect(source_uri, uri=True)) as source:
            page_size: int = source.execute("PRAGMA page_size").fetchone()[0]
            total: int = source.execute("PRAGMA page_count").fetchone()[0]
            step = pages_per_step(total)
            ready(min(step, total) * page_size)
            if total <= step:
                before_commit()

            def progress(_status: int, remaining: int, count: int) -> None:
                on_progress(count - remaining, count)
                if remaining:
                    ready(min(count - remaining + step, count) * page_size)
                    if remaining <= step:
                        before_commit()

            source.backup(live, pages=step, progress=progress)
    except sqlite3.Error as error:
        raise RestoreError(f"the database could not be replaced: {error}") from error
    finally:
        threading.Thread(target=live.close, name="checkpoint").start()


def check_integrity(database: Path) -> None:
    """Raise RestoreError unless the file passes the check it passed when it was taken."""
    if finding := first_finding(database):
        raise RestoreError(f"the restored file is not a sound database: {finding}")
