"""A snapshot is checked before it is listed: a corrupt database fails with SQLite's first finding,
and a full scratch disk says so; in both cases nothing is listed and nothing is left."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

import httpx
import pytest

from backups_server.storage.layout import MANIFESTS
from tests.helpers import make_database

from .test_streaming import events, stream_lines

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer, ServerFactory

PAGE = 4096


def corrupt(database: Path) -> Path:
    """Random bytes over pages 4 to 8, as `dd if=/dev/urandom bs=4096 seek=3 count=5 conv=notrunc`."""
    with database.open("r+b") as file:
        file.seek(3 * PAGE)
        file.write(os.urandom(5 * PAGE))
    return database


def assert_nothing_kept(server: LiveServer) -> None:
    listing = httpx.get(f"{server.url}/backups", headers={"X-Application-ID": server.api_key}, timeout=30)
    assert listing.json()["iterable"] == []
    assert server.store.store.list(MANIFESTS) == []
    assert list((server.data_dir / "tmp").iterdir()) == []


def test_a_corrupt_database_fails_with_the_checks_first_finding_and_nothing_is_listed(
    start_server: ServerFactory,
) -> None:
    database = make_database(start_server.tmp_path / "notes.sqlite", journal_mode="delete")
    server = start_server(database=corrupt(database))

    received = events(list(stream_lines(server)))
    answered = httpx.post(
        f"{server.url}/backups/create", headers={"X-Application-ID": server.api_key}, timeout=30
    )

    kind, data = received[-1][1:]
    message = str(data["message"])
    assert kind == "failed"
    assert message.startswith("The database is corrupt: ")
    assert len(message) > len("The database is corrupt: ")
    assert answered.status_code == 500
    assert answered.text.startswith("The database is corrupt: ")
    assert_nothing_kept(server)


def full_disk_wrapper(scratch: Path) -> list[str]:
    """A command that runs the server with a real file system of 256 KiB mounted on `scratch`, in
    a user and mount namespace of its own (needs unprivileged user namespaces)."""
    unshare = shutil.which("unshare")
    probe = [unshare or "unshare", "--user", "--map-root-user", "--mount", "true"]
    if unshare is None or subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        pytest.skip("no unprivileged mount namespaces here to make a small full disk")
    scratch.mkdir(parents=True)
    mount = f'mount -t tmpfs -o size=256k tmpfs "{scratch}" && exec "$@"'
    return [unshare, "--user", "--map-root-user", "--mount", "sh", "-c", mount, "sh"]


def test_a_full_scratch_disk_says_there_is_no_space_for_the_snapshot(start_server: ServerFactory) -> None:
    data_dir = start_server.tmp_path / "full"
    wrapper = full_disk_wrapper(data_dir / "tmp")
    # A rollback journal: its snapshot is a copy (a database in WAL mode is read in place)
    database = make_database(start_server.tmp_path / "notes.sqlite", rows=5000, journal_mode="delete")
    server = start_server(database=database, data_dir=data_dir, wrapper=wrapper)

    received = events(list(stream_lines(server)))

    assert received[-1][1:] == (
        "failed",
        {
            "status": "FAILED",
            "percentage": received[-2][2]["percentage"],
            "message": f"No space left for the snapshot in {data_dir / 'tmp'}",
        },
    )
    assert_nothing_kept(server)
