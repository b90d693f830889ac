"""Server-Sent Events: frame a stream of events, with keep-alive comments while it is idle."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from anyio.abc import ObjectReceiveStream

KEEP_ALIVE = ": keep-alive\n\n"

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
"""Response headers that keep caches and proxies from holding events back."""


def frame(number: int, event: str, data: Any) -> str:
    """One event: its number as `id`, its type, and its data as one line of JSON."""
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"id: {number}\nevent: {event}\ndata: {payload}\n\n"


async def event_stream(events: ObjectReceiveStream[tuple[str, Any]], keepalive: float) -> AsyncIterator[str]:
    """Frame each `(event type, data)` received, numbered from 1, until the stream ends.

    A keep-alive comment goes out whenever nothing else did for `keepalive` seconds.
    """
    async with events:
        number = 0
        while True:
            with anyio.move_on_after(keepalive) as idle:
                try:
                    event, data = await events.receive()
                except anyio.EndOfStream:
                    return
            if idle.cancelled_caught:
                yield KEEP_ALIVE
                continue
            number += 1
            yield frame(number, event, data)
