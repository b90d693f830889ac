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
    from pathlib import Path

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


class StoredPages(NamedTuple):
    manifest: SealedManifest
    """The manifest to write once everything else is done, which says what the backup added."""
    relied_on: frozenset[str]
    """The packs that hold the backup's pieces."""


def store_pages(
    vault: Vault,
    snapshot: Path,
    record: BackupRecord,
    *,
    excluded: Collection[str] = frozenset(),
    on_read: Callable[[int, int], None] = lambda _read, _stored: None,
) -> StoredPages:
    """Store the snapshot's pages the store lacks, and the list of them all; those in `excluded` packs
    are stored again. `on_read(read, stored)` gets the bytes of the snapshot read and of the store
    written after each READ_BYTES read."""
    writer = VaultWriter(vault, vault.index().without(excluded))
    sha256 = hashlib.sha256()
    ids: list[bytes] = []
    read = 0
    try:
        # The whole file's SHA-256 on a thread of its own (hashlib lets go of the GIL for long inputs),
        # a chunk behind the pages' ids: it takes as long as they do.
        with snapshot.open("rb") as file, ThreadPoolExecutor(1, thread_name_prefix="sha256") as hashing:
            size = page_size(file)
            hashed: Future[None] | None = None
            while chunk := file.read(max(READ_BYTES, size)):
                if hashed is not None:
                    hashed.result()
                hashed = hashing.submit(sha256.update, chunk)
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
    `on_written(n)` gets the bytes written so far, after each page."""
    backup_id = manifest.backup_id
    sha256 = hashlib.sha256()
    written = 0
    try:
        reader = VaultReader(vault, vault.index())
        for listed in manifest.lists:
            ids = reader.piece(listed)
            for start in range(0, len(ids), ID_BYTES):
                page = reader.piece(ids[start : start + ID_BYTES])
                if len(page) != manifest.page_size:
                    raise RestoreError(f"backup {backup_id} is damaged: a page has {len(page)} bytes")
                target.write(page)
                sha256.update(page)
                written += len(page)
                on_written(written)
    except DamagedPiece as error:
        raise RestoreError(f"backup {backup_id} is damaged: {error}") from error
    if written != manifest.page_size * manifest.page_count:
        raise RestoreError(f"backup {backup_id} is damaged: it does not have the pages it was taken with")
    if sha256.hexdigest() != manifest.sha256:
        raise RestoreError(f"backup {backup_id} is damaged: its checksum does not match")
    return reader.read_bytes
