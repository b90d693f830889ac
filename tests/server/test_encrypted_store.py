"""Format 2 on the live server, on both stores: nothing of the database can be read from the store,
a backup of an unchanged database adds almost nothing, and a restoration refuses any object that was
damaged, swapped or copied under another backup's name, naming it and leaving the target untouched."""

from __future__ import annotations

import io
import sqlite3
import uuid
from contextlib import closing
from typing import TYPE_CHECKING, Any

import pytest
import zstandard
from httpx_sse import EventSource

from backups_api_client.api.backups import backups_snapshot
from backups_server.storage.index import INDEXES
from backups_server.storage.keys import KEYS
from backups_server.storage.layout import data_name, sealed_manifest_name
from backups_server.storage.packs import PACKS
from tests.helpers import damage, make_database, rows, server_command

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer, ServerFactory, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


@pytest.fixture
def server(start_server: ServerFactory) -> LiveServer:
    database = make_database(start_server.tmp_path / "notes.sqlite", rows=20_000)
    return start_server(database=database)


def completed(server: LiveServer) -> dict[str, Any]:
    """The data of the completed event of a streamed creation."""
    with server.streamed("/backups/create/streamed") as response:
        events = [event for event in EventSource(response).iter_sse() if event.data]
    assert events[-1].event == "completed", events[-1].data
    data: dict[str, Any] = events[-1].json()
    return data


def objects(store: StoreUnderTest, prefix: str = "") -> dict[str, bytes]:
    return {item.name: store.store.read_bytes(item.name) for item in store.store.list(prefix)}


def readable(content: bytes) -> bytes:
    """The object as stored, and its every zstd frame decompressed when it is zstd."""
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(content), read_across_frames=True)
    try:
        return content + reader.read()
    except zstandard.ZstdError:
        return content


def backup_with_marker(start_server: ServerFactory, **environment: str) -> tuple[str, bytes]:
    """A backup of a database holding a marker string, and the marker."""
    marker = f"marker-{uuid.uuid4()}".encode()
    database = make_database(start_server.tmp_path / "notes.sqlite", rows=20_000)
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("INSERT INTO notes (title, body) VALUES (?, ?)", (marker, marker * 50))
    server = start_server(database=database, environment=environment)
    return completed(server)["backup"]["id"], marker


def test_no_byte_of_the_database_can_be_read_from_the_store(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    backup, marker = backup_with_marker(start_server)
    stored = objects(store)

    assert sealed_manifest_name(backup) in stored
    assert [name for name, content in stored.items() if marker in readable(content)] == []
    assert [name for name, content in stored.items() if b"notes" in readable(content)] == []


def test_the_same_search_finds_the_database_in_a_store_of_whole_copies(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    backup, marker = backup_with_marker(start_server, BACKUPS_STORE_FORMAT="1")

    found = [name for name, content in objects(store).items() if marker in readable(content)]

    assert found == [data_name(backup)]


def test_a_backup_of_an_unchanged_database_adds_almost_nothing(server: LiveServer) -> None:
    size = server.database.stat().st_size

    first, second = completed(server), completed(server)

    assert first["added_bytes"] > 0
    assert second["added_bytes"] <= min(size // 1000, first["added_bytes"] // 100), (size, first, second)
    assert second["backup"]["id"] != first["backup"]["id"]


def refused(store: StoreUnderTest, backup: str, target: Path) -> str:
    """What the restore command says when it refuses the backup; the target is left untouched."""
    result = server_command(store, "restore", backup, "--to", str(target))
    assert result.returncode == 1, result.stdout
    assert not target.exists()
    return result.stderr


@pytest.mark.parametrize("kind", [PACKS, INDEXES, KEYS, "manifest"])
def test_a_flipped_byte_in_any_object_refuses_the_restoration_and_names_the_object(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path, kind: str
) -> None:
    backup = completed(server)["backup"]["id"]
    name = sealed_manifest_name(backup) if kind == "manifest" else sorted(objects(store, kind))[0]
    damage(store, name)

    assert name in refused(store, backup, tmp_path / "restored.sqlite")


def test_a_manifest_copied_under_another_backups_name_is_refused(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    first = completed(server)["backup"]["id"]
    with closing(sqlite3.connect(server.database)) as connection, connection:
        connection.execute("UPDATE notes SET title = 'changed' WHERE id = 1")
    second = completed(server)["backup"]["id"]
    copied = store.store.read_bytes(sealed_manifest_name(first))
    store.store.write(sealed_manifest_name(second), io.BytesIO(copied))

    assert sealed_manifest_name(second) in refused(store, second, tmp_path / "restored.sqlite")
    result = server_command(store, "restore", first, "--to", str(tmp_path / "first.sqlite"))
    assert result.returncode == 0, result.stderr


def test_a_packs_content_swapped_with_anothers_is_refused(
    start_server: ServerFactory, store: StoreUnderTest, tmp_path: Path
) -> None:
    database = make_database(tmp_path / "notes.sqlite", rows=20_000)
    server = start_server(database=database)
    first = completed(server)["backup"]["id"]
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE notes SET body = 'rewritten' || id")
    second = completed(server)["backup"]["id"]
    packs = sorted(objects(store, PACKS).items())
    (one, one_content), (other, other_content) = packs[0], packs[-1]
    store.store.write(one, io.BytesIO(other_content))
    store.store.write(other, io.BytesIO(one_content))

    said = refused(store, second, tmp_path / "second.sqlite") + refused(
        store, first, tmp_path / "first.sqlite"
    )
    assert one in said or other in said


def test_a_sound_store_restores_what_it_backed_up(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    backup = completed(server)["backup"]["id"]
    target = tmp_path / "restored.sqlite"

    result = server_command(store, "restore", backup, "--to", str(target))

    assert result.returncode == 0, result.stderr
    assert rows(target) == rows(server.database)


def test_a_backup_that_meets_a_damaged_index_object_fails_naming_it(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    completed(start_server())
    (index,) = objects(store, INDEXES)
    damage(store, index)
    another = start_server()  # sharing the store, without the first one's copy of the index

    with another.streamed("/backups/create/streamed") as response:
        last = [event for event in EventSource(response).iter_sse() if event.data][-1]

    assert last.event == "failed"
    assert index in last.json()["message"]


def test_a_damaged_manifest_is_left_out_of_the_listing_and_named_in_the_log(
    server: LiveServer, store: StoreUnderTest
) -> None:
    damaged, sound = completed(server)["backup"]["id"], completed(server)["backup"]["id"]
    damage(store, sealed_manifest_name(damaged))

    with server.client() as client:
        listed = backups_snapshot.sync(client=client)

    assert listed is not None
    assert [backup.id for backup in listed.iterable] == [sound]
    assert f"{sealed_manifest_name(damaged)} is not a manifest" in server.process.log_tail()
