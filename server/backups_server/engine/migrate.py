"""Upgrading a store of whole copies (format 1) to an encrypted, deduplicated one (format 2).

Every backup stays listed and restorable throughout, and the migration may be stopped at any point
and run again, which goes on where it stopped:
1. each backup, oldest first, is fetched and checked against its SHA-256, stored page by page, read
   back and checked page by page, and its sealed manifest staged as `migrating/ID/manifest`, where
   no server lists it (a prune counts it as a backup, and the conversion relies on no marked pack);
2. the store is marked format 2;
3. each staged manifest takes the place of its backup's manifest (the sealed one written first: a
   listing shows the sealed one of a backup that has both), then the whole copy and the staged
   manifest go. A staged backup whose manifests are both gone was deleted meanwhile, and stays so.
Backups that servers still writing format 1 make meanwhile are converted by running it again.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from backups_server.engine.pages import fetch_pages, store_pages_unmarked
from backups_server.engine.restore import fetch
from backups_server.errors import ObjectMissing
from backups_server.storage.layout import (
    MANIFESTS,
    MIGRATING,
    PAGES,
    backup_of,
    data_name,
    manifest_name,
    mark_format,
    older_data_name,
    sealed_manifest_name,
    staged_manifest_name,
)
from backups_server.storage.records import Manifest, SealedManifest, read_manifest

if TYPE_CHECKING:
    from collections.abc import Callable

    from backups_server.engine.catalog import Catalog
    from backups_server.storage.store import Store
    from backups_server.storage.vault import Vault


@dataclass
class Migrated:
    """The backups a migration converted, with the bytes each added to the store."""

    converted: dict[str, int] = field(default_factory=dict)
    replaced: int = 0
    """Format-1 manifests replaced by their sealed ones (those converted by an earlier run included)."""


def migrate(
    catalog: Catalog,
    vault: Vault,
    scratch: Path,
    on_converted: Callable[[SealedManifest], None] = lambda _: None,
) -> Migrated:
    """Migrate the store of `catalog` into `vault`'s keys, using `scratch` for one backup at a time;
    `on_converted` gets each backup's sealed manifest once staged. Raises RestoreError for a backup
    whose copy is damaged (nothing of it is replaced), StoreError and DamagedPiece."""
    store = catalog.store
    migrated = Migrated()
    staged = {backup_of(item.name) for item in store.list(MIGRATING)}
    whole = [manifest for manifest in catalog.manifests(every=True) if isinstance(manifest, Manifest)]
    for manifest in sorted(whole, key=lambda manifest: manifest.record.timestamp):
        if manifest.backup_id in staged:
            continue
        sealed = _convert(store, vault, manifest, scratch)
        store.write(staged_manifest_name(sealed.backup_id), io.BytesIO(sealed.seal(vault.manifest_key)))
        migrated.converted[sealed.backup_id] = sealed.added_bytes
        on_converted(sealed)
    mark_format(store, PAGES)
    catalog.format_written(PAGES)
    for item in store.list(MIGRATING):
        migrated.replaced += _replace(store, backup_of(item.name), item.name)
    return migrated


def _convert(store: Store, vault: Vault, manifest: Manifest, scratch: Path) -> SealedManifest:
    """The backup stored page by page, and read back: its sealed manifest, to write."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix=f"{manifest.backup_id}+migrate") as folder:
        copy = Path(folder, "copy.sqlite")
        fetch(store, manifest, copy)
        with copy.open("rb") as file:
            sealed = store_pages_unmarked(vault, file, manifest.record).manifest
        with Path(folder, "read-back.sqlite").open("wb") as read_back:
            fetch_pages(vault, sealed, read_back)
    return sealed


def staged_manifests(store: Store, key: bytes) -> list[SealedManifest]:
    """The sealed manifests a migration has staged and not yet put in place, which a prune must count
    as backups; raises NotAManifest for one that does not open. One put in place meanwhile is left out:
    list these before the backups, and it is listed among them."""
    staged = []
    for item in store.list(MIGRATING):
        try:
            manifest = read_manifest(store, item.name, key)
        except ObjectMissing:
            continue
        if isinstance(manifest, SealedManifest):
            staged.append(manifest)
    return staged


def _replace(store: Store, backup_id: str, staged: str) -> int:
    """Put the staged sealed manifest in place of the backup's, then remove the whole copy; whether it
    replaced one (a backup deleted since it was staged is not brought back)."""
    try:
        sealed = store.read_bytes(staged)
    except ObjectMissing:
        return 0
    present = {item.name for item in store.list(f"{MANIFESTS}{backup_id}/")}
    replaced = 0
    if present & {manifest_name(backup_id), sealed_manifest_name(backup_id)}:
        if sealed_manifest_name(backup_id) not in present:
            store.write(sealed_manifest_name(backup_id), io.BytesIO(sealed))
        store.delete(manifest_name(backup_id))
        replaced = 1
    for name in (data_name(backup_id), older_data_name(backup_id), staged):
        store.delete(name)
    return replaced
