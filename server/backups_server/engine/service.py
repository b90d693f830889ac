"""The backup service: take, list and delete backups of one database in one store, whichever store it is.

Data first, manifest last (`storage.layout`): a backup is listed once completely stored, and
anything an interrupted backup left is swept by `clean_leftovers`.
"""

from __future__ import annotations

import errno
import logging
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from backups_server.engine.catalog import Catalog, remove_objects
from backups_server.engine.progress import BackupProgress, Progress, watched
from backups_server.engine.retention import KEEP_EVERYTHING
from backups_server.engine.snapshot import check, snapshot
from backups_server.errors import BackupNotFound, NoSpaceForSnapshot, Stopping, StoreError, StoreTooNew
from backups_server.storage.codecs import CompressedReader
from backups_server.storage.layout import (
    BACKUP_FOLDERS,
    backup_of,
    data_name,
    is_manifest,
    manifest_name,
    mark_format,
    objects_of,
)
from backups_server.storage.records import BackupRecord, Manifest, manifest_of, write_manifest

if TYPE_CHECKING:
    from collections.abc import Callable

    from backups_server.engine.retention import Policy
    from backups_server.storage.store import Store

log = logging.getLogger(__name__)

PLATFORMS = {"linux": "LINUX", "darwin": "MACOS", "win32": "WINDOWS", "cygwin": "WINDOWS"}
PLATFORMS |= {"android": "ANDROID", "ios": "IOS", "emscripten": "WEB", "wasi": "WEB"}
"""The platform a backup is recorded as taken on, by Python's `sys.platform`."""


class Reservation(NamedTuple):
    """The id and the moment of a backup to be created."""

    backup_id: str
    timestamp: int


class BackupService:
    """Backups of one SQLite database in one store. Blocking: call it from worker threads.

    `clock` gives the time in nanoseconds since the epoch (`time.time_ns`), which the backups'
    ids and timestamps are taken from; `retention` is the keep policy applied after each backup.
    """

    def __init__(
        self,
        *,
        store: Store,
        database: Path,
        work_dir: Path,
        version: str,
        device_name: str,
        retention: Policy = KEEP_EVERYTHING,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.store = store
        self.database = database
        self.work_dir = work_dir
        self.version = version
        self.device_name = device_name
        self.retention = retention
        self.clock = clock
        self.catalog = Catalog(store)
        self._lock = threading.Lock()
        self._last_timestamp = 0
        self._running: set[str] = set()
        self._stopping = threading.Event()
        self._unanswered: set[str] = set()
        """Backups whose creation has not returned yet: the keep policy never removes them."""

    def check_format(self) -> None:
        """Raise StoreTooNew unless this server may read and write the store."""
        self.catalog.check_format()

    def list_backups(self) -> list[Manifest]:
        """The manifest of every completely stored backup, newest first."""
        return self.catalog.manifests()

    def manifest(self, backup_id: str) -> Manifest:
        """The manifest of a completely stored backup; raises BackupNotFound and StoreTooNew."""
        self.check_format()
        return manifest_of(self.store, backup_id)

    def reserve(self) -> Reservation:
        """The id and time of a new backup, from now on: unique in this process, unused in the
        store, and safe from the sweep and the keep policy until `create` or `release` ends it."""
        return Reservation(*self._reserve_id())

    def release(self, reservation: Reservation) -> None:
        """Give up a reservation whose backup will never be created."""
        with self._lock:
            self._running.discard(reservation.backup_id)
            self._unanswered.discard(reservation.backup_id)

    def record(self, reservation: Reservation, size: int = 0) -> BackupRecord:
        """The record of the reserved backup, of a snapshot of `size` bytes."""
        platform = PLATFORMS.get(sys.platform, "UNKNOWN")
        return BackupRecord.new(self.version, reservation.timestamp, size, self.device_name, platform)

    def create(
        self,
        on_progress: Callable[[Progress], None],
        reservation: Reservation | None = None,
        interrupt: Callable[[], None] = lambda: None,
        commit: Callable[[], None] = lambda: None,
    ) -> BackupRecord:
        """Take a backup, of the reservation if given, and return its record.

        The snapshot is compressed into the store while SQLite's check reads it: the manifest is
        written once both are done, and the check passed. `on_progress` gets the Progress as
        it rises, one call at a time, from any thread. `interrupt` is called at every step, and
        `commit` just before the manifest is written: what they raise stops the backup, which
        leaves nothing behind.
        """
        reservation = reservation or self.reserve()
        backup_id = reservation.backup_id
        progress = BackupProgress(on_progress)
        interrupt = self.interruption(interrupt)
        try:
            self._prepare_store()
            try:
                with tempfile.TemporaryDirectory(dir=self.scratch_dir(), prefix=f"{backup_id}+") as scratch:
                    snapshot_path = Path(scratch, "snapshot.sqlite")
                    snapshotted = watched(progress.snapshotted, interrupt)
                    size = snapshot(self.database, snapshot_path, snapshotted)
                    data = self._store_checked(backup_id, snapshot_path, progress, interrupt)
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise NoSpaceForSnapshot(self.work_dir) from error
                raise
            watched(commit, interrupt)()
            record = self.record(reservation, size)
            manifest = Manifest(record, data_name(backup_id), data.sha256.hexdigest(), data.size)
            write_manifest(self.store, manifest)
        except StoreError:
            log.warning("backup %s failed in the store; what it stored goes with the next sweep", backup_id)
            self._answered(backup_id)
            raise
        except BaseException:
            self._discard(backup_id)
            raise
        finally:
            with self._lock:
                self._running.discard(backup_id)
        log.info("backup %s stored: %d bytes of database, %d bytes stored", backup_id, size, data.size)
        self.apply_retention(just_made=backup_id)
        return record

    def stop(self) -> None:
        """Make every running backup fail with Stopping at its next step, before it is listed."""
        self._stopping.set()

    def _store_checked(
        self,
        backup_id: str,
        snapshot_path: Path,
        progress: BackupProgress,
        interrupt: Callable[[], None],
    ) -> CompressedReader:
        """Compress the snapshot into the store while another thread checks it; a failed check
        stops the writing at its next read, and the store never keeps a manifest for it."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="check") as checking:
            verdict = checking.submit(check, snapshot_path)

            def compressed(consumed: int, produced: int) -> None:
                if verdict.done() and (failure := verdict.exception()) is not None:
                    raise failure
                progress.compressed(consumed, produced)

            with snapshot_path.open("rb") as file:
                data = CompressedReader(file, watched(compressed, interrupt))
                self.store.write(data_name(backup_id), data, progress.stored)
            verdict.result()
        return data

    def interruption(self, interrupt: Callable[[], None] = lambda: None) -> Callable[[], None]:
        """What a job checks at every step: Stopping once the service is stopping, then `interrupt`."""

        def check() -> None:
            if self._stopping.is_set():
                raise Stopping
            interrupt()

        return check

    def delete(self, backup_id: str) -> None:
        self.check_format()
        if not self.store.list(manifest_name(backup_id)):
            raise BackupNotFound(backup_id)
        self.catalog.remove(backup_id)
        log.info("backup %s deleted", backup_id)

    def apply_retention(self, just_made: str | None = None) -> None:
        """Remove the backups the keep policy does not keep, except those whose creation has not
        returned yet (`just_made` among them, which from now on may go).

        Never raises: when the store fails, nothing more is removed, and the log says why.
        """
        try:
            if not self.retention.keeps_everything:
                self._forget()
        finally:
            if just_made:
                self._answered(just_made)

    def _forget(self) -> None:
        removed = 0
        try:
            for decision in self.catalog.forget(self.retention, spared=self._is_unanswered):
                if not decision.kept:
                    removed += 1
                    log.info(
                        "backup %s of %s removed by the keep policy", decision.backup_id, decision.created
                    )
        except (StoreError, StoreTooNew) as error:
            log.warning("the keep policy (%s) stopped after %d removals: %s", self.retention, removed, error)
        else:
            if removed:
                log.info("the keep policy (%s) removed %d backups", self.retention, removed)

    def _is_unanswered(self, backup_id: str) -> bool:
        with self._lock:
            return backup_id in self._unanswered

    def _answered(self, backup_id: str) -> None:
        """The creation of `backup_id` has returned: the keep policy may remove it from now on."""
        with self._lock:
            self._unanswered.discard(backup_id)

    def clean_leftovers(self, older_than: timedelta) -> list[str]:
        """Remove what interrupted backups left in the store, if older than `older_than`: objects
        without a manifest, and unfinished writes (S3's multipart uploads). Returns what went.

        The age keeps this from removing the work of another server that shares the store and is
        still writing; this server's own running backups are never touched.
        """
        self.check_format()
        cutoff = datetime.now(UTC) - older_than
        items = [item for folder in BACKUP_FOLDERS for item in self.store.list(folder)]
        unfinished = [write for folder in BACKUP_FOLDERS for write in self.store.unfinished(folder)]
        complete = {backup_of(item.name) for item in items if is_manifest(item.name)}
        with self._lock:
            keep = complete | self._running
        removed = []
        for item in items:
            if backup_of(item.name) not in keep and item.modified < cutoff:
                self.store.delete(item.name)
                removed.append(item.name)
        for write in unfinished:
            if backup_of(write.name) not in keep and write.started < cutoff:
                self.store.abort(write)
                removed.append(write.name)
        if removed:
            log.info("removed %d leftovers of interrupted backups", len(removed))
        return removed

    def _prepare_store(self) -> None:
        if self.catalog.check_format() is None:
            mark_format(self.store)
            self.catalog.format_written()

    def _reserve_id(self) -> tuple[str, int]:
        """A new id, `version_timestamp`, unique in this process and unused in the store."""
        while True:
            with self._lock:
                timestamp = max(self.clock() // 1000, self._last_timestamp + 1)
                self._last_timestamp = timestamp
                backup_id = f"{self.version}_{timestamp}"
                self._running.add(backup_id)
            if not objects_of(self.store, backup_id):
                with self._lock:
                    self._unanswered.add(backup_id)
                return backup_id, timestamp
            with self._lock:
                self._running.discard(backup_id)

    def _discard(self, backup_id: str) -> None:
        self._answered(backup_id)
        try:
            remove_objects(self.store, backup_id)
        except StoreError:
            log.warning("could not remove what the failed backup %s stored; it is never listed", backup_id)

    def scratch_dir(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir
