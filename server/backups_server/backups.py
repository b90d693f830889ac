"""The backup service: take, list and delete backups in a store, whichever store it is.

Layout of a store:

    format.json                    the format marker, written on first use
    backups/ID/data.sqlite.zst     the zstd-compressed snapshot, written first
    backups/ID/manifest.json       the metadata, written last: a backup exists once this does

Listing reads manifests only, so a backup is never listed before its data is completely stored;
delete removes the manifest first for the same reason. Anything else under `backups/` that has
no manifest is a leftover of an interrupted backup, removed by `clean_leftovers`.
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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec

from backups_server.compression import CompressedReader
from backups_server.progress import BackupProgress
from backups_server.snapshot import ExplainedFailure, NoSpaceForSnapshot, check, snapshot
from backups_server.store import ObjectMissing, StoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from backups_server.store import Store

log = logging.getLogger(__name__)

P = ParamSpec("P")

FORMAT = 1
"""The store format this server writes and understands; a store marked newer is left alone."""

FORMAT_OBJECT = "format.json"
PREFIX = "backups/"
DATA = "data.sqlite.zst"
MANIFEST = "manifest.json"

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PLATFORMS = {"linux": "LINUX", "darwin": "MACOS", "win32": "WINDOWS", "cygwin": "WINDOWS"}
PLATFORMS |= {"android": "ANDROID", "ios": "IOS", "emscripten": "WEB", "wasi": "WEB"}


class StoreTooNew(Exception):
    """The store was written in a newer format than this server understands."""


SHUTTING_DOWN = "The server is shutting down"


class Stopping(ExplainedFailure):
    """The server is shutting down: the backup is abandoned before it is listed."""

    def __init__(self) -> None:
        super().__init__(SHUTTING_DOWN)


class BackupNotFound(LookupError):
    def __init__(self, backup_id: str) -> None:
        super().__init__(f"Backup {backup_id} was not found")
        self.backup_id = backup_id


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


class BackupService:
    """Backups of one SQLite database in one store. Blocking: call it from worker threads."""

    def __init__(
        self,
        *,
        store: Store,
        database: Path,
        work_dir: Path,
        version: str,
        device_name: str,
    ) -> None:
        self.store = store
        self.database = database
        self.work_dir = work_dir
        self.version = version
        self.device_name = device_name
        self._lock = threading.Lock()
        self._last_timestamp = 0
        self._running: set[str] = set()
        self._stopping = threading.Event()

    def check_format(self) -> None:
        """Raise StoreTooNew unless this server may read and write the store."""
        stored_format(self.store)

    def list_backups(self) -> list[dict[str, Any]]:
        """Every completely stored backup, newest first, as the API's Backup."""
        self.check_format()
        manifests = []
        for item in self.store.list(PREFIX):
            if item.name.endswith("/" + MANIFEST):
                try:
                    manifests.append(_read_manifest(self.store, item.name))
                except ObjectMissing:
                    continue
        manifests.sort(
            key=lambda manifest: (int(manifest.backup["timestamp"]), manifest.backup["id"]), reverse=True
        )
        now = datetime.now(UTC)
        return [present(manifest.backup, now) for manifest in manifests]

    def create(self, on_progress: Callable[[float], None]) -> dict[str, Any]:
        """Take a backup and return it as the API's Backup.

        The snapshot is compressed into the store while SQLite's check reads it: the manifest is
        written once both are done, and the check passed. `on_progress` gets the fraction done as
        it rises, one call at a time, from any thread.
        """
        self._prepare_store()
        backup_id, timestamp = self._reserve_id()
        progress = BackupProgress(on_progress)
        try:
            try:
                with tempfile.TemporaryDirectory(dir=self._scratch_dir(), prefix=f"{backup_id}+") as scratch:
                    snapshot_path = Path(scratch, "snapshot.sqlite")
                    size = snapshot(self.database, snapshot_path, self._unless_stopping(progress.snapshotted))
                    data = self._store_checked(backup_id, snapshot_path, progress)
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise NoSpaceForSnapshot(self.work_dir) from error
                raise
            self._unless_stopping(lambda: None)()
            backup = self._describe(backup_id, timestamp, size)
            manifest = Manifest(backup, _data_name(backup_id), data.sha256.hexdigest(), data.size)
            self.store.write(_manifest_name(backup_id), io.BytesIO(manifest.to_bytes()))
        except StoreError:
            log.warning("backup %s failed in the store; what it stored goes with the next sweep", backup_id)
            raise
        except BaseException:
            self._discard(backup_id)
            raise
        finally:
            with self._lock:
                self._running.discard(backup_id)
        log.info("backup %s stored: %d bytes of database, %d bytes stored", backup_id, size, data.size)
        return present(backup, datetime.now(UTC))

    def stop(self) -> None:
        """Make every running backup fail with Stopping at its next step, before it is listed."""
        self._stopping.set()

    def _store_checked(
        self, backup_id: str, snapshot_path: Path, progress: BackupProgress
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
                data = CompressedReader(file, self._unless_stopping(compressed))
                self.store.write(_data_name(backup_id), data, progress.stored)
            verdict.result()
        return data

    def _unless_stopping(self, report: Callable[P, None]) -> Callable[P, None]:
        """`report`, which raises Stopping instead once the service is stopping."""

        def checked(*args: P.args, **kwargs: P.kwargs) -> None:
            if self._stopping.is_set():
                raise Stopping
            report(*args, **kwargs)

        return checked

    def delete(self, backup_id: str) -> None:
        self.check_format()
        manifest = _manifest_name(backup_id)
        if not self.store.list(manifest):
            raise BackupNotFound(backup_id)
        self.store.delete(manifest)
        self._delete_objects(backup_id)
        log.info("backup %s deleted", backup_id)

    def clean_leftovers(self, older_than: timedelta) -> list[str]:
        """Remove what interrupted backups left in the store, if older than `older_than`: objects
        without a manifest, and unfinished writes (S3's multipart uploads). Returns what went.

        The age keeps this from removing the work of another server that shares the store and is
        still writing; this server's own running backups are never touched.
        """
        self.check_format()
        cutoff = datetime.now(UTC) - older_than
        items = self.store.list(PREFIX)
        unfinished = self.store.unfinished(PREFIX)
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
        if stored_format(self.store) is None:
            self.store.write(FORMAT_OBJECT, io.BytesIO(json.dumps({"format": FORMAT}).encode() + b"\n"))

    def _reserve_id(self) -> tuple[str, int]:
        """A new id, `version_timestamp`, unique in this process and unused in the store."""
        while True:
            with self._lock:
                timestamp = max(time.time_ns() // 1000, self._last_timestamp + 1)
                self._last_timestamp = timestamp
                backup_id = f"{self.version}_{timestamp}"
                self._running.add(backup_id)
            if not self.store.list(f"{PREFIX}{backup_id}/"):
                return backup_id, timestamp
            with self._lock:
                self._running.discard(backup_id)

    def _describe(self, backup_id: str, timestamp: int, size: int) -> dict[str, Any]:
        created = EPOCH + timedelta(microseconds=timestamp)
        return {
            "id": backup_id,
            "version": self.version,
            "timestamp": str(timestamp),
            "bytes": size,
            "created": {"value": created.isoformat(timespec="microseconds")},
            "device_name": self.device_name,
            "platform": PLATFORMS.get(sys.platform, "UNKNOWN"),
        }

    def _delete_objects(self, backup_id: str) -> None:
        for item in self.store.list(f"{PREFIX}{backup_id}/"):
            self.store.delete(item.name)

    def _discard(self, backup_id: str) -> None:
        try:
            self._delete_objects(backup_id)
        except StoreError:
            log.warning("could not remove what the failed backup %s stored; it is never listed", backup_id)

    def _scratch_dir(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir


def stored_format(store: Store) -> int | None:
    """The format the store is marked with, None for a new store; raises StoreTooNew."""
    marker = io.BytesIO()
    try:
        store.read(FORMAT_OBJECT, marker)
    except ObjectMissing:
        return None
    try:
        stored = json.loads(marker.getvalue())["format"]
    except (ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{FORMAT_OBJECT} is not a format marker: {error}") from error
    if not isinstance(stored, int) or stored > FORMAT:
        raise StoreTooNew(f"the store has format {stored!r}; this server understands up to {FORMAT}")
    return stored


def read_manifest(store: Store, backup_id: str) -> Manifest:
    """The manifest of a completely stored backup; raises BackupNotFound and StoreTooNew."""
    stored_format(store)
    try:
        return _read_manifest(store, _manifest_name(backup_id))
    except ObjectMissing:
        raise BackupNotFound(backup_id) from None


def _read_manifest(store: Store, name: str) -> Manifest:
    raw = io.BytesIO()
    store.read(name, raw)
    try:
        return Manifest.from_bytes(raw.getvalue())
    except (ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{name} is not a manifest: {error}") from error


def present(backup: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A stored Backup as the API shows it: with `created.readable` relative to `now`."""
    created = datetime.fromisoformat(backup["created"]["value"])
    return {**backup, "created": {**backup["created"], "readable": readable(created, now)}}


def readable(moment: datetime, now: datetime) -> str:
    """`Today - November 28th, 8:23 a.m.`: how far back, then the moment in local time."""
    local = moment.astimezone()
    days = max((now.astimezone().date() - local.date()).days, 0)
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
    year = "" if local.year == now.astimezone().year else f" {local.year}"
    hour = local.hour % 12 or 12
    meridiem = "a.m." if local.hour < 12 else "p.m."
    return f"{ago} - {local:%B} {day}{suffix}{year}, {hour}:{local:%M} {meridiem}"


def _backup_id(name: str) -> str:
    return name[len(PREFIX) :].split("/", maxsplit=1)[0]


def _data_name(backup_id: str) -> str:
    return f"{PREFIX}{backup_id}/{DATA}"


def _manifest_name(backup_id: str) -> str:
    return f"{PREFIX}{backup_id}/{MANIFEST}"
