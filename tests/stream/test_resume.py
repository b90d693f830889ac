"""stream() and astream() resume a stream whose connection broke: the same request again, with the
same Idempotency-Key and `Last-Event-ID`, after the server's `retry:` or the backoff.

The server is the scripted app of app.py; its scripts honour `Last-Event-ID` as the API says, and
break the connection where a case wants. The client's clock records the waits instead of waiting.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from backups_api_client import AuthenticatedClient, errors
from backups_api_client.api.backups import backups_create_new_backup_streamed as operation
from backups_api_client.models import BackupStreamedProgress
from tests.waits import Waits, in_backoff

from .app import Exchange, Reply, ScriptedApp, sse
from .test_stream import COMPLETED, PROGRESS, BrokenOff

EVENTS = [sse(PROGRESS[0], event="progress", id="1"), sse(PROGRESS[1], event="progress", id="2")]
TERMINAL = sse(COMPLETED, event="completed", id="3")


def after(reply: Reply) -> int:
    return int(reply.headers.get("last-event-id", 0))


async def breaks_after_each_event(reply: Reply) -> None:
    """One more event per connection, then the connection breaks in the middle of the next."""
    events = [*EVENTS, TERMINAL]
    start = after(reply)
    await reply.write(b"retry: 3000\n" + events[start])
    if start < len(events) - 1:
        await reply.write(events[start + 1][:9])
        raise BrokenOff


async def never_gets_further(reply: Reply) -> None:
    """The first events, then nothing new on any connection, which breaks each time."""
    await reply.write(b"".join(EVENTS[after(reply) :]))
    raise BrokenOff


async def gone_on_resume(reply: Reply) -> None:
    if after(reply):
        await reply.start(410, "text/plain")
        await reply.write(b"gone")
        return
    await reply.write(b"".join(EVENTS))
    raise BrokenOff


async def events_without_ids(reply: Reply) -> None:
    """Events a resumption could only repeat, then a broken connection."""
    await reply.write(b"".join(sse(progress, event="progress") for progress in PROGRESS))
    raise BrokenOff


async def ignores_last_event_id(reply: Reply) -> None:
    """A server that does not resume: every request starts over, and breaks after its first event."""
    await reply.write(EVENTS[0])
    raise BrokenOff


async def replays_from_the_start(reply: Reply) -> None:
    """A server that does not resume, but whose work goes on: two events and a break, then every
    event from the first."""
    if not after(reply):
        await reply.write(b"".join(EVENTS))
        raise BrokenOff
    await reply.write(b"".join([*EVENTS, TERMINAL]))


async def asks_for_too_long_a_wait(reply: Reply) -> None:
    await reply.write(b"retry: 61000\n" + EVENTS[0])
    raise BrokenOff


SCRIPTS = {
    script.__name__: script
    for script in [
        breaks_after_each_event,
        never_gets_further,
        gone_on_resume,
        events_without_ids,
        ignores_last_event_id,
        replays_from_the_start,
        asks_for_too_long_a_wait,
    ]
}


@pytest.fixture(scope="module")
def app() -> ScriptedApp:
    return ScriptedApp(SCRIPTS)


def client(
    base_url: str, script: str, waits: Waits, max_retries: int = 2, max_reconnections: int = 10
) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=base_url,
        token="key",
        headers={"X-Script": script},
        max_retries=max_retries,
        max_reconnections=max_reconnections,
        clock=waits.clock(),
    )


def read(
    client: AuthenticatedClient,
    is_async: bool,
    seen: list[tuple[str, str]] | None = None,
    items: list[dict[str, Any]] | None = None,
) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The (type, id) of each event the stream gave, and the items, added to `seen` and `items` as they
    come (so a test can read them when the stream raises)."""
    seen = [] if seen is None else seen
    items = [] if items is None else items

    def add(item: BackupStreamedProgress, event: Any) -> None:
        seen.append((event.event, event.id))
        items.append(item.to_dict())

    async def read_async() -> None:
        async with client, operation.astream(client=client) as events:
            async for item in events:
                add(item, events.last_event)

    if is_async:
        anyio.run(read_async)
    else:
        with client, operation.stream(client=client) as events:
            for item in events:
                add(item, events.last_event)
    return seen, items


def exchanges(app: ScriptedApp, script: str) -> list[Exchange]:
    return [exchange for exchange in app.exchanges if exchange.headers["x-script"] == script]


@pytest.mark.parametrize("is_async", [False, True], ids=["stream", "astream"])
def test_a_stream_broken_after_each_event_is_resumed_into_one_sequence(
    base_url: str, app: ScriptedApp, is_async: bool
) -> None:
    waits = Waits(is_async)
    app.exchanges.clear()

    seen, items = read(client(base_url, "breaks_after_each_event", waits), is_async)

    assert seen == [("progress", "1"), ("progress", "2"), ("completed", "3")]
    assert items == [*PROGRESS, COMPLETED]
    sent = exchanges(app, "breaks_after_each_event")
    assert [exchange.headers.get("last-event-id") for exchange in sent] == [None, "1", "2"]
    assert len({exchange.headers["idempotency-key"] for exchange in sent}) == 1
    assert waits.waits == [3.0, 3.0]  # the server's retry: is longer than the backoff


@pytest.mark.parametrize("is_async", [False, True], ids=["stream", "astream"])
def test_reconnections_that_bring_nothing_new_give_up_after_max_retries(
    base_url: str, app: ScriptedApp, is_async: bool
) -> None:
    waits = Waits(is_async)
    app.exchanges.clear()

    with pytest.raises(errors.StreamTruncated) as truncated:
        read(client(base_url, "never_gets_further", waits, max_retries=3), is_async)

    assert truncated.value.last_event is not None
    assert truncated.value.last_event.id == "2"
    assert isinstance(truncated.value.__cause__, httpx.TransportError)
    assert len(exchanges(app, "never_gets_further")) == 4
    assert len(waits.waits) == 3
    assert in_backoff(waits.waits)


@pytest.mark.parametrize("is_async", [False, True], ids=["stream", "astream"])
def test_a_server_that_ignores_last_event_id_costs_one_reconnection_and_repeats_nothing(
    base_url: str, app: ScriptedApp, is_async: bool
) -> None:
    """On such a server each request may start the work again: the replayed first event is dropped, and
    the stream is not resumed a second time."""
    waits = Waits(is_async)
    app.exchanges.clear()
    seen: list[tuple[str, str]] = []

    with pytest.raises(errors.StreamTruncated) as truncated:
        read(client(base_url, "ignores_last_event_id", waits, max_retries=5), is_async, seen)

    assert seen == [("progress", "1")]
    assert truncated.value.reason is not None
    assert "from its start" in truncated.value.reason
    sent = exchanges(app, "ignores_last_event_id")
    assert [exchange.headers.get("last-event-id") for exchange in sent] == [None, "1"]
    assert len(sent) <= 1 + 5


@pytest.mark.parametrize("is_async", [False, True], ids=["stream", "astream"])
def test_a_stream_replayed_from_the_start_hands_out_each_event_once(
    base_url: str, app: ScriptedApp, is_async: bool
) -> None:
    waits = Waits(is_async)
    app.exchanges.clear()

    seen, items = read(client(base_url, "replays_from_the_start", waits), is_async)

    assert seen == [("progress", "1"), ("progress", "2"), ("completed", "3")]
    assert items == [*PROGRESS, COMPLETED]
    assert len(exchanges(app, "replays_from_the_start")) == 2


@pytest.mark.parametrize("is_async", [False, True], ids=["stream", "astream"])
def test_the_reconnections_of_a_stream_are_bounded_in_all(
    base_url: str, app: ScriptedApp, is_async: bool
) -> None:
    """Each connection brings one new event, so no reconnection is fruitless; the total still ends it."""
    waits = Waits(is_async)
    app.exchanges.clear()
    seen: list[tuple[str, str]] = []

    with pytest.raises(errors.StreamTruncated) as truncated:
        read(client(base_url, "breaks_after_each_event", waits, max_reconnections=1), is_async, seen)

    assert seen == [("progress", "1"), ("progress", "2")]
    assert truncated.value.reason is not None
    assert "max_reconnections" in truncated.value.reason
    assert len(exchanges(app, "breaks_after_each_event")) == 2


@pytest.mark.parametrize("is_async", [False, True], ids=["stream", "astream"])
def test_a_server_that_refuses_to_resume_truncates_the_stream(
    base_url: str, app: ScriptedApp, is_async: bool
) -> None:
    with pytest.raises(errors.StreamTruncated) as truncated:
        read(client(base_url, "gone_on_resume", Waits(is_async)), is_async)

    assert isinstance(truncated.value.__cause__, errors.StreamGoneError)
    assert truncated.value.__cause__.text == "gone"


@pytest.mark.parametrize("script", ["events_without_ids", "asks_for_too_long_a_wait"])
@pytest.mark.parametrize("is_async", [False, True], ids=["stream", "astream"])
def test_a_stream_that_cannot_be_resumed_as_it_asks_is_truncated_at_once(
    base_url: str, app: ScriptedApp, script: str, is_async: bool
) -> None:
    """Without event ids it could only start over and repeat its events; the server's `retry:` is
    above the longest wait a client accepts (a minute, as for Retry-After)."""
    waits = Waits(is_async)
    app.exchanges.clear()

    with pytest.raises(errors.StreamTruncated) as truncated:
        read(client(base_url, script, waits), is_async)

    assert isinstance(truncated.value.__cause__, httpx.TransportError)
    assert len(exchanges(app, script)) == 1
    assert waits.waits == []


def test_final_reads_to_the_terminal_item(base_url: str) -> None:
    with client(base_url, "breaks_after_each_event", Waits()) as api, operation.stream(client=api) as events:
        final = events.final()

    assert final.to_dict() == COMPLETED
