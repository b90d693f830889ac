"""A streamed backup whose connection is cut, anywhere, is resumed by the generated client into the
sequence an uninterrupted run gives, and makes exactly one backup.

A fault-injecting TCP proxy (fault_proxy.py) sits between the client and the live server and cuts
the first connection of each run: right after an event, in the middle of one, or in the middle of
a UTF-8 sequence. The client reconnects through the proxy (its clock does not wait). What it read is
then compared with the job's whole log, which the server replays to a request with the same key
and `Last-Event-ID: 0`.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from backups_api_client import AuthenticatedClient
from backups_api_client.api.backups import backups_create_new_backup_streamed, backups_snapshot
from backups_api_client.client import Clock
from tests.helpers import make_database

from .fault_proxy import Cut, FaultProxy

if TYPE_CHECKING:
    from tests.helpers import LiveServer, ServerFactory

DEVICE = "Zo\u00eb\u2019s workstation"
"""A device name that takes several bytes in UTF-8: the terminal event carries it."""

Event = tuple[str, int, dict[str, Any]]


def body_start(sent: bytes) -> int | None:
    end = sent.find(b"\r\n\r\n")
    return None if end < 0 else end + 4


def after_event(count: int) -> Cut:
    """Cut right after the blank line that ends the `count`-th event."""

    def cut(sent: bytes) -> int | None:
        position = body_start(sent)
        for _ in range(count):
            if position is None:
                return None
            found = sent.find(b"\n\n", position)
            position = None if found < 0 else found + 2
        return position

    return cut


def inside_event(number: int) -> Cut:
    """Cut in the middle of the data of the `number`-th event."""

    def cut(sent: bytes) -> int | None:
        position = body_start(sent)
        for _ in range(number):
            if position is None:
                return None
            found = sent.find(b"\ndata: ", position)
            position = None if found < 0 else found + 1
        return None if position is None or len(sent) < position + 12 else position + 12

    return cut


def inside_a_character(sent: bytes) -> int | None:
    """Cut after the first byte of the first character that takes several bytes."""
    start = body_start(sent)
    if start is None:
        return None
    lead = next((index for index in range(start, len(sent)) if sent[index] >= 0xC0), None)
    return None if lead is None else lead + 1


def read_through(proxy: FaultProxy, server: LiveServer, key: str) -> list[Event]:
    client = AuthenticatedClient(
        base_url=proxy.url, token=server.api_key, clock=Clock(sleep=lambda _: None), max_retries=2
    )
    seen = []
    with client, backups_create_new_backup_streamed.stream(client=client, idempotency_key=key) as events:
        for item in events:
            assert events.last_event is not None
            seen.append((events.last_event.event, int(events.last_event.id), item.to_dict()))
    return seen


def whole_log(server: LiveServer, key: str) -> list[Event]:
    """Every event of the job the key started, replayed by the server."""
    headers = {
        "X-Application-ID": server.api_key,
        "Accept": "text/event-stream",
        "Idempotency-Key": key,
        "Last-Event-ID": "0",
    }
    response = httpx.post(f"{server.url}/backups/create/streamed", headers=headers, timeout=30)
    assert response.status_code == 200
    blocks = [
        dict(line.split(": ", 1) for line in block.splitlines()) for block in response.text.split("\n\n")
    ]
    return [
        (block["event"], int(block["id"]), json.loads(block["data"])) for block in blocks if "data" in block
    ]


def backups(server: LiveServer) -> int:
    with server.client() as client:
        return len(backups_snapshot.sync(client=client).iterable)


@pytest.fixture
def server(start_server: ServerFactory) -> LiveServer:
    database = make_database(start_server.tmp_path / "small.sqlite", rows=10)
    return start_server(database=database, environment={"BACKUPS_DEVICE_NAME": DEVICE})


def uninterrupted_events(server: LiveServer) -> int:
    """How many events an uninterrupted run of a backup of this server's database has."""
    upstream = urlsplit(server.url)
    with FaultProxy((upstream.hostname or "", upstream.port or 0), []) as proxy:
        seen = read_through(proxy, server, str(uuid.uuid4()))
    assert seen[-1][0] == "completed"
    return len(seen)


def test_every_cut_is_resumed_into_the_sequence_of_an_uninterrupted_run(server: LiveServer) -> None:
    count = uninterrupted_events(server)
    cuts: dict[str, Cut] = {f"after-event-{n}": after_event(n) for n in range(1, count)}
    cuts |= {f"inside-event-{n}": inside_event(n) for n in range(1, count + 1)}
    cuts["inside-a-character"] = inside_a_character
    upstream = urlsplit(server.url)

    for name, cut in cuts.items():
        before, key = backups(server), str(uuid.uuid4())
        with FaultProxy((upstream.hostname or "", upstream.port or 0), [cut]) as proxy:
            seen = read_through(proxy, server, key)

        assert proxy.connections == 2, f"{name}: the connection was not cut"
        ids = [number for _, number, _ in seen]
        assert ids == sorted(set(ids)), f"{name}: {ids}"
        assert [kind for kind, _, _ in seen].count("completed") == 1
        assert seen[-1][0] == "completed"
        assert seen[-1][2]["backup"]["device_name"] == DEVICE
        assert seen == whole_log(server, key), name
        assert backups(server) == before + 1, name
