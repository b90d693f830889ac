"""Leftovers of interrupted backups are swept from the store at start, then periodically.

A backup interrupted by a crash, a stalled store or a full disk leaves data without a manifest,
and on S3 an unfinished multipart upload. Sweeping only at start would keep them until the next
restart; the sweeper removes them once older than the leftover age, whenever it passes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from backups_server.errors import StoreError, StoreTooNew

if TYPE_CHECKING:
    from datetime import timedelta

    from anyio.abc import TaskStatus

    from backups_server.engine.service import BackupService

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(
        self, service: BackupService, *, older_than: timedelta, every: float, limiter: anyio.CapacityLimiter
    ) -> None:
        self.service = service
        self.older_than = older_than
        self.every = every
        self._limiter = limiter
        self._scope = anyio.CancelScope()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Sweep, say so to `task_status`, then sweep every `every` seconds until stopped."""
        with self._scope:
            await self.sweep()
            task_status.started()
            while True:
                await anyio.sleep(self.every)
                await self.sweep()

    def stop(self) -> None:
        self._scope.cancel()

    async def sweep(self) -> None:
        try:
            await anyio.to_thread.run_sync(
                self.service.clean_leftovers, self.older_than, limiter=self._limiter
            )
        except (StoreError, StoreTooNew, OSError) as error:
            log.warning("leftovers of interrupted backups were not cleaned up: %s", error)
