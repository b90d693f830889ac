"""Stores written by earlier versions of the server keep working.

`fixtures/format1-store` was written by the server as it was before what is stored became a record of
its own (its two backups of `notes`, 100 rows then 200, a day apart): this version lists it, restores
it, reads each manifest back as the same record, and its new manifests differ only by the record's
encoding version.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from backups_api_client.api.backup import backup_restore_specific_backup
from backups_api_client.api.backups import backups_snapshot
from backups_server.engine.catalog import Catalog
from backups_server.engine.restore import restore
from backups_server.storage.folder import FolderStore
from backups_server.storage.layout import manifest_name
from backups_server.storage.records import RECORD, BackupRecord, Manifest, read_manifest
from tests.helpers import rows

if TYPE_CHECKING:
    from tests.helpers import ServerFactory, StoreUnderTest

FIXTURE = Path(__file__).parent / "fixtures" / "format1-store"
BACKUPS = {"1.0.0_1795940606123456": 100, "1.0.0_1795854206123456": 200}
"""The fixture's backups, newest first, and the rows of `notes` in each."""


def copy_of_the_fixture(tmp_path: Path) -> FolderStore:
    shutil.copytree(FIXTURE, tmp_path / "store")
    return FolderStore(tmp_path / "store")


def test_a_format_1_store_lists_and_restores(tmp_path: Path) -> None:
    store = copy_of_the_fixture(tmp_path)

    listed = [manifest.backup_id for manifest in Catalog(store).manifests()]
    for backup_id, count in BACKUPS.items():
        target = tmp_path / f"{backup_id}.sqlite"
        restore(store, backup_id, target)
        with closing(sqlite3.connect(target)) as connection:
            assert connection.execute("SELECT count(*) FROM notes").fetchone() == (count,)

    assert listed == list(BACKUPS)


def test_a_manifest_written_before_records_reads_back_as_the_same_record(tmp_path: Path) -> None:
    store = copy_of_the_fixture(tmp_path)
    name = manifest_name("1.0.0_1795854206123456")
    written_before = store.read_bytes(name)

    manifest = Manifest.from_bytes(written_before)
    rewritten = json.loads(manifest.to_bytes())

    assert manifest.record == BackupRecord(
        "1.0.0_1795854206123456", "1.0.0", 1_795_854_206_123_456, 8192, "fixture-device", "LINUX"
    )
    assert rewritten == {**json.loads(written_before), "record": RECORD}
    assert Manifest.from_bytes(manifest.to_bytes()) == manifest == read_manifest(store, name)


def test_a_format_1_store_served(start_server: ServerFactory, store: StoreUnderTest) -> None:
    assert isinstance(store.store, FolderStore)
    shutil.copytree(FIXTURE, store.store.root, dirs_exist_ok=True)
    server = start_server()

    with server.client() as client:
        listed = [backup.id for backup in backups_snapshot.sync(client=client).iterable]
        restored = backup_restore_specific_backup.sync("1.0.0_1795854206123456", client=client)

    assert listed == list(BACKUPS)
    assert restored.device_name == "fixture-device"
    assert rows(server.database, "SELECT count(*) FROM notes") == [(200,)]
