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
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from backups_server.engine.catalog import Catalog, remove_objects
from backups_server.engine.pages import HashPoint, store_pages_unmarked
from backups_server.engine.progress import BackupProgress, Progress, watched
from backups_server.engine.prune import Pruned, prune
from backups_server.engine.retention import KEEP_EVERYTHING
from backups_server.engine.snapshot import Snapshot, taken
from backups_server.errors import (
    BackupNotFound,
    NoSpaceForSnapshot,
    Stopping,
    StoreError,
    StoreTooNew,
)
from backups_server.storage.codecs import CompressedReader
from backups_server.storage.index import INDEXES
from backups_server.storage.keys import create_master_key, wrappings
from backups_server.storage.layout import (
    BACKUP_FOLDERS,
    COPIES,
    FORMAT,
    MANIFESTS,
    PAGES,
    backup_of,
    data_name,
    is_manifest,
    mark_format,
    objects_of,
)
from backups_server.storage.packs import PACKS
from backups_server.storage.records import (
    BackupRecord,
    Manifest,
    SealedManifest,
    StoredManifest,
    manifest_of,
    write_manifest,
)
from backups_server.storage.vault import Vault, open_vault

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_server.engine.retention import Policy
    from backups_server.storage.keys import KeyRing
    from backups_server.storage.store import Store

log = logging.getLogger(__name__)

PLATFORMS = {"linux": "LINUX", "darwin": "MACOS", "win32": "WINDOWS", "cygwin": "WINDOWS"}
PLATFORMS |= {"android": "ANDROID", "ios": "IOS", "emscripten": "WEB", "wasi": "WEB"}
"""The platform a backup is recorded as taken on, by Python's `sys.platform`."""


class Reservation(NamedTuple):
    """The id and the moment of a backup to be created."""

    backup_id: str
    timestamp: int


class Created(NamedTuple):
    """A backup just stored: its manifest, and the bytes it added to the store."""

    manifest: StoredManifest
    added_bytes: int

    @property
    def record(self) -> BackupRecord:
        return self.manifest.record

    @property
    def backup_id(self) -> str:
        return self.manifest.backup_id


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
        keys: KeyRing | None = None,
        new_format: int = FORMAT,
    ) -> None:
        self.store = store
        self.database = database
        self.work_dir = work_dir
        self.version = version
        self.device_name = device_name
        self.retention = retention
        self.clock = clock
        self.keys = keys
        self.new_format = new_format if keys is not None else COPIES
        """The format of a store this service creates: encrypted pages, given keys, else whole copies."""
        self.catalog = Catalog(store, manifest_key=lambda: self.vault().manifest_key)
        self._vault: Vault | None = None
        self._vault_lock = threading.Lock()
        self._hash_points: tuple[HashPoint, ...] = ()
        """Where the SHA-256 of the database stood along the last backup stored page by page, for
        the next to go on from (`store_pages`)."""
        self._lock = threading.Lock()
        self._last_timestamp = 0
        self._running: set[str] = set()
        self._stopping = threading.Event()
        self._unanswered: set[str] = set()
        """Backups whose creation has not returned yet: the keep policy never removes them."""

    def check_format(self) -> int | None:
        """The store's format, None for a new store; raises StoreTooNew unless this server may read and
        write the store."""
        return self.catalog.check_format()

    def vault(self) -> Vault:
        """The pieces of the encrypted store, its keys opened once; raises KeysRefused."""
        with self._vault_lock:
            if self._vault is None:
                self._vault = open_vault(self.store, self.keys)
            return self._vault

    def list_backups(self) -> list[StoredManifest]:
        """The manifest of every completely stored backup, newest first."""
        return self.catalog.manifests()

    def manifest(self, backup_id: str) -> StoredManifest:
        """The manifest of a completely stored backup; raises BackupNotFound and StoreTooNew."""
        stored_format = self.check_format()
        return manifest_of(
            self.store, backup_id, self.vault().manifest_key if stored_format == PAGES else None
        )

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
    ) -> Created:
        """Take a backup, of the reservation if given, and return its manifest and what it added.

        The snapshot goes into the store, compressed whole or page by page into an encrypted store,
        while SQLite's check reads it: the manifest is written once both are done, and the check
        passed. `on_progress` gets the Progress as it rises, one call at a time, from any thread.
        `interrupt` is called at every step, and `commit` just before the manifest is written: what
        they raise stops the backup, which leaves nothing listed.
        """
        reservation = reservation or self.reserve()
        backup_id = reservation.backup_id
        progress = BackupProgress(on_progress)
        interrupt = self.interruption(interrupt)
        try:
            store_format = self._prepare_store()
            try:
                with (
                    tempfile.TemporaryDirectory(dir=self.scratch_dir(), prefix=f"{backup_id}+") as scratch,
                    taken(self.database, Path(scratch), watched(progress.snapshotted, interrupt)) as snapshot,
                    self._checked(snapshot, interrupt) as step,
                ):
                    record = self.record(reservation, snapshot.size)
                    store = self._store_pages if store_format == PAGES else self._store_copy
                    manifest = store(record, snapshot.file, progress, step)
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise NoSpaceForSnapshot(self.work_dir) from error
                raise
            watched(commit, interrupt)()
            key = self.vault().manifest_key if store_format == PAGES else None
            added = write_manifest(self.store, manifest, key)
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
        added += manifest.added_bytes
        log.info(
            "backup %s stored: %d bytes of database, %d bytes added to the store",
            backup_id,
            manifest.record.size,
            added,
        )
        self.apply_retention(just_made=backup_id)
        return Created(manifest, added)

    def stop(self) -> None:
        """Make every running backup fail with Stopping at its next step, before it is listed."""
        self._stopping.set()

    @contextmanager
    def _checked(self, snapshot: Snapshot, interrupt: Callable[[], None]) -> Iterator[Callable[[], None]]:
        """SQLite's check of the snapshot, on a thread of its own while the block stores it; the block
        gets what to call at each step, which raises the check's failure once it is known, or what
        `interrupt` raises. The check's failure is raised at the end anyway."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="check") as checking:
            verdict = checking.submit(snapshot.check)

            def step() -> None:
                if verdict.done() and (failure := verdict.exception()) is not None:
                    raise failure
                interrupt()

            yield step
            verdict.result()

    def _store_copy(
        self, record: BackupRecord, snapshot: BinaryIO, progress: BackupProgress, step: Callable[[], None]
    ) -> Manifest:
        """Compress the snapshot into the store (format 1); `step` is called at each read, and what it
        raises (a failed check) stops the writing: the store never keeps a manifest for it."""

        data_object = data_name(record.backup_id)
        data = CompressedReader(snapshot, watched(progress.compressed, step))
        self.store.write(data_object, data, progress.stored)
        return Manifest(record, data_object, data.sha256.hexdigest(), data.size)

    def _store_pages(
        self, record: BackupRecord, snapshot: BinaryIO, progress: BackupProgress, step: Callable[[], None]
    ) -> SealedManifest:
        """Store the snapshot's new pages into the encrypted store (format 2), relying on no pack that a
        prune has marked: when one marks a pack the backup relied on while it ran, the pages that pack
        held are stored again, before the manifest is written (`storage.marks`)."""

        def read(consumed: int, stored: int) -> None:
            progress.compressed(consumed, stored)
            progress.stored(stored)

        stored = store_pages_unmarked(
            self.vault(), snapshot, record, on_read=watched(read, step), earlier=self._hash_points
        )
        self._hash_points = stored.points
        return stored.manifest

    def interruption(self, interrupt: Callable[[], None] = lambda: None) -> Callable[[], None]:
        """What a job checks at every step: Stopping once the service is stopping, then `interrupt`."""

        def check() -> None:
            if self._stopping.is_set():
                raise Stopping
            interrupt()

        return check

    def delete(self, backup_id: str) -> None:
        self.check_format()
        if not any(is_manifest(item.name) for item in self.store.list(f"{MANIFESTS}{backup_id}/")):
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

    def prune(self, grace: timedelta) -> Pruned | None:
        """Prune an encrypted store (`engine.prune`); None for a store of whole copies, which has
        nothing to prune, or a new one."""
        if self.check_format() != PAGES:
            return None
        return prune(self.vault(), self.catalog, grace=grace)

    def _is_unanswered(self, backup_id: str) -> bool:
        with self._lock:
            return backup_id in self._unanswered

    def _answered(self, backup_id: str) -> None:
        """The creation of `backup_id` has returned: the keep policy may remove it from now on."""
        with self._lock:
            self._unanswered.discard(backup_id)

    def clean_leftovers(self, older_than: timedelta) -> list[str]:
        """Remove what interrupted backups left in the store, if older than `older_than`: objects
        without a manifest, and unfinished writes (S3's multipart uploads, a folder's `.partial`
        files), those of packs and index objects included. Returns what went.

        The age keeps this from removing the work of another server that shares the store and is
        still writing; this server's own running backups are never touched.
        """
        self.check_format()
        cutoff = datetime.now(UTC) - older_than
        items = [item for folder in BACKUP_FOLDERS for item in self.store.list(folder)]
        unfinished = [write for folder in BACKUP_FOLDERS for write in self.store.unfinished(folder)]
        unfinished += [write for folder in (PACKS, INDEXES) for write in self.store.unfinished(folder)]
        complete = {backup_of(item.name) for item in items if is_manifest(item.name)}
        with self._lock:
            keep = complete | self._running
        removed = []
        for item in items:
            if backup_of(item.name) not in keep and item.modified < cutoff:
                self.store.delete(item.name)
                removed.append(item.name)
        for write in unfinished:
            of_a_backup = write.name.startswith(BACKUP_FOLDERS)
            if write.started < cutoff and not (of_a_backup and backup_of(write.name) in keep):
                self.store.abort(write)
                removed.append(write.name)
        if removed:
            log.info("removed %d leftovers of interrupted backups", len(removed))
        return removed

    def _prepare_store(self) -> int:
        """The store's format; a new store gets this service's, its keys first when it is encrypted."""
        stored_format = self.catalog.check_format()
        if stored_format is not None:
            return stored_format
        if self.new_format == PAGES:
            self._create_keys()
        mark_format(self.store, self.new_format)
        self.catalog.format_written(self.new_format)
        return self.new_format

    def _create_keys(self) -> None:
        """A master key for the new store, wrapped for this service's secret, unless another server made
        one already. Servers that create the store at once each try to store theirs under one name,
        and the store keeps one: they all use it (one whose secret does not open it is refused)."""
        if self.keys is None or wrappings(self.store):
            return
        create_master_key(self.store, self.keys.secret)
        with self._vault_lock:
            self._vault = None

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
