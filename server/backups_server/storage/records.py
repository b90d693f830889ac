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

from backups_server.errors import BackupNotFound, NotAManifest, ObjectMissing, StoreError
from backups_server.storage.layout import (
    COPIES,
    MANIFEST_FILE,
    backup_of,
    manifest_name,
    sealed_manifest_name,
)
from backups_server.storage.sealing import seal, unseal

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

    @property
    def added_bytes(self) -> int:
        """What the backup's data added to the store: all of it."""
        return self.stored_bytes

    def to_bytes(self) -> bytes:
        document = {
            "format": COPIES,
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


@dataclass(frozen=True)
class SealedManifest:
    """A backup of an encrypted store: its record, the database's page size and count, its whole-file
    SHA-256, the pieces that list its pages' ids in order, and what the backup added to the store."""

    record: BackupRecord
    page_size: int
    page_count: int
    sha256: str
    lists: tuple[bytes, ...]
    added_bytes: int

    @property
    def backup_id(self) -> str:
        return self.record.backup_id

    def seal(self, key: bytes) -> bytes:
        """The manifest encrypted, bound to its backup's id: copied under another backup's name, it
        does not open."""
        document = {
            "record": RECORD,
            "backup": _encoded(self.record),
            "database": {"page_size": self.page_size, "page_count": self.page_count, "sha256": self.sha256},
            "lists": [piece.hex() for piece in self.lists],
            "added_bytes": self.added_bytes,
        }
        return seal(key, json.dumps(document, separators=(",", ":")).encode(), self.backup_id.encode())

    @classmethod
    def unseal(cls, key: bytes, sealed: bytes, backup_id: str) -> SealedManifest:
        """Raises Unauthentic, or ValueError, KeyError or TypeError for what is not a manifest."""
        document = json.loads(unseal(key, sealed, backup_id.encode()))
        if document.get("record") != RECORD:
            raise ValueError(
                f"its record has encoding {document.get('record')!r}; this server reads {RECORD}"
            )
        database = document["database"]
        record = _decoded(document["backup"])
        if record.backup_id != backup_id:
            raise ValueError(f"it is the manifest of {record.backup_id}")
        return cls(
            record,
            int(database["page_size"]),
            int(database["page_count"]),
            str(database["sha256"]),
            tuple(bytes.fromhex(piece) for piece in document["lists"]),
            int(document["added_bytes"]),
        )


StoredManifest = Manifest | SealedManifest
"""What a store keeps about a backup, in one format or the other."""


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


def read_manifest(store: Store, name: str, key: bytes | None = None) -> StoredManifest:
    """The manifest stored as `name`, sealed ones opened with `key`; raises ObjectMissing, NotAManifest
    for what is not a manifest, and StoreError for a sealed one without a key."""
    raw = store.read_bytes(name)
    sealed = not name.endswith(MANIFEST_FILE)
    if sealed and key is None:
        raise StoreError(f"{name} is sealed, and the store's keys are not open")
    try:
        if sealed and key is not None:
            return SealedManifest.unseal(key, raw, backup_of(name))
        return Manifest.from_bytes(raw)
    except (ValueError, KeyError, TypeError) as error:
        raise NotAManifest(f"{name} is not a manifest: {error}") from error


def manifest_of(store: Store, backup_id: str, key: bytes | None = None) -> StoredManifest:
    """The manifest of a completely stored backup, in either format, the sealed one first given `key`
    (a migration may have left both); raises BackupNotFound."""
    names = (manifest_name(backup_id), sealed_manifest_name(backup_id))
    for name in reversed(names) if key is not None else names:
        try:
            return read_manifest(store, name, key)
        except ObjectMissing:
            continue
    raise BackupNotFound(backup_id)


def write_manifest(store: Store, manifest: StoredManifest, key: bytes | None = None) -> int:
    """Store the manifest, which lists the backup: the last write of a backup; its size. A sealed one
    is sealed with `key`."""
    if isinstance(manifest, SealedManifest):
        if key is None:
            raise ValueError("a sealed manifest needs its key")
        name, raw = sealed_manifest_name(manifest.backup_id), manifest.seal(key)
    else:
        name, raw = manifest_name(manifest.backup_id), manifest.to_bytes()
    store.write(name, io.BytesIO(raw))
    return len(raw)
