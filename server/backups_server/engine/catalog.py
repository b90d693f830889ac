"""The backups a store holds, as its listing shows them now, and their removal."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from backups_server.engine.retention import decide
from backups_server.errors import NotAManifest
from backups_server.storage.cache import ListingCache
from backups_server.storage.layout import (
    MANIFEST_FILE,
    MANIFESTS,
    backup_of,
    is_manifest,
    marked_format,
    objects_of,
    understood,
)
from backups_server.storage.records import read_manifest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_server.engine.retention import Decision, Policy
    from backups_server.storage.records import StoredManifest
    from backups_server.storage.store import Store

log = logging.getLogger(__name__)

FORMAT_RECHECK = 5.0
"""Seconds a reading of the format marker stands: a newer server sharing the store may upgrade it."""


class Catalog:
    """The backups a store holds. Blocking: call it from worker threads.

    Every listing lists the store, so the backups that other servers sharing it make or delete
    show at once. Manifests, immutable once written, are read once per process (`ListingCache`),
    and the format marker once per FORMAT_RECHECK seconds: a warm listing costs the store's LIST
    requests alone, and one more read of the marker at most.
    """

    def __init__(
        self,
        store: Store,
        *,
        manifest_key: Callable[[], bytes] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._manifest_key = manifest_key
        self._monotonic = monotonic
        self._manifests = ListingCache(self._read, readers=store.concurrent_reads)
        self._format_lock = threading.Lock()
        self._format_read: tuple[float, int | None] | None = None

    def check_format(self) -> int | None:
        """The store's format, None for a new store; raises StoreTooNew. The marker is read again
        once its last reading is FORMAT_RECHECK seconds old."""
        with self._format_lock:
            if self._format_read is None or self._monotonic() - self._format_read[0] >= FORMAT_RECHECK:
                self._format_read = (self._monotonic(), marked_format(self.store))
            marked = self._format_read[1]
        return understood(marked)

    def format_written(self, format_number: int) -> None:
        """Record that this server has just written the format marker."""
        with self._format_lock:
            self._format_read = (self._monotonic(), format_number)

    def manifests(self, *, every: bool = False) -> list[StoredManifest]:
        """The manifest of every completely stored backup, newest first. An object that is not a
        manifest this server reads is left out (the log names it when it is first read), so that one
        damaged object does not hide every backup; with `every`, it raises NotAManifest instead."""
        self.check_format()
        listing = [item for item in self.store.list(MANIFESTS) if is_manifest(item.name)]
        sealed = {backup_of(item.name) for item in listing if not item.name.endswith(MANIFEST_FILE)}
        # While a migration replaces a backup's manifest, it has both: the sealed one is listed.
        listing = [
            item
            for item in listing
            if not (item.name.endswith(MANIFEST_FILE) and backup_of(item.name) in sealed)
        ]
        manifests = []
        for read in self._manifests.contents(listing):
            if isinstance(read, NotAManifest):
                if every:
                    raise NotAManifest(str(read))
                continue
            manifests.append(read)
        return sorted(
            manifests, key=lambda manifest: (manifest.record.timestamp, manifest.backup_id), reverse=True
        )

    def remove(self, backup_id: str) -> None:
        """Remove a backup, its manifest first: it is never listed half removed. An encrypted store's
        backup is its manifest: its pieces go with the next prune, if no other backup has them."""
        for name in objects_of(self.store, backup_id):
            if is_manifest(name):
                self.store.delete(name)
        remove_objects(self.store, backup_id)

    def _read(self, name: str) -> StoredManifest | NotAManifest:
        sealed = not name.endswith(MANIFEST_FILE)
        key = self._manifest_key() if sealed and self._manifest_key is not None else None
        try:
            return read_manifest(self.store, name, key)
        except NotAManifest as error:
            log.warning("%s; listings leave it out, and the keep policy stops at it", error)
            return error

    def forget(
        self, policy: Policy, *, dry_run: bool = False, spared: Callable[[str], bool] = lambda _: False
    ) -> Iterator[Decision]:
        """Apply `policy`: remove each backup it does not keep, unless `spared`, or with `dry_run`;
        yields what it did with each, newest first, once done.

        Raises StoreError and StoreTooNew. Nothing is removed unless the whole listing succeeded;
        a removal that fails stops the others.
        """
        backups = [(manifest.backup_id, manifest.record.created) for manifest in self.manifests(every=True)]
        for decision in decide(policy, backups):
            if decision.kept:
                yield decision
            elif spared(decision.backup_id):
                yield replace(decision, reasons=("just made",))
            else:
                if not dry_run:
                    self.remove(decision.backup_id)
                yield decision


def remove_objects(store: Store, backup_id: str) -> None:
    """Delete every object of a backup, in both layouts."""
    for name in objects_of(store, backup_id):
        store.delete(name)
