"""Backups running in the background, each one a job whose progress events are kept.

A backup runs in a task of the application, not of the request that asked for it: when the
client goes away the backup still completes and is listed, and shutting down waits for it. Its
events are numbered from 1 and kept in the job, so any number of requests can follow it, each
from the event it wants: from the start, or after the last one it saw before its connection broke.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread

from backups_server.backups import StoreTooNew
from backups_server.snapshot import ExplainedFailure
from backups_server.store import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from anyio.abc import TaskGroup
    from anyio.lowlevel import EventLoopToken

    from backups_server.backups import BackupService

log = logging.getLogger(__name__)

PROGRESS, COMPLETED, FAILED = "progress", "completed", "failed"
TERMINAL = frozenset({COMPLETED, FAILED})


class Event(NamedTuple):
    """One event of a job: its number, `progress`, `completed` or `failed`, and its BackupStreamedProgress."""

    id: int
    kind: str
    data: dict[str, Any]


class Job:
    """The events of one backup, for every request that follows it.

    While the backup runs every event is kept: there is at most one per whole percent, so a
    request that resumes after any of them misses none. `coalesce()` then keeps the terminal
    event alone, which is what a finished job's stream is.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._events: list[Event] = []
        self._changed = anyio.Event()
        self.ended_at: float | None = None
        self.publish(PROGRESS, {"status": "INITIALIZED", "percentage": 0})

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def last(self) -> Event:
        return self._events[-1]

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Add an event; call it from the event loop. Nothing is added once the job has ended."""
        if self.ended:
            return
        self._events.append(Event(self.last.id + 1 if self._events else 1, kind, data))
        if kind in TERMINAL:
            self.ended_at = self._clock()
        changed, self._changed = self._changed, anyio.Event()
        changed.set()

    def events_after(self, last_seen: int) -> list[Event]:
        """The kept events after the event numbered `last_seen`; a job that has ended always
        gives its terminal event, so that every stream of it ends with one."""
        after = [event for event in self._events if event.id > last_seen]
        return after or ([self.last] if self.ended else [])

    async def changed(self) -> None:
        """Wait for the next event."""
        await self._changed.wait()

    async def final(self) -> Event:
        """Wait for the terminal event."""
        while not self.ended:
            await self.changed()
        return self.last

    def coalesce(self) -> None:
        """Keep the terminal event alone; only for a job that has ended."""
        if self.ended:
            self._events = [self.last]


class BackupJobs:
    """Starts backups, at most `max_concurrent` at once, and at most one more waiting for a slot.

    A request that finds every slot busy joins the backup already waiting, if there is one: all
    the requests that arrive while it waits share it and get the same events. Its snapshot is
    taken after each of them arrived, so it is a new backup for each of them.
    """

    def __init__(
        self,
        service: BackupService,
        task_group: TaskGroup,
        max_concurrent: int,
        limiter: anyio.CapacityLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self._task_group = task_group
        self._slots = anyio.CapacityLimiter(max_concurrent)
        self._limiter = limiter
        """The threads the backups run on; anyio's default ones when None."""
        self._clock = clock
        self._waiting: Job | None = None
        self._started: set[Job] = set()

    def start(self) -> Job:
        """Start a backup, or join the one waiting for a slot."""
        if self._waiting is not None:
            return self._waiting
        job = Job(self._clock)
        try:
            self._slots.acquire_on_behalf_of_nowait(job)
        except anyio.WouldBlock:
            self._waiting = job
        self._started.add(job)
        self._task_group.start_soon(self._run, job)
        return job

    def abandon(self, message: str) -> None:
        """End every job started and not finished with a `failed` event now; what they do after
        that is published nowhere."""
        for job in self._started:
            percentage = job.last.data.get("percentage", 0)
            job.publish(FAILED, {"status": "FAILED", "percentage": percentage, "message": message})

    async def _run(self, job: Job) -> None:
        try:
            if job is self._waiting:
                await self._slots.acquire_on_behalf_of(job)
                self._waiting = None
            try:
                await self._take(job)
            finally:
                self._slots.release_on_behalf_of(job)
        finally:
            self._started.discard(job)

    async def _take(self, job: Job) -> None:
        reporter = _Reporter(job.publish, anyio.lowlevel.current_token())
        try:
            created = await anyio.to_thread.run_sync(
                self.service.create, reporter.report_from_thread, limiter=self._limiter
            )
        except Exception as error:
            log.exception("backup failed")
            failed = {"status": "FAILED", "percentage": reporter.percentage, "message": failure_text(error)}
            job.publish(FAILED, failed)
        else:
            job.publish(COMPLETED, {"status": "COMPLETED", "percentage": 100, "backup": created})


class _Reporter:
    """Turns the service's progress into events: one per whole percent at most, and never 100
    before the backup is completely stored."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None], loop: EventLoopToken) -> None:
        self._publish = publish
        self._loop = loop
        self.percentage = 0.0

    def report_from_thread(self, fraction: float) -> None:
        """Called by the service, one call at a time, from any thread."""
        percentage = min(round(fraction * 100, 1), 99.9)
        if int(percentage) > int(self.percentage):
            self.percentage = percentage
            data = {"status": "IN-PROGRESS", "percentage": percentage}
            anyio.from_thread.run_sync(self._publish, PROGRESS, data, token=self._loop)


def failure_text(error: BaseException) -> str:
    """What a client is told about a failure: short; the details are in the server log."""
    if isinstance(error, ExplainedFailure):
        return str(error)
    if isinstance(error, StoreTooNew):
        return "The backup store was written by a newer version of this server"
    if isinstance(error, StoreError):
        return "The backup store failed; see the server log"
    if isinstance(error, sqlite3.Error):
        return "The database could not be snapshotted; see the server log"
    return "The backup failed; see the server log"
