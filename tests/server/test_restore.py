"""`python -m backups_server restore ID --to PATH`: verified, atomic, and never overwrites by surprise."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import httpx
import pytest
import zstandard

from backups_server.storage.layout import data_name, manifest_name
from tests.helpers import damage, rows, server_command

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


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

    result = server_command(store, "restore", backup_id, "--to", str(target))

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

    refused = server_command(store, "restore", backup_id, "--to", str(target))

    assert refused.returncode == 1
    assert "already exists; use --force" in refused.stderr
    assert target.read_bytes() == b"precious"

    forced = server_command(store, "restore", backup_id, "--to", str(target), "--force")

    assert forced.returncode == 0, forced.stderr
    assert rows(target) == rows(server.database)
    assert not stale_wal.exists()


def test_restore_of_an_unknown_backup_fails_clearly(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    result = server_command(store, "restore", "1.0.0_1", "--to", str(tmp_path / "notes.sqlite"))

    assert result.returncode == 1
    assert result.stderr.strip() == "Not restored: Backup 1.0.0_1 was not found"
    assert list(tmp_path.glob("notes.sqlite*")) == []


@pytest.mark.copies
def test_restore_refuses_damaged_data(server: LiveServer, store: StoreUnderTest, tmp_path: Path) -> None:
    backup_id = create_backup(server)
    data = data_name(backup_id)
    damage(store, data)

    result = server_command(store, "restore", backup_id, "--to", str(tmp_path / "notes.sqlite"))

    assert result.returncode == 1
    assert "is damaged" in result.stderr
    assert list(tmp_path.glob("*notes.sqlite*")) == []


CHECKSUM_REFUSED = "is damaged: its checksum does not match"


def manifest_of(store: StoreUnderTest, backup_id: str) -> dict[str, object]:
    raw = io.BytesIO()
    store.store.read(manifest_name(backup_id), raw)
    manifest: dict[str, object] = json.loads(raw.getvalue())
    return manifest


@pytest.mark.copies
def test_restore_refuses_the_data_of_another_sound_backup(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    """Two backups of the same size: each one's data decompresses into a sound database of the
    right size, so only the checksum tells that the data is not this backup's."""
    first = create_backup(server)
    with closing(sqlite3.connect(server.database)) as connection, connection:
        connection.execute("UPDATE notes SET title = 'note X' WHERE id = 1")
    second = create_backup(server)
    assert manifest_of(store, first)["data"] != manifest_of(store, second)["data"]
    other = io.BytesIO()
    store.store.read(data_name(first), other)
    store.store.write(data_name(second), io.BytesIO(other.getvalue()))

    result = server_command(store, "restore", second, "--to", str(tmp_path / "notes.sqlite"))

    assert result.returncode == 1
    assert f"backup {second} {CHECKSUM_REFUSED}" in result.stderr
    assert list(tmp_path.glob("*notes.sqlite*")) == []


@pytest.mark.copies
def test_restore_refuses_data_whose_manifest_names_another_checksum(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    backup_id = create_backup(server)
    manifest = manifest_of(store, backup_id)
    data = manifest["data"]
    assert isinstance(data, dict)
    data["sha256"] = "0" * 64
    store.store.write(manifest_name(backup_id), io.BytesIO(json.dumps(manifest).encode()))

    result = server_command(store, "restore", backup_id, "--to", str(tmp_path / "notes.sqlite"))

    assert result.returncode == 1
    assert f"backup {backup_id} {CHECKSUM_REFUSED}" in result.stderr
    assert list(tmp_path.glob("*notes.sqlite*")) == []


@pytest.mark.copies
def test_restore_stops_decompressing_once_past_the_manifests_size(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    backup_id = create_backup(server)
    manifest_object = manifest_name(backup_id)
    raw = io.BytesIO()
    store.store.read(manifest_object, raw)
    manifest = json.loads(raw.getvalue())
    compressor = zstandard.ZstdCompressor()
    bomb = compressor.compress(b"\0" * (256 * 1024 * 1024))  # a few KiB that decompress to 256 MiB
    manifest["data"] |= {"sha256": hashlib.sha256(bomb).hexdigest(), "bytes": len(bomb)}
    store.store.write(manifest["data"]["object"], io.BytesIO(bomb))
    store.store.write(manifest_object, io.BytesIO(json.dumps(manifest).encode()))

    # Writing more than 64 MiB would fail with "File too large": the restore must stop well before.
    result = server_command(
        store,
        "restore",
        backup_id,
        "--to",
        str(tmp_path / "notes.sqlite"),
        wrapper=["prlimit", "--fsize=67108864", "--"],
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Not restored: backup {backup_id} is damaged: it is larger than it was taken with"
    )
    assert list(tmp_path.glob("*notes.sqlite*")) == []
