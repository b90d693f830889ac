"""Backups of an encrypted store, page by page: a snapshot's pages into the vault, and back into a file.

SQLite's pages never move when others change, so a page is the unit of deduplication: a backup
stores the pages no earlier backup stored, and the list of its pages' ids in order, itself in pieces
of LIST_PAGES ids, so that an unchanged stretch of the list costs nothing either.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from backups_server.errors import RestoreError
from backups_server.storage.packs import ID_BYTES
from backups_server.storage.records import SealedManifest
from backups_server.storage.vault import DamagedPiece, VaultReader, VaultWriter

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from backups_server.storage.records import BackupRecord
    from backups_server.storage.vault import Vault

LIST_PAGES = 4096
"""Ids in one piece of a backup's list of pages: 64 KiB, 16 MiB of pages."""
READ_BYTES = 1024 * 1024
"""The bytes of a snapshot read at once: a whole number of pages of any size up to 64 KiB."""


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
    """The SHA-256 of chunks given in order, each hashed on a thread of its own while the next is being
    read (hashlib lets go of the GIL for long inputs): for the length of a `with` block."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sha256")
        self._hashing: Future[None] | None = None

    def __enter__(self) -> HashBehind:
        return self

    def __exit__(self, *_: object) -> None:
        self._thread.shutdown()

    def update(self, chunk: bytes) -> None:
        if self._hashing is not None:
            self._hashing.result()
        self._hashing = self._thread.submit(self._sha256.update, chunk)

    def hexdigest(self) -> str:
        """Once the block has ended."""
        return self._sha256.hexdigest()


class StoredPages(NamedTuple):
    manifest: SealedManifest
    """The manifest to write once everything else is done, which says what the backup added."""
    relied_on: frozenset[str]
    """The packs that hold the backup's pieces."""


def store_pages(
    vault: Vault,
    snapshot: BinaryIO,
    record: BackupRecord,
    *,
    excluded: Collection[str] = frozenset(),
    on_read: Callable[[int, int], None] = lambda _read, _stored: None,
) -> StoredPages:
    """Store the pages of the file `snapshot` (read from its start) that the store lacks, and the list
    of them all; those in `excluded` packs are stored again. `on_read(read, stored)` gets the bytes
    of the snapshot read and of the store written after each READ_BYTES read."""
    writer = VaultWriter(vault, vault.index().without(excluded))
    ids: list[bytes] = []
    read = 0
    try:
        with HashBehind() as sha256:
            size = page_size(snapshot)
            while chunk := snapshot.read(max(READ_BYTES, size)):
                sha256.update(chunk)
                ids += [writer.add(chunk[start : start + size]) for start in range(0, len(chunk), size)]
                read += len(chunk)
                on_read(read, writer.stored_bytes)
        lists = tuple(
            writer.add(b"".join(ids[start : start + LIST_PAGES])) for start in range(0, len(ids), LIST_PAGES)
        )
        writer.finish()
    except BaseException:
        writer.abandon()
        raise
    on_read(read, writer.stored_bytes)
    manifest = SealedManifest(record, size, len(ids), sha256.hexdigest(), lists, writer.stored_bytes)
    return StoredPages(manifest, writer.relied_on)


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
    try:
        reader = VaultReader(vault, vault.index())
        with HashBehind() as sha256:
            for listed in manifest.lists:
                page_ids = split_ids(reader.piece(listed))
                for first in range(0, len(page_ids), per_chunk):
                    chunk = [reader.piece(page_id) for page_id in page_ids[first : first + per_chunk]]
                    if wrong := next((page for page in chunk if len(page) != manifest.page_size), None):
                        raise RestoreError(f"backup {backup_id} is damaged: a page has {len(wrong)} bytes")
                    data = b"".join(chunk)
                    target.write(data)
                    sha256.update(data)
                    written += len(data)
                    on_written(written)
    except DamagedPiece as error:
        raise RestoreError(f"backup {backup_id} is damaged: {error}") from error
    if written != manifest.page_size * manifest.page_count:
        raise RestoreError(f"backup {backup_id} is damaged: it does not have the pages it was taken with")
    if sha256.hexdigest() != manifest.sha256:
        raise RestoreError(f"backup {backup_id} is damaged: its checksum does not match")
    return reader.read_bytes
