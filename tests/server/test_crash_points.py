"""Crashes, at every change a prune or a backup of an encrypted store makes to it: each change is one
atomic step of the store, so a process killed at any point stops just before one, and nothing after it
reaches the store. Whatever the point, every listed backup restores as it was taken, and the next prune
(and sweep) leaves the store as if nothing had happened. (On a folder store: the semantics are the
store's interface's, which both implementations keep; S3 runs the other prune tests.)"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from backups_server.engine.prune import prune
from backups_server.storage.folder import FolderStore
from backups_server.storage.marks import LEASE, MARKS
from backups_server.storage.packs import PACKS
from tests.helpers import DiesAtChange, Killed, change, encrypted_service, restored_rows, state_to_prune

if TYPE_CHECKING:
    from pathlib import Path

    from backups_server.engine.service import BackupService

NOW = timedelta(0)


def assert_sound_and_pruned(
    service: BackupService, listed: dict[str, list[tuple[Any, ...]]], root: Path
) -> None:
    """Every listed backup restores as taken; a prune finds nothing more to do, and the index names
    exactly the packs of the store."""
    assert {manifest.backup_id for manifest in service.list_backups()} == listed.keys()
    for backup_id, content in listed.items():
        assert restored_rows(service, backup_id, root / "restored.sqlite") == content
    again = prune(service.vault(), service.catalog, grace=NOW)
    assert (again.marked, again.deleted, again.repacked) == ({}, {}, {})
    assert set(service.vault().index().packs) == {item.name for item in service.store.list(PACKS)}
    assert service.store.list(MARKS) == []
    assert service.store.list(LEASE) == []


def test_a_prune_killed_at_any_change_loses_nothing_and_the_next_prune_finishes_its_work(
    tmp_path: Path,
) -> None:
    counting = DiesAtChange(FolderStore(tmp_path / "count"))
    service, _ = state_to_prune(tmp_path / "count", counting)
    counting.changes = 0
    prune(service.vault(), service.catalog, grace=NOW)
    changes = counting.changes
    assert changes >= 5  # a mark, a repack's pack and index, a new index, deletions

    for at in range(1, changes + 1):
        root = tmp_path / f"killed-at-{at}"
        dying = DiesAtChange(FolderStore(root / "store"))
        service, listed = state_to_prune(root, dying)
        dying.changes, dying.at = 0, at
        with pytest.raises(Killed):
            prune(service.vault(), service.catalog, grace=NOW)
        dying.at = None
        service = encrypted_service(root, dying)  # restarted: nothing of the killed one in memory

        prune(service.vault(), service.catalog, grace=NOW)

        assert_sound_and_pruned(service, listed, root)


def test_a_backup_killed_at_any_change_is_never_listed_and_the_next_prune_removes_what_it_left(
    tmp_path: Path,
) -> None:
    counting = DiesAtChange(FolderStore(tmp_path / "count"))
    service, listed = state_to_prune(tmp_path / "count", counting)
    before = counting.changes
    change(service.database, 7)
    service.create(lambda _: None)
    changes = counting.changes - before
    assert changes >= 3  # a pack, an index object, a manifest

    for at in range(1, changes + 1):
        root = tmp_path / f"killed-at-{at}"
        dying = DiesAtChange(FolderStore(root / "store"))
        service, listed = state_to_prune(root, dying)
        prune(service.vault(), service.catalog, grace=NOW)
        change(service.database, 7)
        dying.changes, dying.at = 0, at
        with pytest.raises(Killed):
            service.create(lambda _: None)
        dying.at = None
        service = encrypted_service(root, dying)

        service.clean_leftovers(older_than=NOW)
        prune(service.vault(), service.catalog, grace=NOW)

        assert_sound_and_pruned(service, listed, root)
