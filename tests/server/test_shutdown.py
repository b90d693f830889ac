"""A second interrupt ends every running stream with a `failed` event saying why, then the server
exits; the abandoned backup is never listed."""

from __future__ import annotations

import signal
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import httpx

from tests.helpers import make_database

if TYPE_CHECKING:
    from tests.helpers import ServerFactory


def test_a_second_interrupt_fails_every_running_stream_then_exits(start_server: ServerFactory) -> None:
    database = make_database(start_server.tmp_path / "journal.sqlite", journal_mode="delete")
    server = start_server(database=database)
    headers = {"X-Application-ID": server.api_key, "Accept": "text/event-stream"}

    with closing(sqlite3.connect(database, isolation_level=None)) as locker:
        locker.execute("BEGIN EXCLUSIVE")  # the backup waits for the database
        with httpx.stream(
            "POST", f"{server.url}/backups/create/streamed", headers=headers, timeout=30
        ) as response:
            lines = response.iter_lines()
            assert next(lines) == "retry: 1000"
            server.process.process.send_signal(signal.SIGINT)
            while True:  # the first interrupt closes the listening socket; the stream goes on
                try:
                    httpx.get(f"{server.url}/.well-known/health", timeout=5)
                except httpx.ConnectError:
                    break
                except httpx.TransportError:  # queued when the listening socket closed, then reset
                    continue
            server.process.process.send_signal(signal.SIGINT)
            rest = list(lines)
        locker.execute("ROLLBACK")

    assert rest[-3:] == [
        "event: failed",
        'data: {"status":"FAILED","percentage":0,"message":"The server is shutting down"}',
        "",
    ]
    server.process.process.wait(timeout=30)
    restarted = start_server(database=database, data_dir=server.data_dir)
    listing = httpx.get(f"{restarted.url}/backups", headers={"X-Application-ID": server.api_key}, timeout=30)
    assert listing.json()["iterable"] == []
