"""Pruning an encrypted store: the packs no backup needs go once marked a grace period ago, and nothing a
listed backup needs ever goes, whatever a backup under way or a killed prune does meanwhile."""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup, Backups
from backups_server.engine.progress import SNAPSHOT_SHARE
from backups_server.engine.prune import Pruned, prune
from backups_server.errors import NotAManifest
from backups_server.storage.folder import FolderStore
from backups_server.storage.layout import sealed_manifest_name
from backups_server.storage.marks import LEASE, MARKS, write_mark
from backups_server.storage.packs import PACKS
from backups_server.storage.records import SealedManifest
from backups_server.storage.vault import DamagedPiece
from tests.helpers import (
    backups_of_changes,
    change,
    damage,
    encrypted_service,
    make_database,
    restored_rows,
    rows,
    server_command,
    state_to_prune,
)

if TYPE_CHECKING:
    from pathlib import Path

    from backups_server.engine.progress import Progress
    from backups_server.storage.store import Store
    from tests.helpers import ServerFactory, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)

NOW = timedelta(0)


def stored_bytes(store: Store) -> int:
    return sum(item.size for item in store.list(""))


def test_a_prune_after_forgetting_all_but_the_newest_leaves_what_a_fresh_store_would_hold(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    service = encrypted_service(tmp_path, store.store)
    made = backups_of_changes(service, 4)
    *forgotten, newest = made
    for backup_id in forgotten:
        service.delete(backup_id)
    before = stored_bytes(store.store)

    dry = prune(service.vault(), service.catalog, grace=NOW, dry_run=True)
    untouched = stored_bytes(store.store)
    pruned = prune(service.vault(), service.catalog, grace=NOW)
    fresh = encrypted_service(tmp_path / "fresh", FolderStore(tmp_path / "fresh" / "store"))
    fresh.database.write_bytes(service.database.read_bytes())
    fresh.create(lambda _: None)

    assert untouched == before
    assert dry.repacked == pruned.repacked != {}
    assert pruned.deleted.keys() >= pruned.repacked.keys()  # with no grace, copied out and deleted at once
    assert stored_bytes(store.store) <= 1.25 * stored_bytes(fresh.store)
    assert stored_bytes(store.store) < before - sum(pruned.deleted.values()) + pruned.written_bytes + 1024
    assert restored_rows(service, newest, tmp_path / "restored.sqlite") == made[newest]
    assert store.store.list(MARKS) == []
    assert store.store.list(LEASE) == []


def test_packs_younger_than_the_grace_period_are_neither_marked_nor_deleted(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    service = encrypted_service(tmp_path, store.store)
    made = backups_of_changes(service, 2)
    service.delete(next(iter(made)))
    packs = store.store.list(PACKS)

    pruned = prune(service.vault(), service.catalog, grace=timedelta(hours=1))

    assert (pruned.marked, pruned.deleted) == ({}, {})
    assert store.store.list(PACKS) == packs


def test_a_marked_pack_goes_once_the_mark_is_older_than_the_grace_period_unless_a_backup_needs_it(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    service = encrypted_service(tmp_path, store.store)
    first, _ = backups_of_changes(service, 2)
    every_pack = {item.name for item in store.store.list(PACKS)}
    write_mark(store.store, every_pack)  # a prune found them all unneeded, before the backups were listed

    pruned = prune(service.vault(), service.catalog, grace=NOW)

    assert pruned.deleted == {}  # both backups need them: kept, and the mark is gone
    assert store.store.list(MARKS) == []
    assert {item.name for item in store.store.list(PACKS)} == every_pack
    assert restored_rows(service, first, tmp_path / "first.sqlite")


@pytest.mark.parametrize("prune_does", ["mark", "delete"])
def test_a_backup_under_way_stores_again_the_pages_of_packs_a_prune_marks_meanwhile(
    store: StoreUnderTest, tmp_path: Path, prune_does: str
) -> None:
    service = encrypted_service(tmp_path, store.store)
    forgotten = service.create(lambda _: None)
    service.delete(
        forgotten.backup_id
    )  # its packs hold every page of the next backup, and no backup needs them
    pruned: list[Pruned] = []

    def a_prune_runs_once(progress: Progress) -> None:
        if pruned or progress.fraction <= SNAPSHOT_SHARE:  # once the backup has read the index
            return
        if prune_does == "mark":
            write_mark(store.store, {item.name for item in store.store.list(PACKS)})
            pruned.append(Pruned(dry_run=False))
        else:
            pruned.append(prune(service.vault(), service.catalog, grace=NOW))

    backup = service.create(a_prune_runs_once)
    then = rows(service.database)
    prune(service.vault(), service.catalog, grace=NOW)  # whatever is marked and unneeded goes now

    assert (
        backup.added_bytes > forgotten.added_bytes / 2
    )  # the pages stored again, not relied on where they were
    assert restored_rows(service, backup.backup_id, tmp_path / "restored.sqlite") == then


def test_the_prune_command_says_what_it_would_do_then_does_it(store: StoreUnderTest, tmp_path: Path) -> None:
    service, listed = state_to_prune(tmp_path, store.store)
    before = store.store.list("")

    dry = server_command(store, "prune", "--dry-run", "--grace", "0")
    untouched = store.store.list("")
    done = server_command(store, "prune", "--grace", "0")
    again = server_command(store, "prune")

    assert (dry.returncode, done.returncode, again.returncode) == (0, 0, 0), dry.stderr + done.stderr
    assert re.search(
        r"^Would rewrite 1 pack \(.* MiB\) that backups need less than half of", dry.stdout, re.M
    )
    assert re.search(r"^Would delete [1-9]\d* packs? \(.* MiB\), marked 0 s or more ago$", dry.stdout, re.M)
    assert untouched == before
    assert re.search(
        r"^Rewrote 1 pack .*^Deleted [1-9]\d* packs? .*^The store keeps \d+ packs", done.stdout, re.M | re.S
    )
    assert re.search(r"^Deleted 0 packs \(0\.0 MiB\), marked 24 h or more ago$", again.stdout, re.M)
    for backup_id, content in listed.items():
        assert restored_rows(service, backup_id, tmp_path / "restored.sqlite") == content


def test_the_prune_command_leaves_a_store_another_prune_is_working_on(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    state_to_prune(tmp_path, store.store)
    store.store.create(LEASE, json.dumps({"host": "another-machine", "process": 1}).encode())
    before = store.store.list("")

    refused = server_command(store, "prune", "--grace", "0")

    assert refused.returncode == 1
    assert "another prune is running on this store (by process 1 on another-machine)" in refused.stderr
    assert store.store.list("") == before


MAX_STEPS = 500


def test_a_server_backing_up_while_another_forgets_and_prunes_loses_no_listed_backup(
    start_server: ServerFactory, store: StoreUnderTest, tmp_path: Path
) -> None:
    server = start_server(database=make_database(tmp_path / "database.sqlite", rows=3000))
    taken: dict[str, list[tuple[Any, ...]]] = {}
    pruned: list[str] = []
    stop = threading.Event()

    def forget_and_prune() -> None:  # another server's commands, on the same store
        while not stop.is_set():
            for command in (("forget", "--keep-last", "2"), ("prune", "--grace", "1")):
                done = server_command(store, *command)
                pruned.append(done.stdout if done.returncode == 0 else f"failed: {done.stderr}")

    other = threading.Thread(target=forget_and_prune)
    other.start()
    try:
        with server.client() as client:
            for step in range(MAX_STEPS):  # until the other deleted packs while backups went on
                if any(re.search(r"^Deleted [1-9]", output, re.M) for output in pruned):
                    break
                change(server.database, step)
                backup = backups_create_new_backup.sync(client=client)
                assert isinstance(backup, Backup), backup
                taken[backup.id] = rows(server.database)
    finally:
        stop.set()
        other.join()
    with server.client() as client:
        listed = backups_snapshot.sync(client=client)
    assert isinstance(listed, Backups)

    assert [line for line in pruned if line.startswith("failed")] == []
    assert any(re.search(r"^Deleted [1-9]", output, re.M) for output in pruned)
    assert len(listed.iterable) >= 2
    for backup in listed.iterable:
        target = tmp_path / f"{backup.id}.sqlite"
        restored = server_command(store, "restore", backup.id, "--to", str(target))
        assert restored.returncode == 0, restored.stderr
        assert rows(target) == taken[backup.id]


def test_a_prune_changes_nothing_while_a_backup_does_not_read(store: StoreUnderTest, tmp_path: Path) -> None:
    service, listed = state_to_prune(tmp_path, store.store)
    (kept,) = listed
    sealed = service.manifest(kept)
    assert isinstance(sealed, SealedManifest)
    lists_at = service.vault().index().find(sealed.lists[0])
    assert lists_at is not None

    def state() -> dict[str, str]:
        return {item.name: item.etag for item in store.store.list("")}

    manifest = sealed_manifest_name(kept)
    intact = store.store.read_bytes(manifest)
    damage(store, manifest)
    before = state()
    with pytest.raises(NotAManifest, match=kept):
        prune(service.vault(), service.catalog, grace=NOW)
    assert state() == before

    store.store.write(manifest, io.BytesIO(intact))
    pack = bytearray(store.store.read_bytes(lists_at.pack))
    pack[lists_at.blob.offset + lists_at.blob.length // 2] ^= 0x01  # in the blob of its first list
    store.store.write(lists_at.pack, io.BytesIO(bytes(pack)))
    before = state()
    with pytest.raises(DamagedPiece, match=lists_at.pack):
        prune(service.vault(), service.catalog, grace=NOW)
    assert state() == before
