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
from backups_server.store import StoreError

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from anyio.lowlevel import EventLoopToken
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from backups_server.backups import BackupService

log = logging.getLogger(__name__)


class Event(NamedTuple):
    """`progress`, `completed` or `failed`, with its BackupStreamedProgress."""

    kind: str
    data: dict[str, Any]


class BackupJobs:
    """Starts backups, at most `max_concurrent` at once; the others wait their turn."""

    def __init__(self, service: BackupService, task_group: TaskGroup, max_concurrent: int) -> None:
        self.service = service
        self._task_group = task_group
        self._limiter = anyio.CapacityLimiter(max_concurrent)

    def start(self) -> MemoryObjectReceiveStream[Event]:
        """Start a backup; its events arrive on the returned stream, which ends after the last one."""
        send, receive = anyio.create_memory_object_stream[Event](max_buffer_size=math.inf)
        self._task_group.start_soon(self._run, send)
        return receive

    async def _run(self, events: MemoryObjectSendStream[Event]) -> None:
        with events:
            reporter = _Reporter(events, anyio.lowlevel.current_token())
            reporter.offer(Event("progress", {"status": "INITIALIZED", "percentage": 0}))
            try:
                backup = await anyio.to_thread.run_sync(
                    self.service.create, reporter.report_from_thread, limiter=self._limiter
                )
            except Exception as error:
                log.exception("backup failed")
                failed = {
                    "status": "FAILED",
                    "percentage": reporter.percentage,
                    "message": failure_text(error),
                }
                reporter.offer(Event("failed", failed))
            else:
                reporter.offer(
                    Event("completed", {"status": "COMPLETED", "percentage": 100, "backup": backup})
                )


class _Reporter:
    """Turns the service's progress into events: one per whole percent at most, and never 100
    before the backup is completely stored."""

    def __init__(self, events: MemoryObjectSendStream[Event], loop: EventLoopToken) -> None:
        self._events = events
        self._loop = loop
        self.percentage = 0.0

    def offer(self, event: Event) -> None:
        with suppress(anyio.BrokenResourceError):
            self._events.send_nowait(event)

    def report_from_thread(self, fraction: float) -> None:
        """Called by the service from any thread (stores may read in threads of their own)."""
        percentage = min(round(fraction * 100, 1), 99.9)
        if int(percentage) > int(self.percentage):
            self.percentage = percentage
            event = Event("progress", {"status": "IN-PROGRESS", "percentage": percentage})
            anyio.from_thread.run_sync(self.offer, event, token=self._loop)


def failure_text(error: BaseException) -> str:
    """What a client is told about a failure: short; the details are in the server log."""
    if isinstance(error, StoreTooNew):
        return "The backup store was written by a newer version of this server"
    if isinstance(error, StoreError):
        return "The backup store failed; see the server log"
    if isinstance(error, sqlite3.Error):
        return "The database could not be snapshotted; see the server log"
    return "The backup failed; see the server log"
