"""Garbage collection of an encrypted store: the packs no backup needs go, a grace period after a prune
first found them unneeded, with no lock that backups must take (kopia's approach).

Forgetting a backup removes its manifest only; a prune then:
1. reads every manifest (those a migration staged too) and the lists of page ids they name: the pieces
   the backups need;
2. copies the needed pieces of packs mostly unneeded (under REPACK_BELOW of their bytes) into new packs;
3. marks the packs no backup needs (those older than the grace period, so that a running backup's new
   packs are left alone, and those just copied out), in a mark object of their own (`storage.marks`);
4. deletes the packs of marks older than the grace period that no backup needs now, the manifests
   listed again for it: the index loses them first (one index object replacing those read), then the
   packs go, then the marks.

A backup relies on no marked pack: one that a prune marks while it runs has its pages stored anew before
its manifest is written (`engine.service`). So a manifest written before a mark is seen by the listing
of step 4, one written after relies on no marked pack, and a pack is deleted only when no listed backup
needs it, whatever a server writing to the same store does meanwhile, as long as its backups take less
than the grace period. Stopped at any point, a prune leaves what the next one finishes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from backups_server.engine.migrate import staged_manifests
from backups_server.engine.pages import split_ids
from backups_server.storage.marks import read_marks, release_lease, take_lease, write_mark
from backups_server.storage.packs import PACKS
from backups_server.storage.records import SealedManifest
from backups_server.storage.vault import VaultReader, VaultWriter

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from backups_server.engine.catalog import Catalog
    from backups_server.storage.index import Index
    from backups_server.storage.packs import Blob
    from backups_server.storage.store import StoredObject
    from backups_server.storage.vault import Vault

log = logging.getLogger(__name__)

GRACE = timedelta(hours=24)
REPACK_BELOW = 0.5
"""A pack whose needed pieces make less than this share of its bytes is rewritten."""


@dataclass
class Pruned:
    """What a prune did, or would do with `dry_run`: the packs, by name and size in bytes."""

    dry_run: bool
    repacked: dict[str, int] = field(default_factory=dict)
    marked: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    """The packs left in the store."""
    written_bytes: int = 0
    """What copying the needed pieces of the repacked packs added."""
    missing: int = 0
    """Pieces backups need that no pack holds: `check` says which backups they damage."""


def prune(vault: Vault, catalog: Catalog, *, grace: timedelta = GRACE, dry_run: bool = False) -> Pruned:
    """Prune the encrypted store of `catalog`, holding the store's prune lease unless `dry_run`; raises
    StoreError when another prune holds it, or when a backup does not read (NotAManifest, or a damaged
    list of pages): what it needs is unknown, so nothing goes."""

    def manifests() -> list[SealedManifest]:
        staged = staged_manifests(vault.store, vault.manifest_key)  # first: see staged_manifests
        listed = [item for item in catalog.manifests(every=True) if isinstance(item, SealedManifest)]
        return staged + listed

    pruner = Pruner(vault, manifests, grace=grace, dry_run=dry_run)
    if dry_run:
        return pruner.prune()
    lease = take_lease(vault.store)
    try:
        return pruner.prune()
    finally:
        release_lease(vault.store, lease)


class Pruner:
    """One prune of an encrypted store; `manifests` lists every backup, and raises when one does not
    read. Run `prune` once."""

    def __init__(
        self,
        vault: Vault,
        manifests: Callable[[], list[SealedManifest]],
        *,
        grace: timedelta = GRACE,
        dry_run: bool = False,
    ) -> None:
        self.vault = vault
        self.store = vault.store
        self.manifests = manifests
        self.grace = grace
        self.result = Pruned(dry_run)
        self._copies_pending: frozenset[str] = frozenset()
        """The packs a dry run would copy out: it counts them as holders of what they hold."""

    def prune(self) -> Pruned:
        stored = {item.name: item for item in self.store.list(PACKS)}
        marked = frozenset().union(*(mark.packs for mark in read_marks(self.store)))
        needed, index = self._needed()
        holders = _holders(index, needed)
        self.result.missing = len(needed) - len(holders)
        copied_out = self._repack(index, stored, marked, needed)
        if copied_out and not self.result.dry_run:
            index = self.vault.index()
            holders = _holders(index, needed)
        self._mark(index, stored, marked, holders, copied_out)
        self._delete(stored)
        left = stored.values() if self.result.dry_run else self.store.list(PACKS)
        self.result.kept = {item.name: item.size for item in left if item.name not in self.result.deleted}
        return self.result

    def _needed(self) -> tuple[set[bytes], Index]:
        """The pieces the backups listed now need (their lists of page ids, and the pages they name),
        and the index, read after the listing: it names the packs of every backup listed."""
        lists = {piece for manifest in self.manifests() for piece in manifest.lists}
        index = self.vault.index()
        reader = VaultReader(self.vault, index)
        needed = set(lists)
        for piece in lists:
            needed.update(split_ids(reader.piece(piece)))
        return needed, index

    def _repack(
        self, index: Index, stored: dict[str, StoredObject], marked: frozenset[str], needed: set[bytes]
    ) -> frozenset[str]:
        """Copy the needed pieces of the packs mostly unneeded into new packs; the packs copied out."""
        sparse = frozenset(
            pack
            for pack, blobs in index.packs.items()
            if pack in stored
            and pack not in marked
            and 0 < _needed_bytes(blobs, needed) < REPACK_BELOW * _bytes(blobs)
        )
        self.result.repacked = {pack: stored[pack].size for pack in sorted(sparse)}
        if self.result.dry_run:
            self._copies_pending = sparse
        if not sparse or self.result.dry_run:
            return sparse
        reader = VaultReader(self.vault, index)
        writer = VaultWriter(self.vault, index.without(sparse | marked))
        try:
            for pack in sorted(sparse):
                for blob in index.packs[pack]:
                    for piece in blob.pieces:
                        if piece.id in needed:
                            writer.add(reader.piece(piece.id))
            writer.finish()
        except BaseException:
            writer.abandon()
            raise
        self.result.written_bytes = writer.stored_bytes
        log.info("prune: copied the needed pieces of %d packs into %d new", len(sparse), len(writer.packs))
        return sparse

    def _mark(
        self,
        index: Index,
        stored: dict[str, StoredObject],
        marked: frozenset[str],
        holders: dict[bytes, list[str]],
        copied_out: frozenset[str],
    ) -> None:
        now = datetime.now(UTC)
        unneeded = {
            pack
            for pack in stored.keys() | index.packs.keys()
            if pack not in marked
            and (pack in copied_out or (pack in stored and now - stored[pack].modified >= self.grace))
        }
        doomed = (unneeded | marked) - self._copies_pending
        unneeded -= _still_needed(doomed, holders, _rank(index, holders, copied_out))
        self.result.marked = {pack: _stored_size(stored, pack) for pack in sorted(unneeded)}
        if unneeded and not self.result.dry_run:
            write_mark(self.store, unneeded)

    def _delete(self, stored: dict[str, StoredObject]) -> None:
        """Delete the packs of the marks older than the grace period that the backups listed now do
        not need, once the index no longer names them; then those marks."""
        now = datetime.now(UTC)
        marks = [mark for mark in read_marks(self.store) if now - mark.marked >= self.grace]
        doomed = frozenset().union(*(mark.packs for mark in marks))
        if self.result.dry_run and not self.grace:
            doomed |= self.result.marked.keys()  # what a real run marks, it deletes at once
        if not doomed:
            return
        needed, index = self._needed()
        kept = _still_needed(doomed - self._copies_pending, _holders(index, needed), _rank(index, needed))
        deleting = doomed - kept
        self.result.deleted = {pack: _stored_size(stored, pack) for pack in sorted(deleting)}
        if self.result.dry_run:
            return
        if deleting & index.packs.keys():
            surviving = {pack: blobs for pack, blobs in index.packs.items() if pack not in deleting}
            if surviving:
                self.vault.write_index(surviving)
            for name in index.objects:
                self.store.delete(name)
        for pack in sorted(deleting):
            self.store.delete(pack)
        for mark in marks:
            self.store.delete(mark.name)
        log.info("prune: deleted %d packs no backup needs", len(deleting))


def _holders(index: Index, needed: Collection[bytes]) -> dict[bytes, list[str]]:
    """The packs holding each needed piece that some pack holds."""
    holders: dict[bytes, list[str]] = {}
    for pack, blobs in index.packs.items():
        for blob in blobs:
            for piece in blob.pieces:
                if piece.id in needed:
                    holders.setdefault(piece.id, []).append(pack)
    return holders


def _still_needed(
    doomed: Collection[str], holders: dict[bytes, list[str]], rank: Callable[[str], Any]
) -> set[str]:
    """Packs of `doomed` to keep so that every needed piece keeps a holder: for a piece held by doomed
    packs only, the first by `rank` of them."""
    kept: set[str] = set()
    for packs in holders.values():
        if all(pack in doomed and pack not in kept for pack in packs):
            kept.add(min(packs, key=rank))
    return kept


def _rank(index: Index, needed: Collection[bytes], copied_out: Collection[str] = ()) -> Callable[[str], Any]:
    """Which of the packs holding a piece to keep: not one just copied out, then the most needed."""
    share = {pack: _needed_bytes(blobs, needed) / (_bytes(blobs) or 1) for pack, blobs in index.packs.items()}
    return lambda pack: (pack in copied_out, -share.get(pack, 0.0), pack)


def _needed_bytes(blobs: list[Blob], needed: Collection[bytes]) -> int:
    return sum(piece.length for blob in blobs for piece in blob.pieces if piece.id in needed)


def _bytes(blobs: list[Blob]) -> int:
    return sum(blob.size for blob in blobs)


def _stored_size(stored: dict[str, StoredObject], pack: str) -> int:
    item = stored.get(pack)
    return item.size if item is not None else 0
