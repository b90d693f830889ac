"""Both stores keep the same promises: whole objects or nothing, listed by prefix, streamed both ways."""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import botocore.exceptions
import pytest

from backups_server.errors import ObjectMissing, StoreError
from backups_server.storage import open_store
from backups_server.storage.folder import FolderStore
from backups_server.storage.s3 import S3Store

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.helpers import StoreUnderTest

both_stores = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


class BrokenSource:
    """Yields some bytes, then fails, as a compressor whose input vanished would."""

    def __init__(self, size: int) -> None:
        self.remaining = size

    def read(self, size: int = -1, /) -> bytes:
        if self.remaining <= 0:
            raise OSError("the source broke")
        chunk = b"x" * min(size if size > 0 else self.remaining, self.remaining)
        self.remaining -= len(chunk)
        return chunk


@both_stores
def test_a_large_object_goes_and_comes_back_whole(store: StoreUnderTest) -> None:
    data = os.urandom(20 * 1024 * 1024 + 123)  # more than two S3 parts

    store.store.write("backups/a/data", io.BytesIO(data))
    received = io.BytesIO()
    store.store.read("backups/a/data", received)

    assert received.getvalue() == data


@both_stores
def test_a_ranged_read_gives_those_bytes_in_one_request(store: StoreUnderTest) -> None:
    data = os.urandom(3 * 1024 * 1024)
    store.store.write("things/a", io.BytesIO(data))

    assert store.store.read_range("things/a", 1_000_000, 4096) == data[1_000_000:1_004_096]
    assert store.store.read_range("things/a", len(data) - 10, 4096) == data[-10:]
    assert store.store.read_range("things/a", 0, 1) == data[:1]
    assert store.store.read_range("things/a", len(data), 10) == b""  # as a file's read at its end
    with pytest.raises(ObjectMissing):
        store.store.read_range("things/none", 0, 10)


@both_stores
def test_a_write_reports_the_bytes_stored_as_it_goes(store: StoreUnderTest) -> None:
    data = os.urandom(20 * 1024 * 1024 + 123)
    counts: list[int] = []

    store.store.write("backups/a/data", io.BytesIO(data), counts.append)

    assert len(counts) > 2
    assert counts == sorted(counts)
    assert counts[-1] == len(data)


@both_stores
def test_list_finds_objects_by_prefix(store: StoreUnderTest) -> None:
    for name in ("format.json", "backups/a/data", "backups/a/manifest.json", "backups/ab/data"):
        store.store.write(name, io.BytesIO(name.encode()))

    assert sorted(item.name for item in store.store.list("backups/a/")) == [
        "backups/a/data",
        "backups/a/manifest.json",
    ]
    assert sorted(item.name for item in store.store.list("backups/a")) == [
        "backups/a/data",
        "backups/a/manifest.json",
        "backups/ab/data",
    ]
    assert [(item.name, item.size) for item in store.store.list("format.json")] == [("format.json", 11)]
    assert store.store.list("nothing/") == []


@both_stores
def test_a_write_replaces_an_object(store: StoreUnderTest) -> None:
    store.store.write("format.json", io.BytesIO(b"old"))
    store.store.write("format.json", io.BytesIO(b"new"))

    received = io.BytesIO()
    store.store.read("format.json", received)
    assert received.getvalue() == b"new"


@both_stores
@pytest.mark.parametrize("size", [1000, 20 * 1024 * 1024])
def test_an_interrupted_write_leaves_no_object(store: StoreUnderTest, size: int) -> None:
    with pytest.raises((OSError, StoreError), match="the source broke"):
        store.store.write("backups/a/data", BrokenSource(size))

    assert store.store.list("") == []


@both_stores
def test_create_stores_an_object_only_where_there_is_none(store: StoreUnderTest) -> None:
    assert store.store.create("first/object", b"one")
    assert not store.store.create("first/object", b"two")

    assert store.store.read_bytes("first/object") == b"one"
    assert [item.name for item in store.store.list("first/")] == ["first/object"]
    assert store.store.unfinished("first/") == ()


class ConflictingClient:
    """An S3 client whose conditional writes meet another one under way (409) `conflicts` times, then
    answer as `then`: stored, or 412 (the other one was stored)."""

    def __init__(self, conflicts: int, then: str | None) -> None:
        self.answers: list[str | None] = ["ConditionalRequestConflict"] * conflicts
        self.answers.append(then)
        self.calls: list[dict[str, Any]] = []

    def put_object(self, **request: Any) -> None:
        self.calls.append(request)
        if code := self.answers[len(self.calls) - 1]:
            raise botocore.exceptions.ClientError({"Error": {"Code": code}}, "PutObject")


@pytest.mark.parametrize(("then", "stored"), [(None, True), ("PreconditionFailed", False)])
def test_an_s3_creation_that_meets_another_under_way_asks_again(then: str | None, stored: bool) -> None:
    client = ConflictingClient(2, then)

    assert S3Store("bucket", client=client).create("first/object", b"one") is stored
    assert [call["IfNoneMatch"] for call in client.calls] == ["*"] * 3


def test_of_creations_of_one_name_at_once_exactly_one_stores_it(tmp_path: Path) -> None:
    """On the folder store: moto checks S3's If-None-Match and then writes, without a lock between."""
    store = FolderStore(tmp_path)
    contents = [f"content {number}".encode() for number in range(16)]

    with ThreadPoolExecutor(len(contents)) as pool:
        stored = list(pool.map(lambda content: store.create("first/object", content), contents))

    assert stored.count(True) == 1
    assert store.read_bytes("first/object") == contents[stored.index(True)]
    assert store.unfinished("first/") == ()


@both_stores
def test_missing_objects(store: StoreUnderTest) -> None:
    with pytest.raises(ObjectMissing):
        store.store.read("backups/none/data", io.BytesIO())
    store.store.delete("backups/none/data")


@both_stores
def test_delete_removes_one_object(store: StoreUnderTest) -> None:
    store.store.write("backups/a/data", io.BytesIO(b"data"))
    store.store.write("backups/a/manifest.json", io.BytesIO(b"{}"))

    store.store.delete("backups/a/manifest.json")

    assert [item.name for item in store.store.list("")] == ["backups/a/data"]


def test_the_folder_store_leaves_no_empty_folders_and_no_escape(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "store")
    store.write("backups/a/data", io.BytesIO(b"data"))

    store.delete("backups/a/data")

    assert list((tmp_path / "store").iterdir()) == []
    for name in ("../outside", "backups/../../outside", "/etc/passwd", ""):
        with pytest.raises(ObjectMissing):
            store.read(name, io.BytesIO())


def test_a_folder_listing_skips_files_and_folders_that_vanish_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FolderStore(tmp_path / "store")
    partial = "backups/a/.data.sqlite.zst.x1y2.partial"
    for name in (partial, "backups/b/manifest.json", "backups/c/manifest.json", "backups/d/manifest.json"):
        store.write(name, io.BytesIO(b"x"))
    scandir = os.scandir

    def scandir_while_a_backup_and_deletes_run(path: str) -> Iterator[os.DirEntry[str]]:
        entries = list(scandir(path))
        folder = Path(path)
        if folder.name == "backups":
            (folder / "d" / "manifest.json").unlink()
            (folder / "d").rmdir()
        if folder.name == "a":
            os.replace(folder / Path(partial).name, folder / "data.sqlite.zst")
        if folder.name == "b":
            (folder / "manifest.json").unlink()
        return iter(entries)

    monkeypatch.setattr(os, "scandir", scandir_while_a_backup_and_deletes_run)

    assert [item.name for item in store.list("backups/")] == ["backups/c/manifest.json"]


@both_stores
def test_a_listing_tells_versions_of_an_object_apart(store: StoreUnderTest) -> None:
    store.store.write("backups/a/manifest.json", io.BytesIO(b"first"))
    (first,) = store.store.list("backups/a/")
    store.store.write("backups/a/manifest.json", io.BytesIO(b"other"))
    (second,) = store.store.list("backups/a/")

    assert (first.name, first.size) == (second.name, second.size)
    assert first.etag != second.etag
    assert store.store.list("backups/a/") == [second]
    assert store.store.read_bytes("backups/a/manifest.json") == b"other"
    with pytest.raises(ObjectMissing):
        store.store.read_bytes("backups/none/manifest.json")


def test_a_folder_file_rewritten_within_one_clock_tick_lists_differently(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "store")
    store.write("backups/a/manifest.json", io.BytesIO(b"first"))
    (first,) = store.list("backups/a/")
    path = tmp_path / "store" / "backups" / "a" / "manifest.json"
    before = path.stat()

    store.write("backups/a/manifest.json", io.BytesIO(b"other"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a file system with coarse timestamps
    (second,) = store.list("backups/a/")

    assert (second.size, second.modified) == (first.size, first.modified)
    assert second.etag != first.etag


def test_store_urls(tmp_path: Path) -> None:
    folder = open_store(tmp_path.as_uri())
    s3 = open_store("s3://bucket/some/prefix/")

    assert isinstance(folder, FolderStore)
    assert folder.root == tmp_path
    assert isinstance(s3, S3Store)
    assert (s3.bucket, s3.prefix) == ("bucket", "some/prefix/")
    s3.client.close()
    for url in ("ftp://host/path", "s3:///prefix", "file://otherhost/path", str(tmp_path)):
        with pytest.raises(ValueError, match="store"):
            open_store(url)


def test_a_folder_write_is_durable_before_it_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's bytes reach the disk before the rename makes it visible, and the rename itself
    (the folder's entry) before write() returns: a power cut never loses a listed object."""
    store = FolderStore(tmp_path / "store")
    store.write("backups/a/other", io.BytesIO(b"the folder exists already"))
    steps: list[tuple[str, int | str]] = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(descriptor: int) -> None:
        steps.append(("fsync", os.fstat(descriptor).st_ino))
        fsync(descriptor)

    def recorded_replace(source: str, target: str) -> None:
        steps.append(("replace", Path(target).name))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)

    store.write("backups/a/data", io.BytesIO(b"data"))

    folder = tmp_path / "store" / "backups" / "a"
    file = folder / "data"
    assert steps == [("fsync", file.stat().st_ino), ("replace", "data"), ("fsync", folder.stat().st_ino)]
