"""A streamed backup through `backups-api`, held at a known point of its storing (tests/server/
held_store.py): its events reach the command's pipe one by one while it runs, and Ctrl-C closes the
stream, exits 130 and leaves the server no connection open."""

from __future__ import annotations

import json
import os
import signal
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from backups_api_client.cli._app import ExitCode
from backups_server.storage.layout import MANIFESTS, is_manifest, manifest_name
from tests.helpers import eventually, make_database
from tests.server.held_store import MODULE, StoreHold

from .conftest import CommandLine

if TYPE_CHECKING:
    from tests.helpers import LiveServer, ServerFactory

pytestmark = pytest.mark.timeout(180)  # the first test of a session builds and installs the wheel

LISTEN = "0A"
"""The state of a listening socket in /proc/net/tcp."""


def connections(pid: int) -> list[str]:
    """The TCP connections the process holds open (its listening sockets aside), by their addresses
    as /proc/net/tcp shows them."""
    sockets = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        with suppress(OSError):  # closed since it was listed
            target = os.readlink(descriptor)
            if target.startswith("socket:["):
                sockets.add(target.removeprefix("socket:[").removesuffix("]"))
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if inode in sockets and state != LISTEN:
                found.append(f"{local} -> {remote}")
    return found


def held_server(start_server: ServerFactory) -> tuple[LiveServer, StoreHold]:
    """A server whose store holds each backup's data after its first byte, for as long as the test
    asks; its database is about 10 MiB."""
    database = make_database(start_server.tmp_path / "notes.sqlite", rows=25_000)
    hold = StoreHold(start_server.tmp_path / "hold", after=1)
    return start_server(database=database, module=MODULE, environment=hold.environment), hold


def manifests(server: LiveServer) -> list[str]:
    return [item.name for item in server.store.store.list(MANIFESTS) if is_manifest(item.name)]


@pytest.mark.copies
def test_ndjson_events_arrive_one_by_one_while_the_backup_runs(
    start_server: ServerFactory, installed: Path
) -> None:
    server, hold = held_server(start_server)
    backups_api = CommandLine(installed, {"BACKUPS_API_URL": server.url, "BACKUPS_API_KEY": server.api_key})

    with backups_api.running("backups", "create", "--json") as process:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        received: list[dict[str, Any]] = [json.loads(next(lines))]  # the backup has started
        with hold.held():
            while received[-1]["percentage"] <= 50:
                received.append(json.loads(next(lines)))
            assert process.poll() is None
            assert manifests(server) == []  # the backup is still being stored
        received.extend(json.loads(line) for line in lines)
        assert process.wait() == ExitCode.OK

    assert received[0] == {"status": "INITIALIZED", "percentage": 0}
    assert [event["status"] for event in received[1:-1]] == ["IN-PROGRESS"] * (len(received) - 2)
    assert received[-1]["status"] == "COMPLETED"
    assert manifests(server) == [manifest_name(received[-1]["backup"]["id"])]


@pytest.mark.copies
@pytest.mark.parametrize("output", ["people", "json"])
def test_ctrl_c_closes_the_stream_and_exits_130(
    start_server: ServerFactory, installed: Path, output: str
) -> None:
    server, hold = held_server(start_server)
    backups_api = CommandLine(installed, {"BACKUPS_API_URL": server.url})
    if output == "people":  # the key typed at the prompt
        arguments, key = ["--api-key"], {"input": server.api_key + "\n"}
    else:
        arguments, key = ["--json"], {"BACKUPS_API_KEY": server.api_key}

    with (
        backups_api.running("backups", "create", *arguments, **key) as process,
        hold.held(),  # the backup is under way, its stream open
    ):
        assert connections(server.process.pid) != []
        assert server.api_key not in Path(f"/proc/{process.pid}/cmdline").read_text()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == ExitCode.INTERRUPTED
        assert process.stderr is not None
        errors = process.stderr.read()
        assert errors.endswith("Interrupted.\n")
        assert "Traceback" not in errors
        assert eventually(lambda: connections(server.process.pid) == []), connections(server.process.pid)
