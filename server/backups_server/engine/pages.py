"""Backups of an encrypted store, page by page: a snapshot's pages into the vault, and back into a file.

SQLite's pages never move when others change, so a page is the unit of deduplication: a backup
stores the pages no earlier backup stored, and the list of its pages' ids in order, itself in pieces
of LIST_PAGES ids, so that an unchanged stretch of the list costs nothing either.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from backups_server.errors import RestoreError, StoreError
from backups_server.storage.marks import marked_packs
from backups_server.storage.packs import ID_BYTES
from backups_server.storage.records import SealedManifest
from backups_server.storage.vault import DamagedPiece, VaultReader, VaultWriter

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence
    from hashlib import _Hash as HashState

    from backups_server.storage.records import BackupRecord
    from backups_server.storage.vault import Vault

log = logging.getLogger(__name__)

PRUNED_UNDER_WAY = 3
"""Times a backup stores again the pages of packs that a prune marked while it ran, before it fails."""
BEHIND = 8
"""Chunks a HashBehind may have left to take: a write that is slow now and then (the file's cache
growing) does not hold up the reading, for 8 MiB of memory at most."""
LIST_PAGES = 4096
"""Ids in one piece of a backup's list of pages: 64 KiB, 16 MiB of pages."""
READ_BYTES = 1024 * 1024
"""The bytes of a snapshot read at once: a whole number of pages of any size up to 64 KiB, and a
whole number of them in a piece of the list (pages and READ_BYTES are powers of two)."""


def page_size(file: BinaryIO) -> int:
    """The page size a SQLite file's header says (its bytes 16-17, 1 standing for 65536)."""
    file.seek(16)
    size = int.from_bytes(file.read(2), "big")
    file.seek(0)
    return 65536 if size == 1 else size


def split_ids(listed: bytes) -> list[bytes]:
    """The page ids a piece of a backup's list holds."""
    return [listed[start : start + ID_BYTES] for start in range(0, len(listed), ID_BYTES)]


class HashBehind:
    """The SHA-256 of chunks given in order, from `start` if given (a state to go on from), each hashed,
    then handed to `then` if given, on a thread of its own while the next are being read (hashlib
    and writes to files let go of the GIL): for the length of a `with` block, which raises what
    `then` raised."""

    def __init__(
        self, start: HashState | None = None, then: Callable[[bytes], None] = lambda _chunk: None
    ) -> None:
        self._sha256 = start.copy() if start is not None else hashlib.sha256()
        self._then = then
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sha256")
        self._pending: deque[Future[None]] = deque()

    def __enter__(self) -> HashBehind:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._thread.shutdown(cancel_futures=kind is not None)
        if kind is None:
            self._wait(0)

    def update(self, chunk: bytes) -> None:
        self._wait(BEHIND - 1)
        self._pending.append(self._thread.submit(self._take, chunk))

    def state(self) -> HashState:
        """A copy of the hash of everything given so far, to go on from later."""
        self._wait(0)
        return self._sha256.copy()

    def hexdigest(self) -> str:
        """Once the block has ended."""
        return self._sha256.hexdigest()

    def _wait(self, pending: int) -> None:
        """Until no more than `pending` chunks are left to take; raises what taking one raised."""
        while len(self._pending) > pending:
            self._pending.popleft().result()

    def _take(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        self._then(chunk)


class HashPoint(NamedTuple):
    """Where a file's SHA-256 stood at the end of a piece of a backup's list of pages."""

    listed: bytes
    """The piece's id, which stands for every page up to its end, as their ids do for them."""
    state: HashState
    """The SHA-256 of the file up to the end of the piece's pages."""


class StoredPages(NamedTuple):
    manifest: SealedManifest
    """The manifest to write once everything else is done, which says what the backup added."""
    relied_on: frozenset[str]
    """The packs that hold the backup's pieces."""
    points: tuple[HashPoint, ...]
    """For the next backup of the same database: the SHA-256 of its file at the end of each piece."""


def store_pages(
    vault: Vault,
    snapshot: BinaryIO,
    record: BackupRecord,
    *,
    excluded: Collection[str] = frozenset(),
    on_read: Callable[[int, int], None] = lambda _read, _stored: None,
    earlier: Sequence[HashPoint] = (),
) -> StoredPages:
    """Store the pages of the file `snapshot` (read from its start) that the store lacks, and the list
    of them all; those in `excluded` packs are stored again. `on_read(read, stored)` gets the bytes
    of the snapshot read and of the store written after each READ_BYTES read.

    The file's SHA-256 goes on from `earlier`, the points of an earlier backup: as long as the pieces
    of the list are those of that backup, so are the pages and the hash, and the pages are not hashed
    again. An unchanged database costs no hashing of the whole file, one changed at its end little.
    """
    writer = VaultWriter(vault, vault.index().without(excluded))
    ids: list[bytes] = []
    points: list[HashPoint] = []
    read = 0
    try:
        size = page_size(snapshot)
        with _ResumedHash(snapshot, size, earlier) as file_hash:
            while chunk := snapshot.read(max(READ_BYTES, size)):  # a whole number of pages, of one piece
                pages = memoryview(chunk)
                ids += writer.add_all([pages[start : start + size] for start in range(0, len(chunk), size)])
                read += len(chunk)
                file_hash.update(chunk)
                if len(ids) % LIST_PAGES == 0:
                    points.append(file_hash.point(writer.add(b"".join(ids[-LIST_PAGES:])), read))
                on_read(read, writer.stored_bytes)
            if len(ids) > len(points) * LIST_PAGES:
                points.append(file_hash.point(writer.add(b"".join(ids[len(points) * LIST_PAGES :])), read))
        writer.finish()
    except BaseException:
        writer.abandon()
        raise
    on_read(read, writer.stored_bytes)
    sha256 = (points[-1].state if points else hashlib.sha256()).hexdigest()
    lists = tuple(point.listed for point in points)
    manifest = SealedManifest(record, size, len(ids), sha256, lists, writer.stored_bytes)
    return StoredPages(manifest, writer.relied_on, tuple(points))


def store_pages_unmarked(
    vault: Vault,
    snapshot: BinaryIO,
    record: BackupRecord,
    *,
    on_read: Callable[[int, int], None] = lambda _read, _stored: None,
    earlier: Sequence[HashPoint] = (),
) -> StoredPages:
    """`store_pages`, relying on no pack that a prune has marked: when one marks a pack the pieces
    relied on while they were stored, those it held are stored again (`storage.marks`), up to
    PRUNED_UNDER_WAY times, then StoreError. The manifest says what every pass added."""
    excluded = marked_packs(vault.store)
    added = 0
    for _ in range(PRUNED_UNDER_WAY):

        def read(consumed: int, stored_bytes: int, before: int = added) -> None:
            on_read(consumed, before + stored_bytes)

        stored = store_pages(vault, snapshot, record, excluded=excluded, on_read=read, earlier=earlier)
        earlier = stored.points
        added += stored.manifest.added_bytes
        unusable = vault.unusable(stored.relied_on)
        if not unusable:
            return stored._replace(manifest=replace(stored.manifest, added_bytes=added))
        log.info("a prune marked %d packs that backup %s relied on", len(unusable), record.backup_id)
        excluded |= unusable
    raise StoreError(f"prunes kept marking the packs that backup {record.backup_id} relied on")


class _ResumedHash:
    """A file's SHA-256 as `store_pages` takes it: the points of `earlier` as long as the file's pieces
    are theirs, then hashed on from the last of them that holds, the bytes after it read again."""

    def __init__(self, file: BinaryIO, page_size: int, earlier: Sequence[HashPoint]) -> None:
        self._file = file
        self._piece_bytes = LIST_PAGES * page_size
        self._earlier = earlier
        self._matched = 0
        """The pieces, from the first, that are those of `earlier`."""
        self._behind = None if earlier else HashBehind()

    def __enter__(self) -> _ResumedHash:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._behind is not None:
            self._behind.__exit__(kind)

    def update(self, chunk: bytes) -> None:
        """The next chunk of the file."""
        if self._behind is not None:
            self._behind.update(chunk)

    def point(self, listed: bytes, end: int) -> HashPoint:
        """The point at the end of the next piece, of id `listed`, whose last page ends at byte `end`."""
        if self._behind is None:
            if self._matched < len(self._earlier) and self._earlier[self._matched].listed == listed:
                self._matched += 1
                return self._earlier[self._matched - 1]
            self._behind = HashBehind(self._earlier[self._matched - 1].state if self._matched else None)
            for start in range(self._matched * self._piece_bytes, end, READ_BYTES):
                self._behind.update(os.pread(self._file.fileno(), min(READ_BYTES, end - start), start))
        return HashPoint(listed, self._behind.state())


def fetch_pages(
    vault: Vault,
    manifest: SealedManifest,
    target: BinaryIO,
    on_written: Callable[[int], None] = lambda _: None,
) -> int:
    """Write a backup's pages into `target`, in order, each checked against its id, then check the whole
    file's SHA-256; the bytes read from the store. Raises RestoreError, naming what is damaged.
    `on_written(n)` gets the bytes written so far, after each READ_BYTES written."""
    backup_id = manifest.backup_id
    per_chunk = max(1, READ_BYTES // manifest.page_size)
    written = 0

    def write(data: bytes) -> None:
        nonlocal written
        target.write(data)
        written += len(data)
        on_written(written)

    try:
        reader = VaultReader(vault, vault.index())
        with HashBehind(then=write) as sha256:
            for listed in manifest.lists:
                page_ids = split_ids(reader.piece(listed))
                for first in range(0, len(page_ids), per_chunk):
                    chunk = [reader.piece(page_id) for page_id in page_ids[first : first + per_chunk]]
                    if wrong := next((page for page in chunk if len(page) != manifest.page_size), None):
                        raise RestoreError(f"backup {backup_id} is damaged: a page has {len(wrong)} bytes")
                    sha256.update(b"".join(chunk))
    except DamagedPiece as error:
        raise RestoreError(f"backup {backup_id} is damaged: {error}") from error
    if written != manifest.page_size * manifest.page_count:
        raise RestoreError(f"backup {backup_id} is damaged: it does not have the pages it was taken with")
    if sha256.hexdigest() != manifest.sha256:
        raise RestoreError(f"backup {backup_id} is damaged: its checksum does not match")
    return reader.read_bytes
