"""The backup service on its own: ids, leftovers, the readable form of a moment."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from backups_server.engine.progress import Progress
from backups_server.engine.service import BackupService, readable
from backups_server.storage.folder import FolderStore

from ..conftest import Recorder, make_database

if TYPE_CHECKING:
    from pathlib import Path

FROZEN = 1_795_854_206_123_456


def make_service(root: Path, **options: Any) -> BackupService:
    return BackupService(
        store=FolderStore(root / "store"),
        database=make_database(root / "database.sqlite", rows=10),
        work_dir=root / "scratch",
        version="1.0.0",
        device_name="unit",
        **options,
    )


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

    assert first["id"] == f"1.0.0_{FROZEN}"
    assert second["id"] == f"1.0.0_{FROZEN + 1}"
    pattern = spec["components"]["parameters"]["backup"]["schema"]["pattern"]
    assert all(re.fullmatch(pattern, backup["id"]) for backup in (first, second))


@pytest.mark.parametrize("written", ["data/1.0.0_{}/data.sqlite.zst", "backups/1.0.0_{}/manifest.json"])
def test_an_id_another_server_already_wrote_is_skipped(frozen_service: BackupService, written: str) -> None:
    frozen_service.store.write(written.format(FROZEN), io.BytesIO(b"another server's backup"))

    backup = frozen_service.create(lambda _: None)

    assert backup["id"] == f"1.0.0_{FROZEN + 1}"


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

    service.delete(backup["id"])

    assert recording.deleted == [
        f"backups/{backup['id']}/manifest.json",
        f"data/{backup['id']}/data.sqlite.zst",
    ]
    assert [item.name for item in recording.list("")] == ["format.json"]


def test_progress_rises_to_the_end(service: BackupService) -> None:
    reports: list[Progress] = []

    backup = service.create(reports.append)

    fractions = [report.fraction for report in reports]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert {report.size for report in reports} == {backup["bytes"]}


def test_leftovers_go_once_old_enough_and_complete_backups_stay(service: BackupService) -> None:
    kept = service.create(lambda _: None)
    leftovers = [
        "backups/1.0.0_3/data.sqlite.zst",
        "data/1.0.0_1/data.sqlite.zst",
        "data/1.0.0_2/.data.sqlite.zst.x1y2.partial",
    ]
    for name in leftovers:
        service.store.write(name, io.BytesIO(b"interrupted"))

    assert service.clean_leftovers(timedelta(hours=1)) == []
    assert sorted(service.clean_leftovers(timedelta(0))) == leftovers

    assert [backup["id"] for backup in service.list_backups()] == [kept["id"]]
    assert sorted(item.name for item in service.store.list("")) == [
        f"backups/{kept['id']}/manifest.json",
        f"data/{kept['id']}/data.sqlite.zst",
        "format.json",
    ]


def test_listings_say_how_far_back_each_backup_is_on_the_day_they_are_made(tmp_path: Path) -> None:
    now = datetime(2026, 3, 1, 12, 0).astimezone()
    service = make_service(tmp_path, clock=lambda: int(now.timestamp()) * 10**9)
    service.create(lambda _: None)

    today = service.list_backups()
    assert today[0]["created"]["readable"] == "Today - March 1st, 12:00 p.m."
    assert service.list_backups() == today
    now = datetime(2026, 3, 2, 9, 0).astimezone()
    assert service.list_backups()[0]["created"]["readable"] == "Yesterday - March 1st, 12:00 p.m."


@pytest.mark.parametrize(
    ("moment", "now", "expected"),
    [
        ((2026, 11, 28, 8, 23), (2026, 11, 28, 9, 0), "Today - November 28th, 8:23 a.m."),
        ((2026, 11, 27, 23, 59), (2026, 11, 28, 0, 1), "Yesterday - November 27th, 11:59 p.m."),
        ((2026, 11, 1, 0, 5), (2026, 11, 4, 12, 0), "3 days ago - November 1st, 12:05 a.m."),
        ((2026, 6, 2, 12, 0), (2026, 6, 10, 12, 0), "Last week - June 2nd, 12:00 p.m."),
        ((2026, 6, 3, 15, 33), (2026, 6, 24, 9, 0), "3 weeks ago - June 3rd, 3:33 p.m."),
        ((2026, 1, 13, 7, 7), (2026, 5, 13, 7, 7), "4 months ago - January 13th, 7:07 a.m."),
        ((2023, 12, 22, 18, 40), (2026, 1, 2, 10, 0), "2 years ago - December 22nd 2023, 6:40 p.m."),
    ],
)
def test_readable_moments(
    moment: tuple[int, int, int, int, int], now: tuple[int, int, int, int, int], expected: str
) -> None:
    assert readable(datetime(*moment).astimezone(), datetime(*now).date()) == expected
