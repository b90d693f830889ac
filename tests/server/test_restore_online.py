"""A restoration into the live database, on its own (real SQLite, a folder store): what it reports
when it is cancelled, and what is on disk before it commits."""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from typing import TYPE_CHECKING

import pytest

from backups_server.engine.restore import restore_online
from backups_server.engine.service import BackupService
from backups_server.errors import Cancelled, RestoreError
from backups_server.storage.folder import FolderStore
from backups_server.storage.records import StoredManifest
from tests.helpers import make_database, make_incompressible_database, rows

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def backed_up_then_changed(database: Path) -> tuple[BackupService, StoredManifest]:
    """A service on `database`, the manifest of its backup, and the database changed since."""
    service = BackupService(
        store=FolderStore(database.parent / "store"),
        database=database,
        work_dir=database.parent / "scratch",
        version="1.0.0",
        device_name="unit",
    )
    backup = service.create(lambda _: None)
    with closing(sqlite3.connect(service.database)) as connection, connection:
        connection.execute("DELETE FROM notes WHERE id > 100")
    return service, service.manifest(backup.backup_id)


def restore(
    service: BackupService,
    manifest: StoredManifest,
    interrupt: Callable[[], None] = lambda: None,
    commit: Callable[[], None] = lambda: None,
) -> None:
    """The service's database replaced with the backup, as the API's restorations do."""
    restore_online(
        manifest,
        store=service.store,
        database=service.database,
        scratch_dir=service.scratch_dir(),
        on_progress=lambda _: None,
        interrupt=interrupt,
        commit=commit,
    )


def test_a_restoration_cancelled_during_its_download_says_so(tmp_path: Path) -> None:
    """The replacement waits for pages the cancelled download will never write, and reports the
    cancellation, not a failed download."""
    database = make_database(tmp_path / "live.sqlite", rows=100)
    make_incompressible_database(database, 8)  # adds its table
    service, manifest = backed_up_then_changed(database)
    before = rows(service.database)
    replacing = threading.current_thread()

    def cancelled_on_the_side() -> None:
        if threading.current_thread() is not replacing:
            raise Cancelled

    with pytest.raises(Cancelled):
        restore(service, manifest, interrupt=cancelled_on_the_side)

    assert rows(service.database) == before
    assert not service.database.with_name("live.sqlite.before-restore").exists()


def test_a_backup_removed_while_its_restoration_waited_is_said_to_be_gone(tmp_path: Path) -> None:
    """As when the keep policy removes a backup whose restoration waits behind a creation."""
    service, manifest = backed_up_then_changed(make_database(tmp_path / "live.sqlite"))
    before = rows(service.database)
    service.delete(manifest.backup_id)

    with pytest.raises(RestoreError, match=f"^backup {manifest.backup_id} is no longer in the store$"):
        restore(service, manifest)

    assert rows(service.database) == before


def test_the_copy_of_the_database_is_on_disk_before_the_restoration_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, manifest = backed_up_then_changed(make_database(tmp_path / "live.sqlite", rows=20_000))
    steps: list[tuple[str, object]] = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(descriptor: int) -> None:
        steps.append(("fsync", os.fstat(descriptor).st_ino))
        fsync(descriptor)

    def recorded_replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        steps.append(("replace", os.path.basename(target)))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    restore(service, manifest, commit=lambda: steps.append(("commit", None)))

    safety = service.database.with_name("live.sqlite.before-restore")
    copy_synced = steps.index(("fsync", safety.stat().st_ino))
    committing = steps.index(("commit", None))
    renamed = steps.index(("replace", safety.name))
    folder_synced = steps.index(("fsync", tmp_path.stat().st_ino), renamed)
    assert copy_synced < committing < renamed < folder_synced
    assert len(rows(service.database)) == 20_000
