"""Framing Server-Sent Events: a job's events from any point, with keep-alives while it is idle."""

from __future__ import annotations

import anyio
import pytest

from backups_server.api.jobs import COMPLETED, CREATION, PROGRESS, Job, as_payload
from backups_server.api.sse import KEEP_ALIVE, RECONNECT_AFTER, event_stream, frame

INITIALIZED = frame(1, PROGRESS, as_payload({"status": "INITIALIZED", "percentage": 0}))
RETRY = f"retry: {RECONNECT_AFTER}\n"


def test_an_event_is_framed_with_its_number_type_and_one_line_of_json() -> None:
    assert frame(
        3, "progress", as_payload({"status": "IN-PROGRESS", "percentage": 42.5, "message": "é\nx"})
    ) == ('id: 3\nevent: progress\ndata: {"status":"IN-PROGRESS","percentage":42.5,"message":"é\\nx"}\n\n')


@pytest.mark.anyio
async def test_a_stream_says_when_to_reconnect_then_follows_the_job_with_keep_alives_while_idle() -> None:
    job = Job(CREATION, {"id": "1.0.0_1"})
    stream = event_stream(job, 0, keepalive=0.01)

    with anyio.fail_after(10):
        assert await anext(stream) == RETRY + INITIALIZED
        assert await anext(stream) == KEEP_ALIVE
        job.publish(PROGRESS, {"percentage": 5})
        assert await anext(stream) == frame(2, PROGRESS, as_payload({"percentage": 5}))
        assert await anext(stream) == KEEP_ALIVE
        job.publish(COMPLETED, {"percentage": 100})
        assert await anext(stream) == frame(3, COMPLETED, as_payload({"percentage": 100}))
        with pytest.raises(StopAsyncIteration):
            await anext(stream)


@pytest.mark.anyio
async def test_a_resumed_stream_starts_after_the_last_event_seen() -> None:
    job = Job(CREATION, {"id": "1.0.0_1"})
    for percentage in (10, 20, 30):
        job.publish(PROGRESS, {"percentage": percentage})

    resumed = event_stream(job, 2, keepalive=10)

    with anyio.fail_after(10):
        assert [await anext(resumed) for _ in range(2)] == [
            RETRY + frame(3, PROGRESS, as_payload({"percentage": 20})),
            frame(4, PROGRESS, as_payload({"percentage": 30})),
        ]
        job.publish(COMPLETED, {"percentage": 100})
        assert [chunk async for chunk in resumed] == [frame(5, COMPLETED, as_payload({"percentage": 100}))]


@pytest.mark.anyio
async def test_the_stream_of_a_finished_job_ends_with_its_terminal_event_once_coalesced() -> None:
    job = Job(CREATION, {"id": "1.0.0_1"})
    job.publish(PROGRESS, {"percentage": 50})
    job.publish(COMPLETED, {"percentage": 100})
    job.publish(PROGRESS, {"percentage": 60})  # too late: nothing follows the terminal event
    terminal = frame(3, COMPLETED, as_payload({"percentage": 100}))

    assert [chunk async for chunk in event_stream(job, 1, keepalive=10)] == [
        RETRY + frame(2, PROGRESS, as_payload({"percentage": 50})),
        terminal,
    ]
    job.coalesce()
    for last_seen in (0, 1, 3, 7):
        assert [chunk async for chunk in event_stream(job, last_seen, keepalive=10)] == [RETRY + terminal]
