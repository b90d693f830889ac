"""Scheduled backups: every interval (`30s`, `15m`, `1h`, `1d`), or at the times a cron expression
names in a time zone (croniter).

Each slot is a moment every server of a store computes alike (an interval's slots are its multiples
since the epoch), and a server backs up in a slot only if it claims the slot first, with a
conditional creation of `schedule/SLOT` in the store: of two servers sharing a store, one backs up.
A slot missed while the server was not running is made up once at start, when no backup was taken
since the last slot, not once per slot missed. Each scheduled backup is an ordinary job: queued,
listed, the keep policy applied after it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from croniter import croniter

from backups_server.errors import QueueFull, StoreError, StoreTooNew

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from anyio.abc import TaskStatus

    from backups_server.engine.service import BackupService
    from backups_server.storage.store import Store

log = logging.getLogger(__name__)

SLOTS = "schedule/"
KEEP_CLAIMS = timedelta(days=1)
"""Claims of slots this old are removed as new ones are made."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""An interval's slots are its multiples since then."""
_INTERVAL = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Schedule:
    """When backups are due: every interval, or at the times of a cron expression in `timezone`."""

    text: str
    rule: timedelta | str
    timezone: tzinfo = UTC

    @classmethod
    def parse(cls, text: str, timezone: tzinfo = UTC) -> Schedule:
        """`30s`, `15m`, `1h`, `1d`, or a cron expression such as `0 3 * * *`; raises ValueError."""
        if interval := _INTERVAL.fullmatch(text.strip()):
            span = timedelta(**{_UNITS[interval[2]]: int(interval[1])})
            if not span:
                raise ValueError(f"{text}: an interval must be longer than 0")
            return cls(text, span, timezone)
        if croniter.is_valid(text):
            return cls(text, text, timezone)
        raise ValueError(f"{text}: neither an interval (30s, 15m, 1h, 1d) nor a cron expression (0 3 * * *)")

    def __str__(self) -> str:
        if isinstance(self.rule, timedelta):
            return f"every {self.text}"
        return f"at `{self.rule}` ({self.timezone})"

    def next_after(self, moment: datetime) -> datetime:
        """The first slot after `moment`."""
        if isinstance(self.rule, timedelta):
            return self.last_at_or_before(moment) + self.rule
        following: datetime = croniter(self.rule, moment.astimezone(self.timezone)).get_next(datetime)
        return following.astimezone(UTC)

    def last_at_or_before(self, moment: datetime) -> datetime:
        """The latest slot at or before `moment`."""
        if isinstance(self.rule, timedelta):
            return EPOCH + (moment - EPOCH) // self.rule * self.rule
        after = moment.astimezone(self.timezone) + timedelta(microseconds=1)
        previous: datetime = croniter(self.rule, after).get_prev(datetime)
        return previous.astimezone(UTC)


class Scheduler:
    """Starts a backup at each slot of `schedule` that this server claims, by `start_backup`."""

    def __init__(
        self,
        schedule: Schedule,
        service: BackupService,
        start_backup: Callable[[], Awaitable[object]],
        *,
        limiter: anyio.CapacityLimiter,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.schedule = schedule
        self.service = service
        self._start_backup = start_backup
        self._limiter = limiter
        self._clock = clock
        self._scope = anyio.CancelScope()
        self.next: datetime | None = None
        """The next slot, once running."""

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Make up a missed slot, say so to `task_status`, then back up at each slot until stopped."""
        with self._scope:
            now = self._clock()
            missed = self.schedule.last_at_or_before(now)
            self.next = self.schedule.next_after(now)
            log.info(
                "scheduled backups %s: next at %s", self.schedule, self.next.isoformat(timespec="seconds")
            )
            if await self._overdue(missed):
                await self.backup_in(missed)
            task_status.started()
            while True:
                await anyio.sleep(max(0.0, (self.next - self._clock()).total_seconds()))
                slot, self.next = self.next, self.schedule.next_after(max(self._clock(), self.next))
                await self.backup_in(slot)

    def stop(self) -> None:
        self._scope.cancel()

    async def backup_in(self, slot: datetime) -> bool:
        """Start a backup for `slot` unless another server claimed it; whether this one did."""
        try:
            claimed = await anyio.to_thread.run_sync(claim, self.service.store, slot, limiter=self._limiter)
            if claimed:
                await self._start_backup()
        except (StoreError, StoreTooNew, QueueFull) as error:
            log.warning("the backup scheduled at %s was not started: %s", slot.isoformat(), error)
            return False
        return claimed

    async def _overdue(self, slot: datetime) -> bool:
        """Whether no listed backup was taken since `slot`."""
        try:
            backups = await anyio.to_thread.run_sync(self.service.list_backups, limiter=self._limiter)
        except (StoreError, StoreTooNew) as error:
            log.warning("whether a scheduled backup was missed is unknown: %s", error)
            return False
        return not any(backup.record.created >= slot for backup in backups)


def claim(store: Store, slot: datetime) -> bool:
    """Claim `slot` for this server, unless another claimed it; claims a day old go."""
    name = slot_name(slot)
    holder = {"host": socket.gethostname(), "process": os.getpid()}
    claimed = store.create(name, json.dumps(holder).encode())
    if claimed:
        expired = slot_name(slot - KEEP_CLAIMS)
        for item in store.list(SLOTS):
            if item.name < expired:
                store.delete(item.name)
    return claimed


def slot_name(slot: datetime) -> str:
    return f"{SLOTS}{slot.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}"
