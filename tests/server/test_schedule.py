"""Scheduled backups: slots every server computes alike, one backup a slot whichever servers share the
store, a missed slot made up once at start, and the next slot in the health answer; and the scheduled
prune of an encrypted store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import anyio
import httpx
import pytest

from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup, Backups
from backups_server.runtime.schedule import SLOTS, Schedule, Scheduler, claim, slot_name
from backups_server.storage.folder import FolderStore
from backups_server.storage.marks import MARKS
from backups_server.storage.packs import PACKS
from tests.helpers import change, eventually, make_database, make_service, server_command

if TYPE_CHECKING:
    from pathlib import Path

    from backups_server.engine.service import BackupService
    from tests.helpers import ServerFactory, StoreUnderTest

NOON = datetime(2026, 3, 28, 12, 0, 7, tzinfo=UTC)


def test_an_interval_has_slots_at_its_multiples_since_the_epoch() -> None:
    schedule = Schedule.parse("15m")

    assert schedule.last_at_or_before(NOON) == datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert schedule.next_after(NOON) == datetime(2026, 3, 28, 12, 15, tzinfo=UTC)
    assert schedule.last_at_or_before(datetime(2026, 3, 28, 12, 15, tzinfo=UTC)).minute == 15
    assert str(schedule) == "every 15m"


def test_a_cron_expression_follows_its_timezone_across_a_change_of_clocks() -> None:
    paris = ZoneInfo("Europe/Paris")
    schedule = Schedule.parse("0 3 * * *", paris)  # 3 a.m. in Paris: 02:00 UTC in winter, 01:00 in summer

    before, after = schedule.next_after(NOON), schedule.next_after(NOON + timedelta(days=1))

    assert before == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # the clocks went forward at 2 a.m.
    assert after == datetime(2026, 3, 30, 1, 0, tzinfo=UTC)
    assert schedule.last_at_or_before(before) == before
    assert schedule.last_at_or_before(NOON) == datetime(2026, 3, 28, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["0s", "15 minutes", "* * *", "", "1w"])
def test_what_is_neither_an_interval_nor_a_cron_expression_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"neither an interval|longer than 0"):
        Schedule.parse(text)


def test_a_slot_is_claimed_once_and_claims_a_day_old_go(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "store")
    old = NOON - timedelta(days=2)
    assert claim(store, old)

    claimed = [claim(store, NOON), claim(store, NOON)]

    assert claimed == [True, False]
    assert [item.name for item in store.list(SLOTS)] == [slot_name(NOON)]


class Started:
    """What a scheduler's `start_backup` was asked."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


def scheduler(service: BackupService, started: Started, now: datetime, text: str = "1h") -> Scheduler:
    import anyio  # noqa: PLC0415

    return Scheduler(
        Schedule.parse(text), service, started, limiter=anyio.CapacityLimiter(1), clock=lambda: now
    )


@pytest.mark.anyio
async def test_a_slot_missed_while_no_server_ran_is_made_up_once_at_start(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    service.create(lambda _: None)  # now: the last slot of an hourly schedule began before it
    taken = service.list_backups()[0].record.created
    started = {name: Started() for name in ("missed", "not missed")}
    late = taken + timedelta(hours=5)  # five slots went by since, with no backup

    async with anyio.create_task_group() as group:
        for name, now in (("missed", late), ("not missed", taken)):
            running = scheduler(service, started[name], now)
            await group.start(running.run)
            running.stop()

    assert started["missed"].count == 1
    assert started["not missed"].count == 0


@pytest.mark.anyio
async def test_two_servers_sharing_a_store_back_up_once_a_slot(tmp_path: Path) -> None:
    first = make_service(tmp_path / "first")
    second = make_service(tmp_path / "second", store=first.store)
    counts = [Started(), Started()]
    slots = [NOON + timedelta(hours=hour) for hour in range(3)]

    claimed = [
        [
            await scheduler(service, count, NOON).backup_in(slot)
            for service, count in zip((first, second), counts, strict=True)
        ]
        for slot in slots
    ]

    assert claimed == [[True, False]] * 3
    assert [count.count for count in counts] == [3, 0]


def test_the_server_backs_up_on_its_schedule_and_says_when_next(start_server: ServerFactory) -> None:
    server = start_server(environment={"BACKUPS_SCHEDULE": "1s", "BACKUPS_KEEP_LAST": "2"})

    with server.client() as client:

        def slots_run() -> int:
            return len(server.store.store.list(SLOTS))

        assert eventually(lambda: slots_run() >= 4)
        listed = backups_snapshot.sync(client=client)
    health = httpx.get(f"{server.url}/.well-known/health", timeout=10)

    assert isinstance(listed, Backups)
    assert 2 <= len(listed.iterable) < slots_run()  # the keep policy, after each (one may be just made)
    assert health.text == "ok"
    assert datetime.fromisoformat(health.headers["Next-Backup"]) > datetime.now(UTC) - timedelta(seconds=5)


def test_the_server_prunes_an_encrypted_store_on_a_schedule_of_its_own(
    start_server: ServerFactory, store: StoreUnderTest, tmp_path: Path
) -> None:
    schedule = {"BACKUPS_SWEEP_INTERVAL": "0.2", "BACKUPS_PRUNE_INTERVAL": "0.2", "BACKUPS_GRACE": "0"}
    server = start_server(
        database=make_database(tmp_path / "database.sqlite", rows=3000), environment=schedule
    )
    with server.client() as client:
        for step in range(4):  # the first backup's pack: a quarter of it needed by the last one
            change(server.database, step)
            assert isinstance(backups_create_new_backup.sync(client=client), Backup)
        listed = backups_snapshot.sync(client=client)
        assert isinstance(listed, Backups)
        newest = listed.iterable[0].id
        packs = {item.name for item in store.store.list(PACKS)}
        assert server_command(store, "forget", "--keep-last", "1").returncode == 0

        def pruned() -> bool:
            return {item.name for item in store.store.list(PACKS)} != packs and store.store.list(MARKS) == []

        assert eventually(pruned)
    target = tmp_path / "restored.sqlite"
    assert server_command(store, "restore", newest, "--to", str(target)).returncode == 0
    assert server_command(store, "check", "--read-data").returncode == 0
