"""Leftovers of interrupted backups are swept from the store at start, then periodically; an encrypted
store is pruned on a schedule of its own.

A backup interrupted by a crash, a stalled store or a full disk leaves data without a manifest,
and on S3 an unfinished multipart upload. Sweeping only at start would keep them until the next
restart; the sweeper removes them once older than the leftover age, whenever it passes. Forgetting
a backup of an encrypted store removes its manifest only: the prune frees its pages (`engine.prune`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from backups_server.errors import KeysRefused, StoreError, StoreTooNew
from backups_server.storage.vault import DamagedPiece

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import timedelta

    from anyio.abc import TaskStatus

    from backups_server.engine.service import BackupService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upkeep:
    """How often the server cleans its store up, and how."""

    leftover_age: timedelta
    """Leftovers of interrupted backups are removed once this old."""
    sweep_every: float
    """Seconds between sweeps."""
    prune_every: float
    """Seconds between prunes of an encrypted store, the first that long after start; 0 for never."""
    grace: timedelta
    """The prune's grace period."""


class Sweeper:
    def __init__(
        self,
        service: BackupService,
        upkeep: Upkeep,
        *,
        limiter: anyio.CapacityLimiter,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.upkeep = upkeep
        self._limiter = limiter
        self._scope = anyio.CancelScope()
        self._monotonic = monotonic
        self._next_prune = monotonic() + upkeep.prune_every

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Sweep, say so to `task_status`, then sweep every `every` seconds until stopped."""
        with self._scope:
            await self.sweep()
            task_status.started()
            while True:
                await anyio.sleep(self.upkeep.sweep_every)
                await self.sweep()
                if self.upkeep.prune_every and self._monotonic() >= self._next_prune:
                    self._next_prune = self._monotonic() + self.upkeep.prune_every
                    await self.prune()

    def stop(self) -> None:
        self._scope.cancel()

    async def sweep(self) -> None:
        try:
            await anyio.to_thread.run_sync(
                self.service.clean_leftovers, self.upkeep.leftover_age, limiter=self._limiter
            )
        except (StoreError, StoreTooNew, OSError) as error:
            log.warning("leftovers of interrupted backups were not cleaned up: %s", error)

    async def prune(self) -> None:
        try:
            pruned = await anyio.to_thread.run_sync(
                self.service.prune, self.upkeep.grace, limiter=self._limiter
            )
        except (StoreError, StoreTooNew, KeysRefused, DamagedPiece, OSError) as error:
            log.warning("the store was not pruned: %s", error)
            return
        if pruned is not None:
            log.info(
                "prune: %d packs marked, %d deleted, %d rewritten; %d kept",
                len(pruned.marked),
                len(pruned.deleted),
                len(pruned.repacked),
                len(pruned.kept),
            )
