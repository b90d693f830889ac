"""`python -m backups_server check`: a sound store passes; a damaged or missing object is named, by the
structure check when it breaks the structure, by reading the data when only its bytes changed."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from backups_api_client.api.backups import backups_create_new_backup
from backups_server.storage.index import INDEXES
from backups_server.storage.layout import DATA, manifest_name, sealed_manifest_name
from backups_server.storage.packs import PACKS
from backups_server.storage.records import SealedManifest, write_manifest
from tests.helpers import (
    backups_of_changes,
    change,
    damage,
    encrypted_service,
    server_command,
    state_to_prune,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer, ServerFactory, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


def check(store: StoreUnderTest, *options: str) -> tuple[int, str, str]:
    done = server_command(store, "check", *options)
    return done.returncode, done.stdout, done.stderr


def test_a_sound_store_passes_every_check(store: StoreUnderTest, tmp_path: Path) -> None:
    state_to_prune(tmp_path, store.store)
    packs = len(store.store.list(PACKS))

    structure, read, subset = (
        check(store),
        check(store, "--read-data"),
        check(store, "--read-data-subset", "1%"),
    )

    assert structure == (0, structure[1], "")
    assert "Checked 1 backups and the " in structure[1]
    assert structure[1].endswith("No problem found\n")
    assert f"Read and verified {packs} packs" in read[1]
    assert read[0] == 0
    assert "Read and verified 1 packs" in subset[1]
    assert subset[0] == 0


def test_a_flipped_byte_in_a_pack_is_found_by_reading_the_data_and_named(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    state_to_prune(tmp_path, store.store)
    pack = store.store.list(PACKS)[0].name
    damage(store, pack)

    structure, read = check(store), check(store, "--read-data")

    assert structure[0] == 0  # the index still says where everything is
    assert read[0] == 1
    assert f"Problem: {pack} is damaged or was tampered with" in read[2]


def test_a_pack_cut_short_is_named_by_reading_the_data(store: StoreUnderTest, tmp_path: Path) -> None:
    state_to_prune(tmp_path, store.store)
    pack = store.store.list(PACKS)[0].name
    store.store.write(pack, io.BytesIO(b"ab"))

    read = check(store, "--read-data")

    assert read[0] == 1
    assert f"Problem: {pack} is damaged or was tampered with: it has 2 bytes, too few" in read[2]


def test_a_missing_pack_or_a_damaged_index_fails_the_structure_check(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    state_to_prune(tmp_path, store.store)
    pack = store.store.list(PACKS)[0].name
    store.store.delete(pack)

    missing = check(store)
    index = store.store.list(INDEXES)[0].name
    damage(store, index)
    damaged = check(store)

    assert missing[0] == 1
    assert f"Problem: the index names {pack}, which the store does not hold" in missing[2]
    assert damaged[0] == 1
    assert index in damaged[2]


def test_pages_an_index_object_held_are_in_no_pack_once_it_is_gone(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    service = encrypted_service(tmp_path, store.store)
    backups_of_changes(service, 1)
    first = [item.name for item in store.store.list(INDEXES)]
    change(service.database, 1)
    newest = service.create(lambda _: None).backup_id  # most of its pages are the first backup's
    for name in first:
        store.store.delete(name)

    found = check(store)

    assert found[0] == 1
    assert re.search(rf"^Problem: backup {newest}: [1-9]\d* of its pages are in no pack$", found[2], re.M)
    assert re.search(r"^[1-9]\d* packs no index names, left by interrupted backups", found[1], re.M)


def test_a_backup_whose_lists_name_another_count_of_pages_than_its_manifest_is_named(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    service, listed = state_to_prune(tmp_path, store.store)
    (kept,) = listed
    manifest = service.manifest(kept)
    assert isinstance(manifest, SealedManifest)
    pages = manifest.page_count
    write_manifest(store.store, replace(manifest, page_count=pages + 1), service.vault().manifest_key)

    found = check(store)

    assert found[0] == 1
    assert f"Problem: backup {kept}: its lists name {pages} pages, not {pages + 1}" in found[2]


def test_a_manifest_that_does_not_open_is_named_and_a_pack_no_index_names_is_counted(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    _, listed = state_to_prune(tmp_path, store.store)
    (kept,) = listed
    pack = store.store.list(PACKS)[0].name
    left = f"{PACKS}00/{'0' * 32}"  # as an interrupted backup leaves a pack: written, in no index
    store.store.write(left, io.BytesIO(store.store.read_bytes(pack)))

    leftover = check(store)
    damage(store, sealed_manifest_name(kept))
    damaged = check(store)

    assert leftover[0] == 0
    assert "1 packs no index names, left by interrupted backups: a prune removes them" in leftover[1]
    assert damaged[0] == 1
    manifest = sealed_manifest_name(kept)
    assert f"Problem: {manifest} does not open: damaged, or sealed under another key" in damaged[2]


def whole_copies(start_server: ServerFactory, store: StoreUnderTest, count: int) -> list[str]:
    """The data objects of `count` backups that a server of a store of whole copies made, in order."""
    server: LiveServer = start_server()
    with server.client() as client:
        for _ in range(count):
            backups_create_new_backup.sync(client=client)
    return sorted(item.name for item in store.store.list(DATA))


@pytest.mark.copies
def test_a_store_of_whole_copies_is_checked_against_its_manifests(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    (data,) = whole_copies(start_server, store, 1)
    sound = check(store, "--read-data")
    damage(store, data)

    structure, read = check(store), check(store, "--read-data")

    assert sound[0] == 0
    assert "Read and verified 1 data objects" in sound[1]
    assert structure[0] == 0
    assert read[0] == 1
    assert f"Problem: {data} does not decompress to its backup: the stored data is damaged" in read[2]


@pytest.mark.copies
def test_whole_copies_missing_or_of_another_size_are_named(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    gone, cut = whole_copies(start_server, store, 2)
    size = len(store.store.read_bytes(cut))
    store.store.delete(gone)
    store.store.write(cut, io.BytesIO(store.store.read_bytes(cut)[:-100]))

    structure, read = check(store), check(store, "--read-data")

    for found in (structure, read):
        assert found[0] == 1
        assert f"Problem: backup {gone.split('/')[1]}: its data {gone} is not in the store" in found[2]
        assert f"Problem: {cut} has {size - 100} bytes, not the {size} of its manifest" in found[2]
    assert f"Problem: {cut} does not have the SHA-256 of its manifest: it is damaged" in read[2]
    assert "Read and verified 1 data objects" in read[1]


@pytest.mark.copies
def test_a_whole_copy_of_another_size_than_its_backup_is_named(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    (data,) = whole_copies(start_server, store, 1)
    backup_id = data.split("/")[1]
    manifest = json.loads(store.store.read_bytes(manifest_name(backup_id)))
    size = manifest["backup"]["bytes"]
    manifest["backup"]["bytes"] = size + 4096  # as a writer that recorded the wrong size
    store.store.write(manifest_name(backup_id), io.BytesIO(json.dumps(manifest).encode()))

    read = check(store, "--read-data")

    assert read[0] == 1
    assert f"Problem: {data} decompresses to {size} bytes, not the {size + 4096} of its backup" in read[2]
