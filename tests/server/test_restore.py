"""`python -m backups_server restore ID --to PATH`: verified, atomic, and never overwrites by surprise."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import httpx
import pytest

from ..conftest import rows

if TYPE_CHECKING:
    from pathlib import Path

    from ..conftest import LiveServer, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


def restore_command(store: StoreUnderTest, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("BACKUPS_")}
    return subprocess.run(
        [sys.executable, "-m", "backups_server", "restore", *arguments, "--store", store.url],
        env=environment | store.environment,
        capture_output=True,
        text=True,
        check=False,
    )


def create_backup(server: LiveServer) -> str:
    response = httpx.post(f"{server.url}/backups/create", headers={"X-Application-ID": server.api_key})
    assert response.status_code == 200
    backup_id: str = response.json()["id"]
    return backup_id


def test_restore_writes_the_database_as_it_was(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    backup_id = create_backup(server)
    target = tmp_path / "restored" / "notes.sqlite"

    result = restore_command(store, backup_id, "--to", str(target))

    assert result.returncode == 0, result.stderr
    assert f"Restored backup {backup_id}" in result.stdout
    assert rows(target) == rows(server.database)
    assert sorted(path.name for path in target.parent.iterdir()) == ["notes.sqlite"]


def test_restore_replaces_a_file_only_with_force(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    backup_id = create_backup(server)
    target = tmp_path / "notes.sqlite"
    target.write_bytes(b"precious")
    stale_wal = tmp_path / "notes.sqlite-wal"
    stale_wal.write_bytes(b"the log of the old database")

    refused = restore_command(store, backup_id, "--to", str(target))

    assert refused.returncode == 1
    assert "already exists; use --force" in refused.stderr
    assert target.read_bytes() == b"precious"

    forced = restore_command(store, backup_id, "--to", str(target), "--force")

    assert forced.returncode == 0, forced.stderr
    assert rows(target) == rows(server.database)
    assert not stale_wal.exists()


def test_restore_of_an_unknown_backup_fails_clearly(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    result = restore_command(store, "1.0.0_1", "--to", str(tmp_path / "notes.sqlite"))

    assert result.returncode == 1
    assert result.stderr.strip() == "Not restored: Backup 1.0.0_1 was not found"
    assert list(tmp_path.glob("notes.sqlite*")) == []


def test_restore_refuses_damaged_data(server: LiveServer, store: StoreUnderTest, tmp_path: Path) -> None:
    backup_id = create_backup(server)
    data = f"data/{backup_id}/data.sqlite.zst"
    stored = io.BytesIO()
    store.store.read(data, stored)
    damaged = bytearray(stored.getvalue())
    damaged[len(damaged) // 2] ^= 0xFF
    store.store.write(data, io.BytesIO(bytes(damaged)))

    result = restore_command(store, backup_id, "--to", str(tmp_path / "notes.sqlite"))

    assert result.returncode == 1
    assert "is damaged" in result.stderr
    assert list(tmp_path.glob("*notes.sqlite*")) == []
