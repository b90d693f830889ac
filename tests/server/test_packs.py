"""Packs and the index of an encrypted store: every blob opens only where it was written."""

from __future__ import annotations

import errno
import io
import logging
import os
from typing import TYPE_CHECKING

import pytest

from backups_server.storage.folder import FolderStore
from backups_server.storage.index import INDEXES, IndexCache, open_index, write_index
from backups_server.storage.keys import MasterKey
from backups_server.storage.packs import (
    PackWriter,
    compress,
    new_pack_name,
    open_blob,
    open_table,
    sealed_table,
)
from backups_server.storage.sealing import Unauthentic

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from backups_server.storage.store import StoredObject

PAGES = [(os.urandom(16), os.urandom(2048) * 2) for _ in range(8)]


def packed(name: str, key: bytes) -> tuple[bytes, PackWriter]:
    writer = PackWriter(name, key)
    for start in (0, 4):
        writer.add(*compress(PAGES[start : start + 4]))
    return writer.finish(), writer


def test_a_pack_gives_back_each_blob_and_its_table() -> None:
    name, key = new_pack_name(), MasterKey.new().derive(b"pack")
    data, writer = packed(name, key)

    table = open_table(name, key, sealed_table(data))
    opened = [open_blob(name, key, blob, data[blob.offset : blob.offset + blob.length]) for blob in table]

    assert table == writer.blobs
    assert b"".join(opened) == b"".join(page for _, page in PAGES)
    assert [piece.id for blob in table for piece in blob.pieces] == [page_id for page_id, _ in PAGES]


def test_a_blob_opens_only_in_its_pack_and_at_its_place() -> None:
    key = MasterKey.new().derive(b"pack")
    name = new_pack_name()
    data, writer = packed(name, key)
    first, second = writer.blobs
    sealed_first = data[first.offset : first.offset + first.length]

    with pytest.raises(Unauthentic):
        open_blob(new_pack_name(), key, first, sealed_first)  # another pack's name
    with pytest.raises(Unauthentic):
        open_blob(name, key, second._replace(length=first.length), sealed_first)  # another place


def stored_index(tmp_path: Path) -> tuple[FolderStore, bytes, str]:
    """A folder store holding the index object of one pack of two pages: the store, the index's key and
    the object's name."""
    store = FolderStore(tmp_path / "store")
    key = MasterKey.new().derive(b"index")
    writer = PackWriter(new_pack_name(), key)
    writer.add(*compress(PAGES[:2]))
    written, _ = write_index(store, key, {writer.name: writer.blobs})
    return store, key, written


def test_the_index_is_read_once_then_from_its_cache(tmp_path: Path) -> None:
    store, key, written = stored_index(tmp_path)
    cache = IndexCache(tmp_path / "cache")

    index = cache.load(store, key)
    store.write(written, io.BytesIO(b"changed in the store, not in the cache"))
    again = cache.load(store, key)

    assert index.find(PAGES[0][0]) is not None
    assert again.find(PAGES[1][0]) is not None
    assert open_index(written, key, (tmp_path / "cache" / written.removeprefix(INDEXES)).read_bytes())
    assert oct((tmp_path / "cache" / written.removeprefix(INDEXES)).stat().st_mode & 0o777) == "0o600"


def test_a_damaged_copy_in_the_cache_is_read_again_from_the_store(tmp_path: Path) -> None:
    store, key, written = stored_index(tmp_path)
    IndexCache(tmp_path / "cache").load(store, key)
    copy = tmp_path / "cache" / written.removeprefix(INDEXES)
    copy.write_bytes(b"damaged on this machine")

    index = IndexCache(tmp_path / "cache").load(store, key)  # by the next process

    assert index.find(PAGES[0][0]) is not None
    assert copy.read_bytes() == store.read_bytes(written)


def test_a_cache_that_cannot_keep_a_copy_leaves_it_out_and_reads_the_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, key, written = stored_index(tmp_path)
    in_the_way = tmp_path / "cache"
    in_the_way.write_text("a file where the cache's folder would be")

    with caplog.at_level(logging.WARNING, "backups_server"):
        index = IndexCache(in_the_way).load(store, key)

    assert index.find(PAGES[0][0]) is not None
    assert f"the index cache keeps no copy of {written.removeprefix(INDEXES)}" in caplog.text


def test_a_copy_that_fails_half_written_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, key, _ = stored_index(tmp_path)
    cache = tmp_path / "cache"

    def full_disk(source: str, target: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    index = IndexCache(cache).load(store, key)

    assert index.find(PAGES[1][0]) is not None
    assert list(cache.iterdir()) == []


def test_an_index_is_extended_with_the_objects_added_since_and_rebuilt_when_one_went(tmp_path: Path) -> None:
    store, key, first = stored_index(tmp_path)
    cache = IndexCache(None)
    writer = PackWriter(new_pack_name(), key)
    writer.add(*compress(PAGES[2:4]))

    before = cache.load(store, key)
    second, _ = write_index(store, key, {writer.name: writer.blobs})
    extended = cache.load(store, key)
    store.delete(first)
    rebuilt = cache.load(store, key)

    assert PAGES[2][0] not in before
    assert before.objects == (first,)
    assert PAGES[0][0] in extended
    assert PAGES[2][0] in extended
    assert (PAGES[0][0] in rebuilt, PAGES[2][0] in rebuilt) == (False, True)
    assert rebuilt.objects == (second,)


class PrunedAfterListing(FolderStore):
    """A folder store in which, once, a prune replaces the index objects just after a reader lists them."""

    def __init__(self, root: Path, prune: Callable[[], None]) -> None:
        super().__init__(root)
        self._prune: Callable[[], None] | None = prune

    def list(self, prefix: str) -> list[StoredObject]:
        listed = super().list(prefix)
        if prefix == INDEXES and self._prune is not None:
            prune, self._prune = self._prune, None
            prune()
        return listed


def test_an_index_object_replaced_between_the_listing_and_the_reading_is_read_from_its_replacement(
    tmp_path: Path,
) -> None:
    store, key, first = stored_index(tmp_path)
    packs = open_index(first, key, store.read_bytes(first))

    def prune() -> None:
        write_index(store, key, packs)
        store.delete(first)

    index = IndexCache(None).load(PrunedAfterListing(store.root, prune), key)

    assert index.objects != (first,)
    assert PAGES[0][0] in index
    assert PAGES[1][0] in index
