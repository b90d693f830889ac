"""The operations of openapi.yaml, one method per operationId (`backups-snapshot` is
`BackupsApi.backups_snapshot`): they answer with plain dicts, the spec being the only description
of the contract, and raise the errors that app.py turns into its documented statuses."""

from __future__ import annotations

import gc
import math
import time
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from backups_server.api import sse, wire
from backups_server.api.framework import connexion, context
from backups_server.api.idempotency import IdempotencyKeys, key_value, request_key
from backups_server.api.jobs import CREATION, FAILED, RESTORATION, Job, JobQueue
from backups_server.api.metrics import CONTENT_TYPE as METRICS_TYPE
from backups_server.api.metrics import Metrics
from backups_server.engine.restore import restore_online
from backups_server.errors import (
    BackupNotFound,
    JobFailed,
    NothingToCancel,
    Stopping,
    StoreError,
    StreamGone,
)
from backups_server.runtime.schedule import Schedule, Scheduler
from backups_server.runtime.sweeper import Sweeper, Upkeep
from backups_server.storage.records import SealedManifest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from backups_server.engine.progress import Progress
    from backups_server.engine.service import BackupService, Reservation
    from backups_server.storage.records import StoredManifest

Result = TypeVar("Result")

EVENT_STREAM = "text/event-stream"
NEXT_BACKUP = "Next-Backup"
"""The health answer's header that says when the next scheduled backup is due."""

STORE_THREADS = 8
"""Threads for the calls that reach the store, apart from anyio's: a stalled store holds these only."""


class BackupsApi:
    """The operations of openapi.yaml, one method per operationId."""

    def __init__(
        self,
        service: BackupService,
        *,
        backup_path: str,
        keepalive: float,
        max_waiting: int,
        upkeep: Upkeep,
        schedule: Schedule | None = None,
        hold_streamed: float = 0.0,
    ) -> None:
        self.service = service
        self.backup_path = backup_path
        """Where a backup is, `{backup}` standing for its id: the Content-Location of its jobs."""
        self.keepalive = keepalive
        self.max_waiting = max_waiting
        self.upkeep = upkeep
        self.schedule = schedule
        self._scheduler: Scheduler | None = None
        self.hold_streamed = hold_streamed
        """Seconds a job followed as an event stream waits when its turn comes (`--hold-streamed`)."""
        self.keys = IdempotencyKeys()
        self.metrics = Metrics()
        self._presentations = wire.Presentations()
        self._queue: JobQueue | None = None
        self._store_calls: anyio.CapacityLimiter | None = None

    @asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        """Jobs run in this task group, so they outlive the requests that started them.

        What starting made (modules, the spec, the app: some 200,000 objects) lives as long as the
        server, so it is frozen out of the garbage collector before the first request: its full
        passes, which a backup's many new objects set off, would walk it all each time (0.1 s of a
        256 MiB backup)."""
        async with anyio.create_task_group() as task_group:
            self._store_calls = anyio.CapacityLimiter(STORE_THREADS)
            self._queue = JobQueue(
                task_group, max_waiting=self.max_waiting, limiter=self._store_calls, metrics=self.metrics
            )
            sweeper = Sweeper(self.service, self.upkeep, limiter=self._store_calls)
            await anyio.to_thread.run_sync(self.service.apply_retention, limiter=self._store_calls)
            await task_group.start(sweeper.run)
            if self.schedule is not None:
                self._scheduler = Scheduler(
                    self.schedule, self.service, self._start_creation, limiter=self._store_calls
                )
                await task_group.start(self._scheduler.run)
                scheduler = self._scheduler
                self.metrics.watch_schedule(lambda: scheduler.next)
            gc.freeze()
            yield
            if self._scheduler is not None:
                self._scheduler.stop()
            sweeper.stop()
            self.queue.close()

    def abandon(self) -> None:
        """Fail every job now, saying the server is shutting down; no backup of them is listed."""
        self.service.stop()
        self.queue.abandon(Stopping.TEXT)

    @property
    def queue(self) -> JobQueue:
        if self._queue is None:
            raise RuntimeError("the application has not started")
        return self._queue

    async def get_metrics(self) -> Response:
        return Response(self.metrics.render(), media_type=METRICS_TYPE)

    async def get_well_known_health(self) -> Response:
        headers = {}
        if self._scheduler is not None and self._scheduler.next is not None:
            headers[NEXT_BACKUP] = self._scheduler.next.isoformat(timespec="seconds").replace("+00:00", "Z")
        return PlainTextResponse("ok", headers=headers)

    async def backups_snapshot(self) -> Response:
        manifests = await self._in_store(self.service.list_backups)
        self.metrics.listed.set(len(manifests))
        today = self._today()
        backups = [self._presentations.of(manifest, today) for manifest in manifests]
        indices = {backup["id"]: index for index, backup in enumerate(backups)}
        return JSONResponse({"iterable": backups, "indices": indices})

    async def backups_create_new_backup(self, body: dict[str, Any] | None = None) -> Response:
        job = await self._job(CREATION, body, self._start_creation)
        final = await _outcome(job)
        return JSONResponse(final["backup"], headers=self._location(job))

    async def backups_create_new_backup_streamed(self, body: dict[str, Any] | None = None) -> Response:
        return await self._progress(CREATION, body, self._start_creation)

    async def backups_delete_specific_backup(self, backup: str) -> Response:
        await self._in_store(self.service.delete, backup)
        return Response(status_code=204)

    async def backup_specific_backup_snapshot(self, backup: str) -> Response:
        manifest = await self._in_store(self.service.manifest, backup)
        return JSONResponse(wire.backup(manifest.record, self._today()))

    async def backup_restore_specific_backup(
        self, backup: str, body: dict[str, Any] | None = None
    ) -> Response:
        job = await self._job(
            RESTORATION, {"backup": backup, "body": body}, partial(self._start_restoration, backup)
        )
        final = await _outcome(job)
        return JSONResponse(final["backup"], headers=self._location(job))

    async def backup_restore_specific_backup_streamed(
        self, backup: str, body: dict[str, Any] | None = None
    ) -> Response:
        request = {"backup": backup, "body": body}
        return await self._progress(RESTORATION, request, partial(self._start_restoration, backup))

    async def backup_specific_creation_status(self, backup: str) -> Response:
        job = self.queue.find(CREATION, backup)
        if job is not None:
            return JSONResponse(job.status)
        manifest = await self._in_store(self.service.manifest, backup)  # made earlier, or by another server
        listed = wire.backup(manifest.record, self._today())
        return JSONResponse(wire.status(listed, wire.State.COMPLETED, 100))

    async def backup_specific_creation_cancel(self, backup: str) -> Response:
        return await self._cancel(CREATION, backup)

    async def backup_specific_restoration_status(self, backup: str) -> Response:
        job = self.queue.find(RESTORATION, backup)
        if job is None:
            raise BackupNotFound(backup, f"No restoration of backup {backup} is known")
        return JSONResponse(job.status)

    async def backup_specific_restoration_cancel(
        self, backup: str, body: dict[str, Any] | None = None
    ) -> Response:
        return await self._cancel(RESTORATION, backup)

    async def _progress(self, kind: str, request: Any, start: Callable[[float], Awaitable[Job]]) -> Response:
        """The answer of a streamed operation: the job's events, or its final state as JSON. `start`
        starts the job, held the given seconds when its turn comes."""
        headers = connexion.request.headers
        if not _prefers_event_stream(headers.get("accept", "")):
            job = await self._job(kind, request, partial(start, 0.0))
            return JSONResponse(await _outcome(job), headers=self._location(job))
        last_seen = headers.get("last-event-id") if "idempotency-key" in headers else None
        job = await self._job(kind, request, None if last_seen else partial(start, self.hold_streamed))
        stream = sse.event_stream(job, int(last_seen or 0), self.keepalive)
        return StreamingResponse(stream, media_type=EVENT_STREAM, headers=sse.HEADERS | self._location(job))

    async def _job(self, kind: str, request: Any, start: Callable[[], Awaitable[Job]] | None) -> Job:
        """The job of this request: the one its Idempotency-Key started, or one `start` starts
        now (under that key, if there is one). Without `start`, the job must be known already."""
        await self._in_store(self.service.check_format)
        header = connexion.request.headers.get("idempotency-key")
        if header is None and start is not None:
            return await start()
        owner, key, fingerprint = context["user"], key_value(header or ""), request_key(kind, request)
        job = await self.keys.job(owner, key, fingerprint, start)
        if job is None:
            raise StreamGone(f"Idempotency-Key {key} names no job whose events can be resumed")
        return job

    async def _start_creation(self, hold: float = 0.0) -> Job:
        reservation = await self._in_store(self.service.reserve)
        return self.queue.submit(
            CREATION,
            wire.backup(self.service.record(reservation), self._today()),
            partial(self._create, reservation),
            skipped=partial(self.service.release, reservation),
            hold=hold,
        )

    def _create(
        self, reservation: Reservation, on_progress: Callable[[Progress], None], job: Job
    ) -> dict[str, Any]:
        created = self.service.create(on_progress, reservation, job.check, job.commit)
        self.metrics.database_read.inc(created.record.size)
        self.metrics.store_added.inc(created.added_bytes)
        self.metrics.last_success.set(time.time())
        return {"added_bytes": created.added_bytes, "backup": wire.backup(created.record, self._today())}

    async def _start_restoration(self, backup_id: str, hold: float = 0.0) -> Job:
        manifest = await self._in_store(self.service.manifest, backup_id)
        backup = wire.backup(manifest.record, self._today())
        return self.queue.submit(RESTORATION, backup, partial(self._restore, manifest), hold=hold)

    def _restore(
        self, manifest: StoredManifest, on_progress: Callable[[Progress], None], job: Job
    ) -> dict[str, Any]:
        restore_online(
            manifest,
            store=self.service.store,
            database=self.service.database,
            scratch_dir=self.service.scratch_dir(),
            vault=self.service.vault() if isinstance(manifest, SealedManifest) else None,
            on_progress=on_progress,
            interrupt=self.service.interruption(job.check),
            commit=job.commit,
        )
        return {"backup": wire.backup(manifest.record, self._today())}

    async def _cancel(self, kind: str, backup_id: str) -> Response:
        job = self.queue.find(kind, backup_id)
        if job is None:
            if kind == CREATION:
                await self._in_store(
                    self.service.manifest, backup_id
                )  # a listed backup has nothing to cancel
            else:
                raise BackupNotFound(backup_id, f"No restoration of backup {backup_id} is known")
        if job is None or not self.queue.cancel(job):
            raise NothingToCancel(
                f"The {kind} of {backup_id} has ended or cannot be stopped: there is nothing to cancel"
            )
        await job.final()
        return Response(status_code=204)

    def _today(self) -> date:
        return wire.local_date(self.service.clock())

    def _location(self, job: Job) -> dict[str, str]:
        return {"Content-Location": self.backup_path.format(backup=job.backup["id"])}

    async def _in_store(self, call: Callable[..., Result], *arguments: Any) -> Result:
        """Run a blocking call that reaches the store on the store's own threads."""
        try:
            return await anyio.to_thread.run_sync(call, *arguments, limiter=self._store_calls)
        except StoreError:
            self.metrics.store_errors.inc()
            raise


def _prefers_event_stream(accept: str) -> bool:
    """Whether `Accept` ranks text/event-stream above JSON; on a tie JSON wins, as existing clients expect."""
    return _quality(accept, EVENT_STREAM) > _quality(accept, "application/json")


def _quality(accept: str, media_type: str) -> float:
    """The quality `accept` gives a media type: that of the most specific range matching it, as in
    RFC 9110 (section 12.5.1), or 0 when none does."""
    specificity = {media_type: 2, media_type.partition("/")[0] + "/*": 1, "*/*": 0}
    most_specific, quality = -1, 0.0
    for media_range in accept.split(","):
        kind, *parameters = (part.strip() for part in media_range.split(";"))
        rank = specificity.get(kind.lower(), -1)
        if rank > most_specific:
            most_specific, quality = rank, _q(parameters)
    return quality


def _q(parameters: list[str]) -> float:
    """The `q` among a media range's parameters, within [0, 1]; 1 when absent, 0 when unreadable."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return 0.0 if math.isnan(quality) else min(max(quality, 0.0), 1.0)
    return 1.0


async def _outcome(job: Job) -> dict[str, Any]:
    """The data of a job's `completed` event, once it ends; raises JobFailed if it failed."""
    final = await job.final()
    if final.kind == FAILED:
        raise JobFailed(final.data["message"])
    return final.data
