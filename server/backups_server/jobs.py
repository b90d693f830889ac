"""Backups running in the background, reported as progress events.

A backup runs in a task of the application, not of the request that asked for it: when the
client goes away the backup still completes and is listed, and shutting down waits for it.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from contextlib import suppress
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
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from backups_server.backups import BackupService

log = logging.getLogger(__name__)


class Event(NamedTuple):
    """`progress`, `completed` or `failed`, with its BackupStreamedProgress."""

    kind: str
    data: dict[str, Any]


INITIALIZED = Event("progress", {"status": "INITIALIZED", "percentage": 0})


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
    ) -> None:
        self.service = service
        self._task_group = task_group
        self._slots = anyio.CapacityLimiter(max_concurrent)
        self._limiter = limiter
        """The threads the backups run on; anyio's default ones when None."""
        self._waiting: _Backup | None = None
        self._started: set[_Backup] = set()

    def start(self) -> MemoryObjectReceiveStream[Event]:
        """Start a backup, or join the one waiting; its events arrive on the returned stream,
        which ends after the last one."""
        backup = self._waiting
        if backup is None:
            backup = _Backup()
            try:
                self._slots.acquire_on_behalf_of_nowait(backup)
            except anyio.WouldBlock:
                self._waiting = backup
            self._started.add(backup)
            self._task_group.start_soon(self._run, backup)
        return backup.join()

    def abandon(self, message: str) -> None:
        """End the stream of every backup started and not finished with a `failed` event now."""
        for backup in self._started:
            backup.fail(message)

    async def _run(self, backup: _Backup) -> None:
        with backup:
            try:
                if backup is self._waiting:
                    await self._slots.acquire_on_behalf_of(backup)
                    self._waiting = None
                try:
                    await self._take(backup)
                finally:
                    self._slots.release_on_behalf_of(backup)
            finally:
                self._started.discard(backup)

    async def _take(self, backup: _Backup) -> None:
        reporter = _Reporter(backup.publish, anyio.lowlevel.current_token())
        try:
            created = await anyio.to_thread.run_sync(
                self.service.create, reporter.report_from_thread, limiter=self._limiter
            )
        except Exception as error:
            log.exception("backup failed")
            failed = {"status": "FAILED", "percentage": reporter.percentage, "message": failure_text(error)}
            backup.publish(Event("failed", failed))
        else:
            backup.publish(Event("completed", {"status": "COMPLETED", "percentage": 100, "backup": created}))


class _Backup:
    """One backup's events, for every request that shares it; each gets INITIALIZED as it joins."""

    def __init__(self) -> None:
        self._audience: list[MemoryObjectSendStream[Event]] = []
        self._percentage: float = 0
        self._ended = False

    def join(self) -> MemoryObjectReceiveStream[Event]:
        send, receive = anyio.create_memory_object_stream[Event](max_buffer_size=math.inf)
        send.send_nowait(INITIALIZED)
        self._audience.append(send)
        return receive

    def publish(self, event: Event) -> None:
        if self._ended:
            return
        self._percentage = event.data.get("percentage", self._percentage)
        for stream in self._audience:
            with suppress(anyio.BrokenResourceError):  # that request has gone away
                stream.send_nowait(event)

    def fail(self, message: str) -> None:
        """Publish a `failed` event with `message`, and end every stream."""
        self.publish(
            Event("failed", {"status": "FAILED", "percentage": self._percentage, "message": message})
        )
        self.__exit__()

    def __enter__(self) -> _Backup:
        return self

    def __exit__(self, *_exception: object) -> None:
        self._ended = True
        for stream in self._audience:
            stream.close()


class _Reporter:
    """Turns the service's progress into events: one per whole percent at most, and never 100
    before the backup is completely stored."""

    def __init__(self, publish: Callable[[Event], None], loop: EventLoopToken) -> None:
        self._publish = publish
        self._loop = loop
        self.percentage = 0.0

    def report_from_thread(self, fraction: float) -> None:
        """Called by the service, one call at a time, from any thread."""
        percentage = min(round(fraction * 100, 1), 99.9)
        if int(percentage) > int(self.percentage):
            self.percentage = percentage
            event = Event("progress", {"status": "IN-PROGRESS", "percentage": percentage})
            anyio.from_thread.run_sync(self._publish, event, token=self._loop)


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
