"""The backup service on its own: ids, leftovers, the readable form of a moment."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from backups_server.engine.progress import Progress
from backups_server.engine.restore import restore
from backups_server.engine.service import BackupService, Created
from backups_server.storage.folder import FolderStore
from backups_server.storage.keys import FIRST_WRAPPING, KEYS, wrappings
from backups_server.storage.layout import FORMAT_OBJECT, data_name, manifest_name, older_data_name
from tests.helpers import Recorder, key_ring, make_service, partial_of, rows

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from backups_server.storage.store import Store, StoredObject

FROZEN = 1_795_854_206_123_456


@pytest.fixture
def service(tmp_path: Path) -> BackupService:
    return make_service(tmp_path)


@pytest.fixture
def frozen_service(tmp_path: Path) -> BackupService:
    """Every backup is taken in the same microsecond."""
    return make_service(tmp_path, clock=lambda: FROZEN * 1000)


def test_backups_in_the_same_microsecond_get_different_ids(
    frozen_service: BackupService, spec: dict[str, Any]
) -> None:
    service = frozen_service
    first = service.create(lambda _: None)
    second = service.create(lambda _: None)

    assert first.backup_id == f"1.0.0_{FROZEN}"
    assert second.backup_id == f"1.0.0_{FROZEN + 1}"
    pattern = spec["components"]["parameters"]["backup"]["schema"]["pattern"]
    assert all(re.fullmatch(pattern, backup.backup_id) for backup in (first, second))


@pytest.mark.parametrize("written", [data_name, manifest_name])
def test_an_id_another_server_already_wrote_is_skipped(
    frozen_service: BackupService, written: Callable[[str], str]
) -> None:
    frozen_service.store.write(written(f"1.0.0_{FROZEN}"), io.BytesIO(b"another server's backup"))

    backup = frozen_service.create(lambda _: None)

    assert backup.backup_id == f"1.0.0_{FROZEN + 1}"


def test_a_delete_removes_the_manifest_before_the_data(service: BackupService, tmp_path: Path) -> None:
    backup = service.create(lambda _: None)
    recording = Recorder(FolderStore(tmp_path / "store"))
    service = BackupService(
        store=recording,
        database=service.database,
        work_dir=service.work_dir,
        version="1.0.0",
        device_name="unit",
    )

    service.delete(backup.backup_id)

    assert recording.deleted == [
        manifest_name(backup.backup_id),
        data_name(backup.backup_id),
    ]
    assert [item.name for item in recording.list("")] == [FORMAT_OBJECT]


def test_progress_rises_to_the_end(service: BackupService) -> None:
    reports: list[Progress] = []

    backup = service.create(reports.append)

    fractions = [report.fraction for report in reports]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert {report.size for report in reports} == {backup.record.size}


def test_leftovers_go_once_old_enough_and_complete_backups_stay(service: BackupService) -> None:
    kept = service.create(lambda _: None)
    leftovers = [older_data_name("1.0.0_3"), data_name("1.0.0_1"), partial_of(data_name("1.0.0_2"))]
    for name in leftovers:
        service.store.write(name, io.BytesIO(b"interrupted"))

    assert service.clean_leftovers(timedelta(hours=1)) == []
    assert sorted(service.clean_leftovers(timedelta(0))) == leftovers

    assert [manifest.backup_id for manifest in service.list_backups()] == [kept.backup_id]
    assert sorted(item.name for item in service.store.list("")) == [
        manifest_name(kept.backup_id),
        data_name(kept.backup_id),
        FORMAT_OBJECT,
    ]


class KeysListedBeforeAnother:
    """A store on which `meanwhile` runs right after the first listing of the keys: another server
    creates the store between this one's finding no keys and its storing its own."""

    def __init__(self, store: Store, meanwhile: Callable[[], object]) -> None:
        self.store = store
        self.meanwhile: Callable[[], object] | None = meanwhile

    def list(self, prefix: str) -> list[StoredObject]:
        found = self.store.list(prefix)
        if prefix == KEYS and self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_servers_creating_an_encrypted_store_at_once_share_one_master_key(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "store")
    first = make_service(tmp_path / "first", store=store, keys=key_ring())
    created: list[Created] = []
    second = make_service(
        tmp_path / "second",
        store=KeysListedBeforeAnother(store, lambda: created.append(first.create(lambda _: None))),
        keys=key_ring(),
    )

    created.append(second.create(lambda _: None))

    assert [wrapping.name for wrapping in wrappings(store)] == [FIRST_WRAPPING]
    for backup, service in zip(created, (first, second), strict=True):
        restored = tmp_path / f"{backup.record.backup_id}.sqlite"
        restore(store, backup.record.backup_id, restored, keys=key_ring())
        assert rows(restored) == rows(service.database)
