"""POST /backups/create/streamed beyond the happy path: negotiation on Accept, keep-alive comments
while a backup waits, and a `failed` event when a backup breaks once the stream has started."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import httpx
import pytest

from backups_api_client import errors
from backups_api_client.api.backups import backups_create_new_backup_streamed
from backups_api_client.models import SeededBackup
from backups_server.storage.layout import MANIFESTS, backup_of, is_manifest
from tests.helpers import make_database

from .held_store import MODULE, StoreHold

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.helpers import LiveServer, ServerFactory, StoreUnderTest

SNAPSHOT_FAILED = "The database could not be snapshotted; see the server log"


def stream_lines(server: LiveServer) -> Iterator[str]:
    """The lines of a streamed backup, as they arrive."""
    with server.streamed("/backups/create/streamed") as response:
        yield from response.iter_lines()


def events(lines: list[str]) -> list[tuple[str, str, dict[str, object]]]:
    """(id, event type, data) of each event in the lines of a stream."""
    found = []
    for block in "\n".join(lines).split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if fields:
            found.append((fields["id"], fields["event"], json.loads(fields["data"])))
    return found


def events_as_they_arrive(lines: Iterator[str]) -> Iterator[tuple[str, str, dict[str, object]]]:
    """Each event of a stream, as soon as the blank line that ends it arrives."""
    block: list[str] = []
    for line in lines:
        if line:
            block.append(line)
        else:
            yield from events(block)
            block = []


@pytest.mark.copies
@pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)
def test_progress_passes_the_half_while_the_data_is_stored_and_ends_at_100(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    """The second half of the percentage follows compression and storage: it moves while the
    store holds the data half-written, and reaches 100 only with the backup complete."""
    database = make_database(start_server.tmp_path / "notes.sqlite", rows=25_000)  # about 10 MiB
    hold = StoreHold(start_server.tmp_path / "hold", after=1)
    server = start_server(database=database, module=MODULE, environment=hold.environment)
    arriving = events_as_they_arrive(stream_lines(server))
    received = [next(arriving)]  # the backup has started

    with hold.held():
        for event in arriving:
            received.append(event)
            if float(event[2]["percentage"]) > 50:  # type: ignore[arg-type]
                break
        assert not [item for item in store.store.list(MANIFESTS) if is_manifest(item.name)]

    received.extend(arriving)
    percentages = [float(data["percentage"]) for _, _, data in received]  # type: ignore[arg-type]
    assert percentages == sorted(percentages)
    assert [event for _, event, _ in received[:-1]] == ["progress"] * (len(received) - 1)
    assert received[-1][1] == "completed"
    listed = {backup_of(item.name) for item in store.store.list(MANIFESTS)}
    assert received[-1][2]["backup"]["id"] in listed  # type: ignore[index]
    assert percentages[-1] == 100
    assert 50 < max(percentages[:-1]) < 100


def test_a_waiting_backup_sends_keep_alive_comments(start_server: ServerFactory) -> None:
    database = make_database(start_server.tmp_path / "locked.sqlite", journal_mode="delete")
    server = start_server(database=database, environment={"BACKUPS_KEEPALIVE": "0.05"})
    lines: list[str] = []
    with closing(sqlite3.connect(database, isolation_level=None)) as locker:
        locker.execute("BEGIN EXCLUSIVE")  # the snapshot cannot start until this ends
        stream = stream_lines(server)
        for line in stream:
            lines.append(line)
            if line == ": keep-alive" and any("IN-PROGRESS" in seen for seen in lines):
                break  # the backup runs, and waits for the database
        locker.execute("ROLLBACK")
        waiting = len(lines)
        lines.extend(stream)

    assert lines[waiting - 1] == ": keep-alive"
    received = events(lines)
    assert [number for number, _, _ in received] == [str(number) for number in range(1, len(received) + 1)]
    assert received[0][1:] == ("progress", {"status": "INITIALIZED", "percentage": 0})
    assert received[-1][1] == "completed"
    assert [data["status"] for _, _, data in received[:2]] == ["INITIALIZED", "IN-PROGRESS"]


def test_a_backup_that_breaks_mid_way_ends_the_stream_with_a_failed_event(
    start_server: ServerFactory,
) -> None:
    broken = start_server.tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a SQLite database" * 1000)
    server = start_server(database=broken)

    received = events(list(stream_lines(server)))

    assert [event for _, event, _ in received] == ["progress", "progress", "failed"]
    assert received[-1][2] == {"status": "FAILED", "percentage": 0, "message": SNAPSHOT_FAILED}
    headers = {"X-Application-ID": server.api_key}
    listing = httpx.get(f"{server.url}/backups", headers=headers).json()
    assert listing["iterable"] == []
    assert server.store.store.list(MANIFESTS) == []
    assert list((server.data_dir / "tmp").iterdir()) == []


def test_the_generated_client_raises_the_failure_of_a_stream(start_server: ServerFactory) -> None:
    broken = start_server.tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a SQLite database" * 1000)
    server = start_server(database=broken)

    with (
        server.client() as client,
        pytest.raises(errors.StreamFailed) as failure,
        backups_create_new_backup_streamed.stream(client=client, body=SeededBackup()) as events,
    ):
        list(events)

    assert failure.value.message == SNAPSHOT_FAILED


def test_a_failed_backup_without_an_event_stream_is_a_500(start_server: ServerFactory) -> None:
    broken = start_server.tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a SQLite database" * 1000)
    server = start_server(database=broken)
    headers = {"X-Application-ID": server.api_key}

    for path in ("/backups/create", "/backups/create/streamed"):
        response = httpx.post(server.url + path, headers=headers, timeout=30)
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == SNAPSHOT_FAILED


@pytest.mark.parametrize(
    ("accept", "streams"),
    [
        ("text/event-stream", True),
        ("text/event-stream, application/json;q=0.9", True),
        ("application/json, text/event-stream;q=0.5", False),
        ("application/json, text/plain", False),
        ("*/*", False),
        ("", False),
        ("application/json;q=0.5, */*", True),  # the most specific range decides...
        ("text/event-stream;q=0.2, text/*;q=0.9, application/json;q=0.5", False),  # ...not the highest
        ("text/event-stream;q=inf, application/json", False),  # q is at most 1, and JSON wins a tie
        ("text/event-stream;q=2, application/json", False),
        ("text/event-stream;q=nan, application/json;q=0.1", False),
        ("application/json;q=-1, text/event-stream;q=0.1", True),  # and at least 0
    ],
)
def test_streamed_negotiates_on_accept(any_live_server: LiveServer, accept: str, streams: bool) -> None:
    headers = {"X-Application-ID": any_live_server.api_key, "Accept": accept}
    response = httpx.post(
        f"{any_live_server.url}/backups/create/streamed", headers=headers, json={}, timeout=30
    )

    assert response.status_code == 200
    if streams:
        assert response.headers["content-type"].startswith("text/event-stream")
        event_types = [line for line in response.text.splitlines() if line.startswith("event: ")]
        assert event_types[-1] == "event: completed"
    else:
        assert response.headers["content-type"] == "application/json"
        assert response.json()["status"] == "COMPLETED"
