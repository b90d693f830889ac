"""The keep policy applied: after each backup and at start, and by `python -m backups_server forget`."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup, Backups, SeededBackup
from backups_server.engine.catalog import Catalog
from backups_server.engine.retention import Policy
from backups_server.storage.folder import FolderStore
from backups_server.storage.layout import backup_of, data_name, is_manifest, manifest_name
from tests.helpers import Recorder, folder_store, make_service, seed_backup, server_command

if TYPE_CHECKING:
    from pathlib import Path

    from backups_server.storage.store import Store
    from tests.helpers import ServerFactory, StoreUnderTest

both_stores = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Clock:
    """The service's clock, set by the test."""

    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> int:
        return (self.now - EPOCH) // timedelta(microseconds=1) * 1000


def stored_backups(store: Store) -> list[str]:
    """The ids of the backups that have any object in the store, newest first."""
    return sorted({backup_of(item.name) for item in store.list("") if "/" in item.name}, reverse=True)


@both_stores
def test_the_policy_applies_after_each_backup(store: StoreUnderTest, tmp_path: Path) -> None:
    clock = Clock()
    service = make_service(tmp_path, store=store.store, retention=Policy(last=1, daily=2), clock=clock)
    made, listings = [], []

    for moment in ("2026-03-01 08:00", "2026-03-01 09:00", "2026-03-02 08:00", "2026-03-03 08:00"):
        clock.now = utc(moment)
        made.append(service.create(lambda _: None).backup_id)
        listings.append([backup.backup_id for backup in service.list_backups()])

    assert listings == [
        made[:1],
        [made[1], made[0]],  # the oldest too: the daily rule has a count left
        [made[2], made[1]],
        [made[3], made[2]],
    ]
    assert stored_backups(store.store) == [made[3], made[2]]  # the data of the others is gone too


def test_the_backups_whose_creation_has_not_returned_are_never_removed(tmp_path: Path) -> None:
    recorder = Recorder(FolderStore(tmp_path / "store"))
    newest = seed_backup(recorder, utc("2026-03-02 08:00"))  # by a server sharing the store, its clock ahead
    clock = Clock()
    clock.now = utc("2026-03-01 08:00")
    service = make_service(tmp_path, store=recorder, retention=Policy(last=1), clock=clock)
    runs_meanwhile = []

    def another_backup_finishing(name: str) -> None:
        if is_manifest(name):
            service.apply_retention()
            runs_meanwhile.append(stored_backups(recorder))

    recorder.after_write = another_backup_finishing
    just_made = service.create(lambda _: None).backup_id
    recorder.after_write = lambda _: None

    assert runs_meanwhile == [[newest, just_made]]
    assert stored_backups(recorder) == [newest, just_made]
    service.apply_retention()
    assert stored_backups(recorder) == [newest]


@both_stores
def test_nothing_is_removed_when_the_listing_fails(
    store: StoreUnderTest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeded = [seed_backup(store.store, utc(f"2026-03-0{day} 08:00")) for day in (1, 2, 3)]
    store.store.write(manifest_name(seeded[1]), io.BytesIO(b"{not json"))
    service = make_service(tmp_path, store=store.store, retention=Policy(last=1), clock=Clock())

    with caplog.at_level(logging.WARNING, "backups_server"):
        service.apply_retention()

    assert stored_backups(store.store) == seeded[::-1]
    assert "the keep policy (keep 1 last (periods in UTC)) stopped" in caplog.text
    assert "is not a manifest" in caplog.text


def test_a_backup_goes_manifest_first(tmp_path: Path) -> None:
    recorder = Recorder(FolderStore(tmp_path / "store"))
    older, newer, newest = (seed_backup(recorder, utc(f"2026-03-0{day} 08:00")) for day in (1, 2, 3))

    decisions = list(Catalog(recorder).forget(Policy(last=1)))

    assert [decision.kept for decision in decisions] == [True, False, False]
    assert recorder.deleted == [
        manifest_name(newer),
        data_name(newer),
        manifest_name(older),
        data_name(older),
    ]
    assert stored_backups(recorder) == [newest]


@both_stores
def test_a_server_applies_its_policy_at_start_and_after_each_backup(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    seeded = [seed_backup(store.store, utc(f"2025-0{month}-01 08:00")) for month in (1, 2, 3, 4)]

    server = start_server(environment={"BACKUPS_KEEP_LAST": "2", "BACKUPS_LOG_LEVEL": "info"})
    with server.client() as client:
        at_start = backups_snapshot.sync(client=client)
        made = backups_create_new_backup.sync(client=client, body=SeededBackup())
        after = backups_snapshot.sync(client=client)

    assert isinstance(at_start, Backups)
    assert isinstance(made, Backup)
    assert isinstance(after, Backups)
    assert [backup.id for backup in at_start.iterable] == [seeded[3], seeded[2]]
    assert [backup.id for backup in after.iterable] == [made.id, seeded[3]]
    assert stored_backups(store.store) == [made.id, seeded[3]]
    log = server.process.log.read_text()
    assert "Policy: keep 2 last (periods in UTC)" in log
    for removed in (seeded[0], seeded[1], seeded[2]):
        assert f"backup {removed} of " in log
    assert "removed by the keep policy" in log


@both_stores
def test_forget_says_what_goes_with_dry_run_and_removes_it_without(store: StoreUnderTest) -> None:
    # In Paris, 22:30 UTC on 1 March is 23:30 that day and 23:30 UTC is 00:30 the next: two days.
    first, second, third = (
        seed_backup(store.store, utc(moment))
        for moment in ("2026-03-01 10:00", "2026-03-01 22:30", "2026-03-01 23:30")
    )

    dry_run = server_command(store, "forget", "--dry-run", "--keep-daily", "2", "--timezone", "Europe/Paris")

    assert dry_run.returncode == 0, dry_run.stderr
    assert dry_run.stdout.splitlines() == [
        "Policy: keep 2 daily (periods in Europe/Paris)",
        f"keep     {third}  2026-03-02 00:30:00+01:00  daily",
        f"keep     {second}  2026-03-01 23:30:00+01:00  daily",
        f"remove   {first}  2026-03-01 11:00:00+01:00",
        "Would remove 1 of 3 backups",
    ]
    assert stored_backups(store.store) == [third, second, first]

    applied = server_command(store, "forget", BACKUPS_KEEP_DAILY="2")  # in UTC, all three are on 1 March

    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        "Policy: keep 2 daily (periods in UTC)",
        f"keep     {third}  2026-03-01 23:30:00+00:00  daily",
        f"removed  {second}  2026-03-01 22:30:00+00:00",
        f"keep     {first}  2026-03-01 10:00:00+00:00  daily",
        "Removed 1 of 3 backups",
    ]
    assert stored_backups(store.store) == [third, first]


def test_forget_without_a_policy_or_with_a_broken_store_removes_nothing(tmp_path: Path) -> None:
    store = folder_store(tmp_path / "store")
    seeded = [seed_backup(store.store, utc(f"2026-03-0{day} 08:00")) for day in (1, 2)]

    unset = server_command(store, "forget")

    assert unset.returncode == 0
    assert unset.stdout.splitlines() == [
        "Policy: keep every backup",
        "No --keep-* option (or BACKUPS_KEEP_* variable) is set, so every backup is kept",
    ]

    store.store.write(manifest_name(seeded[0]), io.BytesIO(b"{not json"))
    broken = server_command(store, "forget", "--keep-last", "1")

    assert broken.returncode == 1
    warning, stopped = broken.stderr.splitlines()
    assert warning.endswith("; listings leave it out, and the keep policy stops at it")
    assert stopped.startswith(f"Stopped: the backup store failed: {manifest_name(seeded[0])} is not")
    assert stored_backups(store.store) == seeded[::-1]
