"""What a store keeps about a backup: its record, and the manifest that holds it.

A record is a value of its own, encoded here with names of its own: the API's JSON is rendered from
it elsewhere (`api.wire`), so renaming a field of the API never changes a stored byte. Its encoding
has a version (`RECORD`) beside the store's format: a manifest written before the version existed
is encoding 1, which is what encoding 1 still writes, byte for byte, with the version added.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from backups_server.errors import BackupNotFound, ObjectMissing, StoreError
from backups_server.storage.layout import FORMAT, manifest_name

if TYPE_CHECKING:
    from backups_server.storage.store import Store

RECORD = 1
"""The encoding of records this server writes and reads."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BackupRecord:
    """One backup: taken by a server of `version` at `timestamp` (microseconds since the epoch), of a
    database of `size` bytes, on a device and a platform; its id is `version_timestamp`."""

    backup_id: str
    version: str
    timestamp: int
    size: int
    device_name: str
    platform: str

    @classmethod
    def new(cls, version: str, timestamp: int, size: int, device_name: str, platform: str) -> BackupRecord:
        return cls(f"{version}_{timestamp}", version, timestamp, size, device_name, platform)

    @property
    def created(self) -> datetime:
        return EPOCH + timedelta(microseconds=self.timestamp)


@dataclass(frozen=True)
class Manifest:
    """A backup's record, and where its data is: the object, its SHA-256 and its size as stored."""

    record: BackupRecord
    data: str
    sha256: str
    stored_bytes: int

    @property
    def backup_id(self) -> str:
        return self.record.backup_id

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "record": RECORD,
            "backup": _encoded(self.record),
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
        """Raises ValueError, KeyError or TypeError for what is not a manifest this server reads."""
        document = json.loads(raw)
        encoding = document.get("record", 1)
        if encoding != RECORD:
            raise ValueError(f"its record has encoding {encoding!r}; this server reads {RECORD}")
        data = document["data"]
        return cls(_decoded(document["backup"]), data["object"], data["sha256"], data["bytes"])


def _encoded(record: BackupRecord) -> dict[str, Any]:
    """Encoding 1: the names of the first manifests."""
    return {
        "id": record.backup_id,
        "version": record.version,
        "timestamp": str(record.timestamp),
        "bytes": record.size,
        "created": {"value": record.created.isoformat(timespec="microseconds")},
        "device_name": record.device_name,
        "platform": record.platform,
    }


def _decoded(encoded: dict[str, Any]) -> BackupRecord:
    size = encoded["bytes"]
    if not isinstance(size, int) or isinstance(size, bool):
        raise TypeError(f"bytes is {size!r}, not a whole number")
    return BackupRecord(
        str(encoded["id"]),
        str(encoded["version"]),
        int(encoded["timestamp"]),
        size,
        str(encoded["device_name"]),
        str(encoded["platform"]),
    )


def read_manifest(store: Store, name: str) -> Manifest:
    """The manifest stored as `name`; raises ObjectMissing, and StoreError for what is not a manifest."""
    raw = store.read_bytes(name)
    try:
        return Manifest.from_bytes(raw)
    except (ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{name} is not a manifest: {error}") from error


def manifest_of(store: Store, backup_id: str) -> Manifest:
    """The manifest of a completely stored backup; raises BackupNotFound."""
    try:
        return read_manifest(store, manifest_name(backup_id))
    except ObjectMissing:
        raise BackupNotFound(backup_id) from None


def write_manifest(store: Store, manifest: Manifest) -> None:
    """Store the manifest, which lists the backup: the last write of a backup."""
    store.write(manifest_name(manifest.backup_id), io.BytesIO(manifest.to_bytes()))
