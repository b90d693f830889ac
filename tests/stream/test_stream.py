"""The generated stream() and astream() of the streamed operation, against a live server.

The server is a scripted ASGI app (app.py) served by uvicorn on 127.0.0.1: each case names the
script it wants in a header of its client, and runs once with stream() and once with astream().
The tests never sleep: only the scripts of the server do, to space their events, and no assertion
measures time. The keep-alive script's gaps are a tenth of the read timeout, far from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import httpx
import pytest

from backups_api_client import AuthenticatedClient, errors
from backups_api_client.api.backups import backups_create_new_backup_streamed as operation
from backups_api_client.models import BackupStreamedProgress, SeededBackup
from backups_api_client.streaming import ServerSentEvent, StreamContract
from tests.specs import SPEC_PATH, load

from .app import Reply, ScriptedApp, sse

KEY = "test-key"
BOM = "\ufeff".encode()
READ_TIMEOUT = 1.5
"""The read timeout of the keep-alive and timeout tests; the server's keep-alives come ten times as often."""

PROGRESS = [{"status": "INITIALIZED", "percentage": 0}, {"status": "IN-PROGRESS", "percentage": 42.5}]
BACKUP = {
    **load(SPEC_PATH)["components"]["schemas"]["Backup"]["example"],
    "device_name": "Zo\u00eb\u2019s workstation",
}
"""The spec's example, named with characters that take several bytes in UTF-8."""
COMPLETED = {"status": "COMPLETED", "percentage": 100, "backup": BACKUP}
FAILED = {"status": "FAILED", "percentage": 42.5, "message": "The object store is full"}


def progress(eol: str = "\n") -> bytes:
    return b"".join(sse(data, event="progress", id=str(n), eol=eol) for n, data in enumerate(PROGRESS, 1))


async def awkward_chunks(reply: Reply) -> None:
    """Every line end, a comment and a BOM, written one byte at a time: inside UTF-8 sequences too."""
    stream = BOM + sse(PROGRESS[0], event="progress", id="1", eol="\r\n") + b": keep-alive\r"
    stream += sse(PROGRESS[1], event="progress", id="2", eol="\r") + sse(COMPLETED, event="completed", id="3")
    for offset in range(len(stream)):
        await reply.write(stream[offset : offset + 1])


async def slow_with_keep_alives(reply: Reply) -> None:
    """A silence longer than the read timeout, broken by keep-alives ten times as often."""
    await reply.write(progress())
    for _ in range(15):
        await anyio.sleep(READ_TIMEOUT / 10)
        await reply.write(b": keep-alive\n\n")
    await reply.write(sse(COMPLETED, event="completed", id="3"))


async def failing(reply: Reply) -> None:
    await reply.write(progress() + sse(FAILED, event="failed", id="3"))


async def more_after_the_terminal_event(reply: Reply) -> None:
    await reply.write(progress() + sse(COMPLETED, event="completed", id="3"))
    await reply.write(sse(PROGRESS[1], event="progress", id="4"))
    await anyio.sleep_forever()


async def unreadable_event(reply: Reply) -> None:
    await reply.write(progress() + b"id: 3\nevent: progress\ndata: {not json\n\n")


async def truncated(reply: Reply) -> None:
    await reply.write(progress())


class BrokenOff(Exception):
    """Makes uvicorn drop the connection in the middle of an answer."""


async def broken_off(reply: Reply) -> None:
    await reply.write(progress() + sse(COMPLETED, event="completed", id="3")[:20])
    raise BrokenOff


async def first_event_then_silence(reply: Reply) -> None:
    await reply.write(sse(PROGRESS[0], event="progress", id="1"))
    await anyio.sleep_forever()


async def authentication_required(reply: Reply) -> None:
    await reply.start(511, "text/plain")
    await reply.write(b"Authentication Required")


async def json_whatever_asked(reply: Reply) -> None:
    await reply.start(200, "application/json")
    await reply.write(json.dumps(COMPLETED).encode())


async def negotiated(reply: Reply) -> None:
    if "text/event-stream" in reply.headers["accept"]:
        await reply.write(progress() + sse(COMPLETED, event="completed", id="3"))
    else:
        await json_whatever_asked(reply)


SCRIPTS = {
    script.__name__: script
    for script in [
        awkward_chunks,
        slow_with_keep_alives,
        failing,
        more_after_the_terminal_event,
        truncated,
        unreadable_event,
        broken_off,
        first_event_then_silence,
        authentication_required,
        json_whatever_asked,
        negotiated,
    ]
}


@pytest.fixture(scope="module")
def app() -> ScriptedApp:
    return ScriptedApp(SCRIPTS)


ClientFor = Callable[..., AuthenticatedClient]


@pytest.fixture
def client_for(base_url: str) -> ClientFor:
    """A client whose requests run the named script."""

    def make(script: str, read_timeout: float = 10, max_retries: int = 0) -> AuthenticatedClient:
        headers = {"X-Script": script}
        timeout = httpx.Timeout(10, read=read_timeout)
        return AuthenticatedClient(
            base_url=base_url, token=KEY, headers=headers, timeout=timeout, max_retries=max_retries
        )

    return make


class Leaving(Exception):
    """Raised by a consumer in its block, to leave it."""


Leave = Literal["break", "raise"]


@dataclass
class Outcome:
    """What a consumer saw: the items, the (type, id) of their events, and how it ended."""

    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)
    error: Exception | None = None
    response: httpx.Response | None = None

    def add(self, item: BackupStreamedProgress, event: ServerSentEvent | None) -> None:
        assert isinstance(item, BackupStreamedProgress)
        assert event is not None
        self.items.append(item.to_dict())
        self.events.append((event.event, event.id))


def consume(client: AuthenticatedClient, leave: Leave | None = None) -> Outcome:
    """Read the stream in a `with` block; `leave` leaves the block after the first item."""
    outcome = Outcome()
    with client:
        try:
            with operation.stream(client=client, body=SeededBackup()) as events:
                outcome.response = events.response
                for item in events:
                    outcome.add(item, events.last_event)
                    if leave == "break":
                        break
                    if leave == "raise":
                        raise Leaving
        except Exception as error:
            outcome.error = error
    return outcome


async def aconsume(client: AuthenticatedClient, leave: Leave | None = None) -> Outcome:
    """Read the stream in an `async with` block; `leave` leaves the block after the first item."""
    outcome = Outcome()
    async with client:
        try:
            async with operation.astream(client=client, body=SeededBackup()) as events:
                outcome.response = events.response
                async for item in events:
                    outcome.add(item, events.last_event)
                    if leave == "break":
                        break
                    if leave == "raise":
                        raise Leaving
        except Exception as error:
            outcome.error = error
    return outcome


@dataclass
class Case:
    script: str
    items: list[dict[str, Any]]
    error: type[Exception] | None = None
    read_timeout: float = 10
    leave: Leave | None = None
    client_leaves: bool = False
    """Whether the server never ends the answer, so only the client closing the connection ends it."""


SILENCE = "first_event_then_silence"
CASES = [
    pytest.param(Case("awkward_chunks", [*PROGRESS, COMPLETED]), id="awkward-chunk-boundaries"),
    pytest.param(
        Case("slow_with_keep_alives", [*PROGRESS, COMPLETED], read_timeout=READ_TIMEOUT), id="keep-alives"
    ),
    pytest.param(
        Case("more_after_the_terminal_event", [*PROGRESS, COMPLETED], client_leaves=True),
        id="stops-at-the-terminal-event",
    ),
    pytest.param(Case("failing", PROGRESS, errors.StreamFailed), id="failed-event"),
    pytest.param(Case("truncated", PROGRESS, errors.StreamTruncated), id="ends-without-terminal-event"),
    pytest.param(Case("unreadable_event", PROGRESS, errors.InvalidEvent), id="unreadable-event"),
    pytest.param(Case("broken_off", PROGRESS, errors.StreamTruncated), id="disconnect-mid-event"),
    pytest.param(
        Case("authentication_required", [], errors.AuthenticationRequiredError), id="status-before-the-stream"
    ),
    pytest.param(Case("json_whatever_asked", [], errors.StreamError), id="no-event-stream"),
    pytest.param(Case(SILENCE, PROGRESS[:1], leave="break", client_leaves=True), id="break"),
    pytest.param(
        Case(SILENCE, PROGRESS[:1], Leaving, leave="raise", client_leaves=True), id="error-in-the-block"
    ),
    pytest.param(
        Case(SILENCE, PROGRESS[:1], errors.StreamTruncated, read_timeout=READ_TIMEOUT, client_leaves=True),
        id="read-timeout-between-events",
    ),
]


def check(case: Case, outcome: Outcome, app: ScriptedApp) -> None:
    assert outcome.items == case.items
    assert outcome.events == [("progress", "1"), ("progress", "2"), ("completed", "3")][: len(case.items)]
    assert type(outcome.error) is (case.error or type(None))
    check_error(outcome.error, outcome.events[-1][1] if outcome.events else None)
    if outcome.response is not None:
        assert outcome.response.status_code == 200
        assert outcome.response.is_closed
    assert app.exchanges[-1].headers["accept"] == "text/event-stream"
    assert app.wait_until_idle()
    if case.client_leaves:
        assert app.exchanges[-1].client_left


def check_error(error: Exception | None, last_id: str | None) -> None:
    if isinstance(error, errors.StreamFailed):
        assert error.message == FAILED["message"]
        assert (error.event.event, error.event.id) == ("failed", "3")
        assert json.loads(error.event.data) == FAILED
    elif isinstance(error, errors.StreamTruncated):
        assert error.last_event is not None
        assert error.last_event.id == last_id
        assert error.__cause__ is None or isinstance(error.__cause__, httpx.TransportError)
    elif isinstance(error, errors.InvalidEvent):
        assert error.event is not None
        assert (error.event.id, error.event.data) == ("3", "{not json")
        assert isinstance(error.__cause__, ValueError)
    elif isinstance(error, errors.APIStatusError):
        assert (error.status_code, error.text) == (511, "Authentication Required")
    elif isinstance(error, errors.StreamError):
        assert "application/json" in str(error)


@pytest.mark.parametrize("case", CASES)
def test_stream(case: Case, client_for: ClientFor, app: ScriptedApp) -> None:
    check(case, consume(client_for(case.script, case.read_timeout), case.leave), app)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.anyio
async def test_astream(case: Case, client_for: ClientFor, app: ScriptedApp) -> None:
    outcome = await aconsume(client_for(case.script, case.read_timeout), case.leave)
    await anyio.to_thread.run_sync(check, case, outcome, app)


def test_a_connection_broken_off_mid_event_is_a_truncated_stream(client_for: ClientFor) -> None:
    outcome = consume(client_for("broken_off"))
    assert isinstance(outcome.error, errors.StreamTruncated)
    assert isinstance(outcome.error.__cause__, httpx.TransportError)


@pytest.mark.anyio
async def test_cancellation_closes_the_connection(client_for: ClientFor, app: ScriptedApp) -> None:
    outcome = Outcome()
    async with client_for(SILENCE) as client:
        with anyio.CancelScope() as scope:
            async with operation.astream(client=client) as events:
                outcome.response = events.response
                async for item in events:
                    outcome.add(item, events.last_event)
                    scope.cancel()
    assert scope.cancelled_caught
    assert outcome.items == PROGRESS[:1]
    assert outcome.response is not None
    assert outcome.response.is_closed
    assert await anyio.to_thread.run_sync(app.wait_until_idle)
    assert app.exchanges[-1].client_left


def test_the_stock_functions_still_return_the_final_state(client_for: ClientFor, app: ScriptedApp) -> None:
    with client_for("negotiated") as client:
        final = operation.sync(client=client, body=SeededBackup())
    assert isinstance(final, BackupStreamedProgress)
    assert final.to_dict() == COMPLETED
    assert app.exchanges[-1].headers["accept"] == "application/json, text/plain"


@pytest.mark.anyio
async def test_the_stock_async_function_still_returns_the_final_state(client_for: ClientFor) -> None:
    async with client_for("negotiated") as client:
        final = await operation.asyncio(client=client, body=SeededBackup())
    assert isinstance(final, BackupStreamedProgress)
    assert final.to_dict() == COMPLETED


def test_terminal_outcomes_are_checked() -> None:
    with pytest.raises(ValueError, match="done"):
        StreamContract(decode=json.loads, terminal_events={"end": "done"})  # type: ignore[dict-item]


def test_a_stream_not_entered_has_no_response_and_closes_quietly(client_for: ClientFor) -> None:
    with client_for("negotiated") as client:
        events = operation.stream(client=client)
        with pytest.raises(RuntimeError, match="not open"):
            _ = events.response
        events.close()
