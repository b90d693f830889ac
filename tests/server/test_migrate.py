"""`python -m backups_server migrate`: a format-1 store made by an earlier server becomes a format-2 store
whose backups restore as before; stopped at any point, every backup stays listed and restorable, and
running it again finishes the work."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from backups_server.engine.catalog import Catalog
from backups_server.engine.migrate import migrate
from backups_server.engine.prune import prune
from backups_server.engine.restore import restore
from backups_server.storage.folder import FolderStore
from backups_server.storage.keys import create_master_key
from backups_server.storage.layout import DATA, MIGRATING, PAGES, marked_format
from backups_server.storage.vault import open_vault
from tests.helpers import DiesAtChange, Killed, key_ring, rows, server_command
from tests.server.test_store_formats import BACKUPS, FIXTURE

if TYPE_CHECKING:
    from pathlib import Path

    from backups_server.storage.store import Store
    from tests.helpers import StoreUnderTest


def the_fixture_in(store: Store) -> Store:
    """The format-1 store an earlier server made, copied into `store`."""
    for path in sorted(FIXTURE.rglob("*")):
        if path.is_file():
            with path.open("rb") as file:
                store.write(path.relative_to(FIXTURE).as_posix(), file)
    return store


def restored_counts(store: Store, tmp_path: Path) -> list[tuple[str, int]]:
    """Each listed backup, restored, and the rows of `notes` it holds, newest first."""
    vault = open_vault(store, key_ring()) if marked_format(store) == PAGES else None
    catalog = Catalog(store, manifest_key=lambda: vault.manifest_key if vault else b"")
    counts = []
    for manifest in catalog.manifests():
        target = tmp_path / "restored.sqlite"
        restore(store, manifest.backup_id, target, force=True, keys=key_ring())
        counts.append((manifest.backup_id, rows(target, "SELECT count(*) FROM notes")[0][0]))
    return counts


@pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)
def test_a_format_1_store_is_listed_restored_migrated_and_restored_again(
    store: StoreUnderTest, tmp_path: Path
) -> None:
    the_fixture_in(store.store)
    before = restored_counts(store.store, tmp_path)

    migrated = server_command(store, "migrate", "--data-dir", str(tmp_path / "data"))
    again = server_command(store, "migrate", "--data-dir", str(tmp_path / "data"))
    checked = server_command(store, "check", "--read-data")

    assert before == list(BACKUPS.items())
    assert migrated.returncode == 0, migrated.stderr
    assert "Converted 1.0.0_1795854206123456 (8,192 bytes)" in migrated.stdout
    assert "The store is in format 2: 2 backups converted, 2 whole copies replaced" in migrated.stdout
    assert marked_format(store.store) == PAGES
    assert restored_counts(store.store, tmp_path) == list(BACKUPS.items())
    assert store.store.list(DATA) == []
    assert store.store.list(MIGRATING) == []
    assert [item.name for item in store.store.list("backups/") if item.name.endswith(".json")] == []
    assert again.stdout.endswith("The store is in format 2: no backup was left to migrate\n")
    assert checked.returncode == 0, checked.stderr


def migration(store: Store, scratch: Path) -> None:
    """`migrate` in this process, the store's keys made first when it has none."""
    if not store.list("keys/"):
        create_master_key(store, key_ring().secret)
    vault = open_vault(store, key_ring())
    migrate(Catalog(store, manifest_key=lambda: vault.manifest_key), vault, scratch)


def test_a_migration_stopped_at_any_change_leaves_every_backup_listed_and_the_next_run_finishes(
    tmp_path: Path,
) -> None:
    counting = DiesAtChange(the_fixture_in(FolderStore(tmp_path / "count")))
    before = counting.changes
    migration(counting, tmp_path / "scratch")
    changes = counting.changes - before
    assert changes >= 12  # per backup a pack, an index object and a staged manifest; the marker; the rest

    for at in range(1, changes + 1):
        dying = DiesAtChange(the_fixture_in(FolderStore(tmp_path / f"killed-at-{at}")))
        dying.at = dying.changes + at
        with pytest.raises(Killed):
            migration(dying, tmp_path / "scratch")
        dying.at = None
        stopped = restored_counts(dying, tmp_path)

        migration(dying, tmp_path / "scratch")

        assert stopped == list(BACKUPS.items())
        assert restored_counts(dying, tmp_path) == list(BACKUPS.items())
        assert dying.list(DATA) == []
        assert dying.list(MIGRATING) == []


def test_a_backup_deleted_once_staged_is_not_brought_back(tmp_path: Path) -> None:
    store = the_fixture_in(FolderStore(tmp_path / "store"))
    dying = DiesAtChange(
        store, at=1 + 2 * 3 + 1
    )  # the keys; a pack, an index and a manifest each; the marker
    with pytest.raises(Killed):
        migration(dying, tmp_path / "scratch")
    deleted, kept = BACKUPS
    Catalog(store).remove(deleted)

    migration(store, tmp_path / "scratch")

    assert restored_counts(store, tmp_path) == [(kept, BACKUPS[kept])]


def test_a_prune_while_a_migration_is_stopped_keeps_what_its_staged_backups_need(tmp_path: Path) -> None:
    """Stopped once the store is marked format 2, before the staged manifests are put in place: the
    server prunes the store meanwhile, then the migration runs again."""
    store = the_fixture_in(FolderStore(tmp_path / "store"))
    dying = DiesAtChange(store, at=1 + 2 * 3 + 2)  # the keys; a pack, an index, a manifest each; the marker
    with pytest.raises(Killed):
        migration(dying, tmp_path / "scratch")
    assert marked_format(store) == PAGES
    assert len(store.list(MIGRATING)) == 2
    vault = open_vault(store, key_ring())
    for _ in range(2):
        prune(vault, Catalog(store, manifest_key=lambda: vault.manifest_key), grace=timedelta(0))

    migration(store, tmp_path / "scratch")

    assert restored_counts(store, tmp_path) == list(BACKUPS.items())
