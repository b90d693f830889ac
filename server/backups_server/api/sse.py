"""Server-Sent Events: a job's events as a stream, with keep-alive comments while it is idle."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from backups_server.api.jobs import TERMINAL

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from backups_server.api.jobs import Job

KEEP_ALIVE = ": keep-alive\n\n"

RECONNECT_AFTER = 1000
"""The `retry:` of every stream: the milliseconds a client waits before it reconnects."""

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
"""Response headers that keep caches and proxies from holding events back."""


def frame(number: int, event: str, payload: str) -> str:
    """One event: its number as `id`, its type, and its data, one line of JSON."""
    return f"id: {number}\nevent: {event}\ndata: {payload}\n\n"


async def event_stream(job: Job, last_seen: int, keepalive: float) -> AsyncIterator[str]:
    """The job's events after the one numbered `last_seen`, as they come, until its terminal event.

    The first event carries the stream's `retry:` (in its own block it would be an event with no
    data, which some clients pass on as one). A keep-alive comment goes out whenever nothing else
    did for `keepalive` seconds.
    """
    retry = f"retry: {RECONNECT_AFTER}\n"
    while True:
        pending = job.events_after(last_seen)
        for event in pending:
            yield retry + frame(event.id, event.kind, event.payload)
            retry, last_seen = "", event.id
        if pending and pending[-1].kind in TERMINAL:
            return
        if pending:
            continue  # more may have come while these went out
        with anyio.move_on_after(keepalive) as idle:
            await job.changed()
        if idle.cancelled_caught:
            yield KEEP_ALIVE
