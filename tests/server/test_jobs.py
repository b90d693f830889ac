"""Backups run at most BACKUPS_MAX_CONCURRENT at once; the requests that arrive while every slot
is busy share the one backup waiting for a slot, so waiting work never piles up."""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack, closing
from typing import TYPE_CHECKING, Any

import httpx
from httpx_sse import EventSource

from ..conftest import make_database

if TYPE_CHECKING:
    from collections.abc import Iterator

    from httpx_sse import ServerSentEvent

    from ..conftest import LiveServer, ServerFactory


def open_stream(stack: ExitStack, server: LiveServer) -> Iterator[ServerSentEvent]:
    """The events of a new POST /backups/create/streamed, once the server has answered its first."""
    headers = {"X-Application-ID": server.api_key, "Accept": "text/event-stream"}
    response = stack.enter_context(
        httpx.stream("POST", f"{server.url}/backups/create/streamed", headers=headers, timeout=30)
    )
    assert response.status_code == 200
    events = EventSource(response).iter_sse()
    assert next(events).json() == {"status": "INITIALIZED", "percentage": 0}
    return events


def outcome(events: Iterator[ServerSentEvent]) -> list[tuple[str, dict[str, Any]]]:
    """The rest of a stream: each event's type and data."""
    return [(event.event, event.json()) for event in events]


def backup_id(outcome: list[tuple[str, dict[str, Any]]]) -> str:
    kind, data = outcome[-1]
    assert kind == "completed", data
    identifier: str = data["backup"]["id"]
    return identifier


def test_requests_that_find_every_slot_busy_share_the_one_waiting_backup(start_server: ServerFactory) -> None:
    database = make_database(start_server.tmp_path / "locked.sqlite", journal_mode="delete")
    server = start_server(database=database, environment={"BACKUPS_MAX_CONCURRENT": "1"})

    with ExitStack() as stack, closing(sqlite3.connect(database, isolation_level=None)) as locker:
        locker.execute("BEGIN EXCLUSIVE")  # the first backup holds the only slot until this ends
        running = open_stream(stack, server)
        waiting = [open_stream(stack, server) for _ in range(3)]
        locker.execute("ROLLBACK")
        first, shared = outcome(running), [outcome(events) for events in waiting]

    assert shared[0] == shared[1] == shared[2]
    assert backup_id(first) != backup_id(shared[0])
    listing = httpx.get(f"{server.url}/backups", headers={"X-Application-ID": server.api_key}).json()
    listed = [backup["id"] for backup in listing["iterable"]]
    assert listed == [backup_id(shared[0]), backup_id(first)]

    with ExitStack() as stack:
        later = outcome(open_stream(stack, server))
    assert backup_id(later) not in listed
