"""The wire shapes: a backup as the API shows it, rendered from its record."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest

from backups_server.api import wire
from backups_server.storage.records import BackupRecord
from tests.helpers import make_service

if TYPE_CHECKING:
    from pathlib import Path


def test_a_backup_as_the_api_shows_it() -> None:
    record = BackupRecord.new("1.0.0", 1_795_854_206_123_456, 8192, "workstation", "LINUX")
    shown = wire.backup(record, datetime(2026, 11, 28).date())

    assert shown == {
        "id": "1.0.0_1795854206123456",
        "version": "1.0.0",
        "timestamp": "1795854206123456",
        "bytes": 8192,
        "created": {
            "value": "2026-11-28T08:23:26.123456+00:00",
            "readable": wire.readable(record.created, date(2026, 11, 28)),
        },
        "device_name": "workstation",
        "platform": "LINUX",
    }


def test_a_platform_the_spec_does_not_name_is_shown_as_unknown() -> None:
    record = BackupRecord.new("1.0.0", 1, 0, "workstation", "BEOS")

    assert wire.backup(record, datetime(2026, 11, 28).date())["platform"] == "UNKNOWN"


def test_listings_say_how_far_back_each_backup_is_on_the_day_they_are_made(tmp_path: Path) -> None:
    now = datetime(2026, 3, 1, 12, 0).astimezone()
    service = make_service(tmp_path, clock=lambda: int(now.timestamp()) * 10**9)
    service.create(lambda _: None)

    presentations = wire.Presentations()
    (manifest,) = service.list_backups()

    today = presentations.of(manifest, wire.local_date(service.clock()))
    assert today["created"]["readable"] == "Today - March 1st, 12:00 p.m."
    assert presentations.of(manifest, wire.local_date(service.clock())) is today
    now = datetime(2026, 3, 2, 9, 0).astimezone()
    yesterday = presentations.of(manifest, wire.local_date(service.clock()))
    assert yesterday["created"]["readable"] == "Yesterday - March 1st, 12:00 p.m."


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
    assert wire.readable(datetime(*moment).astimezone(), datetime(*now).date()) == expected
