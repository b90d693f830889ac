"""The layout of a store: where each object of a backup lives, and the format marker.

Format 1, a whole compressed copy of the database per backup:

    format.json                    the format marker, written on first use
    data/ID/data.sqlite.zst        the zstd-compressed snapshot, written first
    backups/ID/manifest.json       the manifest, written last: a backup exists once this does

Format 2, encrypted and deduplicated page by page (`storage.vault`):

    format.json                    the format marker
    keys/KEY                       the master key, wrapped with age, once per passphrase or recipient
    packs/XX/PACK                  the pieces, compressed and sealed, in blobs (`storage.packs`)
    index/INDEX                    which pack holds each piece (`storage.index`)
    backups/ID/manifest            the sealed manifest, written last, removed first
    marks/MARK                     packs a prune found unneeded (`storage.marks`)
    migrating/ID/manifest          a sealed manifest staged by `migrate`, listed by no server

Listing reads manifests only, so a backup is never listed before its data is completely stored; a
delete removes the manifest first for the same reason. In format 1, anything under `data/` or
`backups/` whose backup has no manifest is a leftover of an interrupted backup; in format 2, a pack
no index names. Manifests have `backups/` to themselves, so a listing of N backups is N names long;
format-1 stores written before kept the data beside the manifest, in `backups/ID/`, and are read the
same way, since a manifest names its data object.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from backups_server.errors import ObjectMissing, StoreError, StoreTooNew

if TYPE_CHECKING:
    from backups_server.storage.store import Store

COPIES, PAGES = 1, 2
"""The formats: whole compressed copies of the database, and encrypted, deduplicated pages."""
FORMAT = PAGES
"""The newest store format this server writes and understands; a store marked newer is left alone.
A store it finds in format 1 stays in format 1 until it is migrated."""

FORMAT_OBJECT = "format.json"
MANIFESTS = "backups/"
DATA = "data/"
MIGRATING = "migrating/"
BACKUP_FOLDERS = (MANIFESTS, DATA)
"""The folders that hold a folder of objects per backup."""
DATA_FILE = "data.sqlite.zst"
MANIFEST_FILE = "manifest.json"
SEALED_MANIFEST_FILE = "manifest"


def data_name(backup_id: str) -> str:
    """The name of a backup's data: written first."""
    return f"{DATA}{backup_id}/{DATA_FILE}"


def older_data_name(backup_id: str) -> str:
    """Where stores written before kept a backup's data, beside its manifest: read, never written."""
    return f"{MANIFESTS}{backup_id}/{DATA_FILE}"


def manifest_name(backup_id: str) -> str:
    """The name of a backup's manifest: written last, removed first."""
    return f"{MANIFESTS}{backup_id}/{MANIFEST_FILE}"


def sealed_manifest_name(backup_id: str) -> str:
    """The name of a backup's manifest in an encrypted store: written last, removed first."""
    return f"{MANIFESTS}{backup_id}/{SEALED_MANIFEST_FILE}"


def staged_manifest_name(backup_id: str) -> str:
    """Where `migrate` stages a backup's sealed manifest until the store is marked format 2."""
    return f"{MIGRATING}{backup_id}/{SEALED_MANIFEST_FILE}"


def is_manifest(name: str) -> bool:
    return name.startswith(MANIFESTS) and name.endswith(("/" + MANIFEST_FILE, "/" + SEALED_MANIFEST_FILE))


def backup_of(name: str) -> str:
    """The backup an object belongs to: `backups/ID/...` or `data/ID/...`."""
    return name.split("/", maxsplit=2)[1]


def objects_of(store: Store, backup_id: str) -> list[str]:
    """The names of every object of a backup, in both layouts."""
    return [item.name for folder in BACKUP_FOLDERS for item in store.list(f"{folder}{backup_id}/")]


def marked_format(store: Store) -> Any:
    """What the format marker says, None without a marker."""
    try:
        marker = store.read_bytes(FORMAT_OBJECT)
    except ObjectMissing:
        return None
    try:
        return json.loads(marker)["format"]
    except (ValueError, KeyError, TypeError) as error:
        raise StoreError(f"{FORMAT_OBJECT} is not a format marker: {error}") from error


def understood(marked: Any) -> int | None:
    """`marked` if this server may read and write a store of that format; raises StoreTooNew."""
    if marked is not None and (not isinstance(marked, int) or marked > FORMAT):
        raise StoreTooNew(f"the store has format {marked!r}; this server understands up to {FORMAT}")
    return marked


def stored_format(store: Store) -> int | None:
    """The format the store is marked with, None for a new store; raises StoreTooNew."""
    return understood(marked_format(store))


def mark_format(store: Store, format_number: int) -> None:
    """Write the format marker."""
    store.write(FORMAT_OBJECT, io.BytesIO(json.dumps({"format": format_number}).encode() + b"\n"))
