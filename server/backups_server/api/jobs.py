"""Creations and restorations of the database, run one at a time as jobs whose events are kept.

A job runs in a task of the application, not of the request that asked for it: when the client
goes away the job still completes, and shutting down waits for the one running. Jobs wait in a
bounded queue and run in the order they came. Each keeps its events, numbered from 1, so any
number of requests can follow it, each from the event it wants: from the start, or after the last
one it saw before its connection broke. A job can be cancelled until its point of no return.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread

from backups_server.api import wire
from backups_server.api.metrics import Metrics
from backups_server.errors import (
    Cancelled,
    QueueFull,
    Stopping,
    StoreError,
    failure_text,
)
from backups_server.runtime.logs import request_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from anyio.abc import TaskGroup
    from anyio.lowlevel import EventLoopToken
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from backups_server.engine.progress import Progress

log = logging.getLogger(__name__)

PROGRESS, COMPLETED, FAILED = "progress", "completed", "failed"
TERMINAL = frozenset({COMPLETED, FAILED})
CREATION, RESTORATION = "creation", "restoration"

REPLAY_FOR = 60.0
"""Seconds a finished job keeps all its events, for the requests that resume its stream; after
that its terminal event alone is kept."""

KNOWN_FOR = 3600.0
"""Seconds a finished job's status is known."""


class Event(NamedTuple):
    """One event of a job: its number, `progress`, `completed` or `failed`, and its
    BackupStreamedProgress as one line of JSON (kept so: a job keeps about a hundred events, and a
    string of JSON takes half the memory of the dict, which is only read back for the last)."""

    id: int
    kind: str
    payload: str

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.payload)
        return data


def as_payload(data: dict[str, Any]) -> str:
    """An event's data as one line of JSON."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Job:
    """One creation or restoration: its events for every request that follows it, its status, and
    its cancellation.

    While the job runs every event is kept: there is at most one per whole percent, so a request
    that resumes after any of them misses none. `coalesce()` then keeps the terminal event alone,
    which is what a finished job's stream is.
    """

    def __init__(
        self, kind: str, backup: dict[str, Any], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.kind = kind
        self.backup = backup
        """The backup the job creates or restores, as the API shows it."""
        self._clock = clock
        self._events: list[Event] = []
        self._changed = anyio.Event()
        self._lock = threading.Lock()
        self._cancelled = False
        self._committed = False
        self.ended_at: float | None = None
        self.request_id = request_id.get()
        """The request that started the job, whose id the job's logs carry."""
        self.publish(PROGRESS, {"status": wire.State.INITIALIZED, "percentage": 0})

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def last(self) -> Event:
        return self._events[-1]

    @property
    def status(self) -> dict[str, Any]:
        """The job as a BackupStatus."""
        state = self.last.data
        return wire.status(self.backup, wire.State(state["status"]), state["percentage"])

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Add an event; call it from the event loop. Nothing is added once the job has ended."""
        if self.ended:
            return
        self._events.append(Event(self.last.id + 1 if self._events else 1, kind, as_payload(data)))
        if kind in TERMINAL:
            self.ended_at = self._clock()
            self.backup = data.get("backup", self.backup)
        changed, self._changed = self._changed, anyio.Event()
        changed.set()

    def fail(self, status: wire.State, message: str) -> None:
        self.publish(
            FAILED, {"status": status, "percentage": self.last.data["percentage"], "message": message}
        )

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

    def cancel(self) -> bool:
        """Ask the job to stop; False when it is past its point of no return, or has ended."""
        with self._lock:
            if self._committed or self.ended:
                return False
            self._cancelled = True
            return True

    def check(self) -> None:
        """Raise Cancelled if the job was cancelled; the work calls it at each of its steps."""
        if self._cancelled:
            raise Cancelled

    def commit(self) -> None:
        """Pass the point of no return, unless the job was cancelled (then raise Cancelled)."""
        with self._lock:
            self.check()
            self._committed = True


if TYPE_CHECKING:
    Work = Callable[[Callable[[Progress], None], Job], dict[str, Any]]
    """What a job does: given where to report its progress and its job, what its `completed` event
    says besides its status: the Backup it made or restored (`backup`), and what else it knows."""


class _Queued(NamedTuple):
    """A job in the queue: what it does, what is done instead when it ends before its turn, and
    how long it is held when its turn comes."""

    job: Job
    work: Work
    skipped: Callable[[], None]
    hold: float


class JobQueue:
    """Runs jobs one at a time, in the order they came, with at most `max_waiting` waiting; knows
    each job by its kind and backup, for an hour after it ends."""

    def __init__(
        self,
        task_group: TaskGroup,
        *,
        max_waiting: int,
        limiter: anyio.CapacityLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self._limiter = limiter
        self._metrics = metrics or Metrics()
        """The threads the jobs run on; anyio's default ones when None."""
        self._clock = clock
        self._send: MemoryObjectSendStream[_Queued]
        self._send, receive = anyio.create_memory_object_stream[_Queued](max_buffer_size=max_waiting)
        self._known: dict[tuple[str, str], Job] = {}
        self._running: Job | None = None
        task_group.start_soon(self._run_each, receive)
        self._metrics.watch_queue(
            waiting=lambda: self._send.statistics().current_buffer_used,
            running=lambda: int(self._running is not None and not self._running.ended),
        )

    def submit(
        self,
        kind: str,
        backup: dict[str, Any],
        work: Work,
        skipped: Callable[[], None] = lambda: None,
        *,
        hold: float = 0.0,
    ) -> Job:
        """A new job, waiting for its turn to run `work(on_progress, job)`, or `skipped()` when it
        ends before its turn (cancelled, or failed by a shutdown); raises QueueFull. When its turn
        comes, it waits `hold` seconds more before it runs, holding the jobs behind it."""
        self._forget_old()
        job = Job(kind, backup, self._clock)
        try:
            self._send.send_nowait(_Queued(job, work, skipped, hold))
        except anyio.WouldBlock:
            raise QueueFull from None
        self._known[kind, backup["id"]] = job
        return job

    def find(self, kind: str, backup_id: str) -> Job | None:
        """The latest job of this kind for this backup, if it is known."""
        self._forget_old()
        return self._known.get((kind, backup_id))

    def cancel(self, job: Job) -> bool:
        """Cancel a job: one that waits ends now, one that runs stops at its next step; False
        when it is past its point of no return, or has ended."""
        if not job.cancel():
            return False
        if job is not self._running:
            job.fail(wire.State.CANCELED, cancelled(job))
        return True

    def close(self) -> None:
        """Take no more jobs: those waiting fail, saying the server is shutting down, and the
        running one completes."""
        self._send.close()
        for job in self._known.values():
            if job is not self._running:
                job.fail(wire.State.FAILED, Stopping.TEXT)

    def abandon(self, message: str) -> None:
        """End every job that has not ended with a `failed` event now; what they do after that is
        published nowhere."""
        for job in self._known.values():
            job.fail(wire.State.FAILED, message)

    async def _run_each(self, jobs: MemoryObjectReceiveStream[_Queued]) -> None:
        async with jobs:
            async for job, work, skipped, hold in jobs:
                if hold:
                    with anyio.move_on_after(hold):  # still waiting: a cancellation ends it at once
                        await job.final()
                if job.ended:  # cancelled, or failed by a shutdown, while it waited
                    skipped()
                    continue
                self._running = job
                try:
                    await self._run(job, work)
                finally:
                    self._running = None

    async def _run(self, job: Job, work: Work) -> None:
        job.publish(PROGRESS, {"status": wire.State.IN_PROGRESS, "percentage": 0})  # its turn has come
        reporter = _Reporter(job.publish, anyio.lowlevel.current_token())
        request_id.set(job.request_id)  # in this task alone, which runs the job
        metrics = self._metrics
        metrics.started.labels(job.kind).inc()
        try:
            outcome = await self._timed(job, work, reporter)
        except Cancelled:
            log.info("the %s of %s was cancelled", job.kind, job.backup["id"])
            metrics.cancelled.labels(job.kind).inc()
            job.fail(wire.State.CANCELED, cancelled(job))
        except Exception as error:
            log.exception("the %s of %s failed", job.kind, job.backup["id"])
            metrics.failed.labels(job.kind).inc()
            if isinstance(error, StoreError):
                metrics.store_errors.inc()
            job.fail(wire.State.FAILED, failure_text(error))
        else:
            metrics.completed.labels(job.kind).inc()
            size = int(outcome["backup"]["bytes"])
            done = {
                "status": wire.State.COMPLETED,
                "percentage": 100,
                "total_bytes": size,
                "processed_bytes": size,
            }
            job.publish(COMPLETED, {**done, **outcome})

    async def _timed(self, job: Job, work: Work, reporter: _Reporter) -> dict[str, Any]:
        """Run the work on a thread, its duration measured before the job's last event tells anyone."""
        started = time.monotonic()
        forwarding = threading.Thread(target=reporter.forward, name="progress")
        forwarding.start()
        try:
            return await anyio.to_thread.run_sync(
                work, reporter.report_from_thread, job, limiter=self._limiter
            )
        finally:
            reporter.stop()
            with anyio.CancelScope(shield=True):  # its last events published, whatever ended the work
                await anyio.to_thread.run_sync(forwarding.join)
            self._metrics.duration.labels(job.kind).observe(time.monotonic() - started)

    def _forget_old(self) -> None:
        now = self._clock()
        for name, job in list(self._known.items()):
            if job.ended_at is None:
                continue
            if now - job.ended_at > KNOWN_FOR:
                del self._known[name]
            elif now - job.ended_at > REPLAY_FOR:
                job.coalesce()


class _Reporter:
    """Turns the work's progress into events: one per whole percent at most, and never 100
    before the work is done. `forward`, on a thread of its own, hands them to the event loop, so
    that the work never waits for the loop to take one."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None], loop: EventLoopToken) -> None:
        self._publish = publish
        self._loop = loop
        self._events: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self.percentage = 0.0

    def report_from_thread(self, progress: Progress) -> None:
        """Called by the work, one call at a time, from any thread."""
        percentage = min(round(progress.fraction * 100, 1), 99.9)
        if int(percentage) > int(self.percentage):
            self.percentage = percentage
            data: dict[str, Any] = {"status": wire.State.IN_PROGRESS, "percentage": percentage}
            if progress.size:
                data["total_bytes"] = progress.size
                data["processed_bytes"] = int(progress.size * percentage / 100)
            self._events.put(data)

    def forward(self) -> None:
        """Publish the events reported, in order, until `stop` is called."""
        while (data := self._events.get()) is not None:
            anyio.from_thread.run_sync(self._publish, PROGRESS, data, token=self._loop)

    def stop(self) -> None:
        """Once the work has ended: `forward` returns after the events reported so far."""
        self._events.put(None)


def cancelled(job: Job) -> str:
    return f"The {job.kind} of backup {job.backup['id']} was cancelled"
