"""Idempotency-Key: which job each key started, so that repeating a request starts nothing new.

Keys follow the IETF httpapi Idempotency-Key draft. They belong to the API key that sent them,
so one client's keys are invisible to another, and they are kept for 24 hours after their job
ends. A key remembers the request it came with: the same key with another request is refused.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from backups_server.errors import KeyReused

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from backups_server.api.jobs import Job

KEEP_FOR = 24 * 3600.0
"""Seconds a key is kept after its job has ended."""


@dataclass(frozen=True)
class _Entry:
    request: str
    job: Job


class IdempotencyKeys:
    """The jobs started with an Idempotency-Key, by API key and key."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._starting = anyio.Lock()

    async def job(
        self, owner: str, key: str, request: str, start: Callable[[], Awaitable[Job]] | None
    ) -> Job | None:
        """The job `key` started for this request of `owner`, else the one `start` starts now,
        remembered under the key (None without `start`); raises KeyReused as `find` does.

        One start at a time: a request repeated while the first is still starting its job (which
        reads the store) finds that job instead of starting another."""
        async with self._starting:
            job = self.find(owner, key, request)
            if job is None and start is not None:
                job = await start()
                self.remember(owner, key, request, job)
            return job

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, owner: str, key: str, request: str) -> Job | None:
        """The job `key` started for this request of `owner`, if any; raises KeyReused when the
        key came with another request."""
        self._forget_old()
        entry = self._entries.get((owner, key))
        if entry is None:
            return None
        if entry.request != request:
            raise KeyReused(f"Idempotency-Key {key} was used for another request")
        return entry.job

    def remember(self, owner: str, key: str, request: str, job: Job) -> None:
        self._entries[owner, key] = _Entry(request, job)

    def _forget_old(self) -> None:
        now = self._clock()
        for name, entry in list(self._entries.items()):
            if entry.job.ended_at is not None and now - entry.job.ended_at > KEEP_FOR:
                del self._entries[name]


def request_key(operation: str, request: Any) -> str:
    """What identifies a request for its key: the operation and what the request asks (its body,
    its path), in a canonical form; no body is the same request as an empty one."""
    canonical = json.dumps([operation, request or {}], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def key_value(header: str) -> str:
    """The key of an Idempotency-Key header, with or without the quotes of its string form."""
    return header[1:-1] if len(header) > 1 and header[0] == header[-1] == '"' else header
