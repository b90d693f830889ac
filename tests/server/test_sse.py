"""Framing Server-Sent Events, and keep-alive comments while the source is idle."""

from __future__ import annotations

import anyio
import pytest

from backups_server.sse import KEEP_ALIVE, event_stream, frame


def test_an_event_is_framed_with_its_number_type_and_one_line_of_json() -> None:
    assert frame(3, "progress", {"status": "IN-PROGRESS", "percentage": 42.5, "message": "é\nx"}) == (
        'id: 3\nevent: progress\ndata: {"status":"IN-PROGRESS","percentage":42.5,"message":"é\\nx"}\n\n'
    )


@pytest.mark.anyio
async def test_an_idle_stream_sends_keep_alives_and_numbers_only_events() -> None:
    send, receive = anyio.create_memory_object_stream[tuple[str, object]](10)
    stream = event_stream(receive, keepalive=0.01)

    with anyio.fail_after(10):
        assert await anext(stream) == KEEP_ALIVE
        assert await anext(stream) == KEEP_ALIVE
        await send.send(("progress", {"percentage": 0}))
        assert await anext(stream) == frame(1, "progress", {"percentage": 0})
        assert await anext(stream) == KEEP_ALIVE
        await send.send(("completed", {"percentage": 100}))
        assert await anext(stream) == frame(2, "completed", {"percentage": 100})
        await send.aclose()
        with pytest.raises(StopAsyncIteration):
            await anext(stream)
