"""The backup service: take, list and delete backups in a store, whichever store it is.

Layout of a store:

    format.json                    the format marker, written on first use
    data/ID/data.sqlite.zst        the zstd-compressed snapshot, written first
    backups/ID/manifest.json       the metadata, written last: a backup exists once this does

Listing reads manifests only, so a backup is never listed before its data is completely stored;
delete removes the manifest first for the same reason. Anything under `data/` or `backups/` whose
backup has no manifest is a leftover of an interrupted backup, removed by `clean_leftovers`.
Manifests have `backups/` to themselves, so a listing of N backups is N names long; stores
written before kept the data beside the manifest, in `backups/ID/`, and are read the same way,
since a manifest names its data object.
"""

from __future__ import annotations

import errno
import io
import json
import logging
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec

from backups_server.engine.progress import BackupProgress, Progress
from backups_server.engine.retention import KEEP_EVERYTHING, decide
from backups_server.engine.snapshot import check, snapshot
from backups_server.errors import (
    BackupNotFound,
    NoSpaceForSnapshot,
    ObjectMissing,
    Stopping,
    StoreError,
    StoreTooNew,
)
from backups_server.storage.cache import ListingCache
from backups_server.storage.codecs import CompressedReader

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_server.engine.retention import Decision, Policy
    from backups_server.storage.store import Store

log = logging.getLogger(__name__)

P = ParamSpec("P")

FORMAT = 1
"""The store format this server writes and understands; a store marked newer is left alone."""

FORMAT_OBJECT = "format.json"
PREFIX = "backups/"
DATA_PREFIX = "data/"
DATA = "data.sqlite.zst"
MANIFEST = "manifest.json"

FORMAT_RECHECK = 5.0
"""Seconds a reading of the format marker stands: a newer server sharing the store may upgrade it."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PLATFORMS = {"linux": "LINUX", "darwin": "MACOS", "win32": "WINDOWS", "cygwin": "WINDOWS"}
PLATFORMS |= {"android": "ANDROID", "ios": "IOS", "emscripten": "WEB", "wasi": "WEB"}


@dataclass(frozen=True)
class Manifest:
    """What a store keeps about one backup: the Backup as the API shows it, and its data object."""

    backup: dict[str, Any]
    data: str
    sha256: str
    stored_bytes: int

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "backup": self.backup,
            "data": {
                "object": self.data,
                "sha256": self.sha256,
                "bytes": self.stored_bytes,
                "compression": "zstd",
            },
        }
        return json.dumps(document, indent=2).encode() + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        document = json.loads(raw)
        data = document["data"]
        return cls(document["backup"], data["object"], data["sha256"], data["bytes"])


class Catalog:
    """The backups a store holds, as its listing shows them now. Blocking: call it from worker threads.

    Every listing lists the store, so the backups that other servers sharing it make or delete
    show at once. Manifests, immutable once written, are read once per process (`ListingCache`),
    and the format marker once per FORMAT_RECHECK seconds: a warm listing costs the store's LIST
    requests alone, and one more read of the marker at most.
    """

    def __init__(self, store: Store, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._monotonic = monotonic
        self._manifests = ListingCache(partial(_read_manifest, store), readers=store.concurrent_reads)
        self._format_lock = threading.Lock()
        self._format_read: tuple[float, int | None] | None = None

    def check_format(self) -> int | None:
        """The store's format, None for a new store; raises StoreTooNew. The marker is read again
        once its last reading is FORMAT_RECHECK seconds old."""
        with self._format_lock:
            if self._format_read is None or self._monotonic() - self._format_read[0] >= FORMAT_RECHECK:
                self._format_read = (self._monotonic(), _marked_format(self.store))
            marked = self._format_read[1]
        return _understood(marked)

    def format_written(self) -> None:
        """Record that this server has just written the format marker."""
        with self._format_lock:
            self._format_read = (self._monotonic(), FORMAT)

    def manifests(self) -> list[Manifest]:
        """The manifest of every completely stored backup, newest first."""
        self.check_format()
        listing = [item for item in self.store.list(PREFIX) if item.name.endswith("/" + MANIFEST)]
        manifests = self._manifests.contents(listing)
        return sorted(
            manifests,
            key=lambda manifest: (int(manifest.backup["timestamp"]), manifest.backup["id"]),
            reverse=True,
        )

    def remove(self, backup_id: str) -> None:
        """Remove a backup, its manifest first: it is never listed half removed."""
        self.store.delete(manifest_name(backup_id))
        _delete_objects(self.store, backup_id)

    def forget(
        self, policy: Policy, *, dry_run: bool = False, spared: Callable[[str], bool] = lambda _: False
    ) -> Iterator[Decision]:
        """Apply `policy`: remove each backup it does not keep, unless `spared`, or with `dry_run`;
        yields what it did with each, newest first, once done.

        Raises StoreError and StoreTooNew. Nothing is removed unless the whole listing succeeded;
        a removal that fails stops the others.
        """
        backups = [(manifest.backup["id"], _created(manifest)) for manifest in self.manifests()]
        for decision in decide(policy, backups):
            if decision.kept:
                yield decision
            elif spared(decision.backup_id):
                yield replace(decision, reasons=("just made",))
            else:
                if not dry_run:
                    self.remove(decision.backup_id)
                yield decision


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
        self._presentations = _Presentations()
        self._lock = threading.Lock()
        self._last_timestamp = 0
        self._running: set[str] = set()
        self._stopping = threading.Event()
        self._unanswered: set[str] = set()
        """Backups whose creation has not returned yet: the keep policy never removes them."""

    def check_format(self) -> None:
        """Raise StoreTooNew unless this server may read and write the store."""
        self.catalog.check_format()

    def list_backups(self) -> list[dict[str, Any]]:
        """Every completely stored backup, newest first, as the API's Backup. Listings of the same
        day share these dicts: read them, never change them."""
        today = (EPOCH + timedelta(microseconds=self.clock() // 1000)).astimezone().date()
        return [self._presentations.of(manifest, today) for manifest in self.catalog.manifests()]

    def manifest(self, backup_id: str) -> Manifest:
        """The manifest of a completely stored backup; raises BackupNotFound and StoreTooNew."""
        self.check_format()
        return _manifest_of(self.store, backup_id)

    def reserve(self) -> Reservation:
        """The id and time of a new backup, from now on: unique in this process, unused in the
        store, and safe from the sweep and the keep policy until `create` or `release` ends it."""
        return Reservation(*self._reserve_id())

    def release(self, reservation: Reservation) -> None:
        """Give up a reservation whose backup will never be created."""
        with self._lock:
            self._running.discard(reservation.backup_id)
            self._unanswered.discard(reservation.backup_id)

    def describe(self, reservation: Reservation, size: int = 0) -> dict[str, Any]:
        """The reserved backup as the API shows it, with `bytes` the size of its snapshot."""
        backup = backup_record(self.version, reservation.timestamp, size, self.device_name)
        return present(backup, datetime.now(UTC))

    def create(
        self,
        on_progress: Callable[[Progress], None],
        reservation: Reservation | None = None,
        interrupt: Callable[[], None] = lambda: None,
        commit: Callable[[], None] = lambda: None,
    ) -> dict[str, Any]:
        """Take a backup, of the reservation if given, and return it as the API's Backup.

        The snapshot is compressed into the store while SQLite's check reads it: the manifest is
        written once both are done, and the check passed. `on_progress` gets the Progress as
        it rises, one call at a time, from any thread. `interrupt` is called at every step, and
        `commit` just before the manifest is written: what they raise stops the backup, which
        leaves nothing behind.
        """
        backup_id, timestamp = reservation or self._reserve_id()
        progress = BackupProgress(on_progress)
        try:
            self._prepare_store()
            try:
                with tempfile.TemporaryDirectory(dir=self.scratch_dir(), prefix=f"{backup_id}+") as scratch:
                    snapshot_path = Path(scratch, "snapshot.sqlite")
                    snapshotted = self.watched(progress.snapshotted, interrupt)
                    size = snapshot(self.database, snapshot_path, snapshotted)
                    data = self._store_checked(backup_id, snapshot_path, progress, interrupt)
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise NoSpaceForSnapshot(self.work_dir) from error
                raise
            self.watched(commit, interrupt)()
            backup = backup_record(self.version, timestamp, size, self.device_name)
            manifest = Manifest(backup, data_name(backup_id), data.sha256.hexdigest(), data.size)
            self.store.write(manifest_name(backup_id), io.BytesIO(manifest.to_bytes()))
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
        return present(backup, datetime.now(UTC))

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
                data = CompressedReader(file, self.watched(compressed, interrupt))
                self.store.write(data_name(backup_id), data, progress.stored)
            verdict.result()
        return data

    def watched(self, report: Callable[P, None], interrupt: Callable[[], None]) -> Callable[P, None]:
        """`report`, which raises Stopping instead once the service is stopping, or what
        `interrupt` raises."""

        def checked(*args: P.args, **kwargs: P.kwargs) -> None:
            if self._stopping.is_set():
                raise Stopping
            interrupt()
            report(*args, **kwargs)

        return checked

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
        items = self.store.list(PREFIX) + self.store.list(DATA_PREFIX)
        unfinished = self.store.unfinished(PREFIX) + self.store.unfinished(DATA_PREFIX)
        complete = {_backup_id(item.name) for item in items if item.name.endswith("/" + MANIFEST)}
        with self._lock:
            keep = complete | self._running
        removed = []
        for item in items:
            if _backup_id(item.name) not in keep and item.modified < cutoff:
                self.store.delete(item.name)
                removed.append(item.name)
        for write in unfinished:
            if _backup_id(write.name) not in keep and write.started < cutoff:
                self.store.abort(write)
                removed.append(write.name)
        if removed:
            log.info("removed %d leftovers of interrupted backups", len(removed))
        return removed

    def _prepare_store(self) -> None:
        if self.catalog.check_format() is None:
            self.store.write(FORMAT_OBJECT, io.BytesIO(json.dumps({"format": FORMAT}).encode() + b"\n"))
            self.catalog.format_written()

    def _reserve_id(self) -> tuple[str, int]:
        """A new id, `version_timestamp`, unique in this process and unused in the store."""
        while True:
            with self._lock:
                timestamp = max(self.clock() // 1000, self._last_timestamp + 1)
                self._last_timestamp = timestamp
                backup_id = f"{self.version}_{timestamp}"
                self._running.add(backup_id)
            if not any(self.store.list(f"{prefix}{backup_id}/") for prefix in (PREFIX, DATA_PREFIX)):
                with self._lock:
                    self._unanswered.add(backup_id)
                return backup_id, timestamp
            with self._lock:
                self._running.discard(backup_id)

    def _discard(self, backup_id: str) -> None:
        self._answered(backup_id)
        try:
            _delete_objects(self.store, backup_id)
        except StoreError:
            log.warning("could not remove what the failed backup %s stored; it is never listed", backup_id)

    def scratch_dir(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir


def stored_format(store: Store) -> int | None:
    """The format the store is marked with, None for a new store; raises StoreTooNew."""
    return _understood(_marked_format(store))


def _marked_format(store: Store) -> Any:
    """What the format marker says, None without a marker."""
    try:
        marker = store.read_bytes(FORMAT_OBJECT)
    except ObjectMissing:
        return None
    try:
        return json.loads(marker)["format"]
    except (ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{FORMAT_OBJECT} is not a format marker: {error}") from error


def _understood(marked: Any) -> int | None:
    """`marked` if this server may read and write a store of that format; raises StoreTooNew."""
    if marked is not None and (not isinstance(marked, int) or marked > FORMAT):
        raise StoreTooNew(f"the store has format {marked!r}; this server understands up to {FORMAT}")
    return marked


def read_manifest(store: Store, backup_id: str) -> Manifest:
    """The manifest of a completely stored backup; raises BackupNotFound and StoreTooNew."""
    stored_format(store)
    return _manifest_of(store, backup_id)


def _manifest_of(store: Store, backup_id: str) -> Manifest:
    try:
        return _read_manifest(store, manifest_name(backup_id))
    except ObjectMissing:
        raise BackupNotFound(backup_id) from None


def _read_manifest(store: Store, name: str) -> Manifest:
    raw = store.read_bytes(name)
    try:
        return Manifest.from_bytes(raw)
    except (ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{name} is not a manifest: {error}") from error


def present(backup: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A stored Backup as the API shows it: with `created.readable` relative to `now`."""
    return _presented(backup, now.astimezone().date())


def _presented(backup: dict[str, Any], today: date) -> dict[str, Any]:
    created = backup["created"]
    moment = datetime.fromisoformat(created["value"])
    return {**backup, "created": {**created, "readable": readable(moment, today)}}


class _Presentations:
    """Each backup as the API shows it, made once per manifest and local day: only
    `created.readable` changes with the day. Those of earlier days are dropped when the day changes."""

    def __init__(self) -> None:
        self._day: tuple[date, dict[str, tuple[Manifest, dict[str, Any]]]] = (date.min, {})

    def of(self, manifest: Manifest, today: date) -> dict[str, Any]:
        day, made = self._day
        if day != today:
            made = {}
            self._day = (today, made)
        backup_id = manifest.backup["id"]
        known = made.get(backup_id)
        if known is None or known[0] is not manifest:  # new, or a manifest replaced under its name
            known = made[backup_id] = (manifest, _presented(manifest.backup, today))
        return known[1]


def readable(moment: datetime, today: date) -> str:
    """`Today - November 28th, 8:23 a.m.`: how far back from `today` (a local date), then the
    moment in local time."""
    local = moment.astimezone()
    days = max((today - local.date()).days, 0)
    if days == 0:
        ago = "Today"
    elif days == 1:
        ago = "Yesterday"
    elif days < 7:
        ago = f"{days} days ago"
    elif days < 14:
        ago = "Last week"
    elif days < 60:
        ago = f"{days // 7} weeks ago"
    elif days < 730:
        ago = f"{days // 30} months ago"
    else:
        ago = f"{days // 365} years ago"
    day = local.day
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    year = "" if local.year == today.year else f" {local.year}"
    hour = local.hour % 12 or 12
    meridiem = "a.m." if local.hour < 12 else "p.m."
    return f"{ago} - {local:%B} {day}{suffix}{year}, {hour}:{local:%M} {meridiem}"


def _created(manifest: Manifest) -> datetime:
    return EPOCH + timedelta(microseconds=int(manifest.backup["timestamp"]))


def _delete_objects(store: Store, backup_id: str) -> None:
    """Delete every object of a backup, in both layouts."""
    for prefix in (PREFIX, DATA_PREFIX):
        for item in store.list(f"{prefix}{backup_id}/"):
            store.delete(item.name)


def _backup_id(name: str) -> str:
    """The backup an object belongs to: `backups/ID/...` or `data/ID/...`."""
    return name.split("/", maxsplit=2)[1]


def data_name(backup_id: str) -> str:
    """The name of a backup's data in the store."""
    return f"{DATA_PREFIX}{backup_id}/{DATA}"


def manifest_name(backup_id: str) -> str:
    """The name of a backup's manifest in the store: written last, removed first."""
    return f"{PREFIX}{backup_id}/{MANIFEST}"


def backup_record(version: str, timestamp: int, size: int, device_name: str) -> dict[str, Any]:
    """The Backup a manifest keeps: of a server of `version`, taken at `timestamp` (microseconds
    since the epoch), of a snapshot of `size` bytes; its id is `version_timestamp`."""
    created = EPOCH + timedelta(microseconds=timestamp)
    return {
        "id": f"{version}_{timestamp}",
        "version": version,
        "timestamp": str(timestamp),
        "bytes": size,
        "created": {"value": created.isoformat(timespec="microseconds")},
        "device_name": device_name,
        "platform": PLATFORMS.get(sys.platform, "UNKNOWN"),
    }
