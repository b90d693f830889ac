"""The singular Backup API on the live server: a backup's metadata, its restoration into the live
database while other connections use it, and the status and cancellation of its jobs.

A job is held at a chosen point (held_store.py) wherever a test must act while it runs."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import threading
from contextlib import ExitStack, closing
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import zstandard
from httpx_sse import EventSource

from backups_api_client import errors
from backups_api_client.api.backup import (
    backup_restore_specific_backup,
    backup_specific_backup_snapshot,
    backup_specific_creation_cancel,
    backup_specific_creation_status,
    backup_specific_restoration_cancel,
    backup_specific_restoration_status,
)
from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import BackupStatusEnum
from backups_server.storage.layout import FORMAT_OBJECT, manifest_name
from tests.helpers import make_database, rows

from .held_store import MODULE, StoreHold

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.helpers import LiveServer, ServerFactory, StoreUnderTest

both_stores = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


def change(database: Path, title: str = "changed") -> None:
    with closing(sqlite3.connect(database, timeout=30)) as connection, connection:
        connection.execute("UPDATE notes SET title = ? WHERE id <= 10", (title,))
        connection.execute("DELETE FROM notes WHERE id > 900")


def stream(stack: ExitStack, server: LiveServer, path: str) -> tuple[httpx.Response, Iterator[Any]]:
    response = stack.enter_context(server.streamed(path))
    return response, EventSource(response).iter_sse()


@both_stores
@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_a_restore_replaces_the_live_database_while_it_is_in_use(
    start_server: ServerFactory, journal_mode: str
) -> None:
    database = make_database(start_server.tmp_path / "live.sqlite", journal_mode=journal_mode)
    hold = StoreHold(start_server.tmp_path / "hold", at="replace")
    server = start_server(database=database, module=MODULE, environment=hold.environment)
    with server.client() as client:
        backup = backups_create_new_backup.sync(client=client)
    taken = rows(database)
    change(database)
    before = rows(database)
    reader = sqlite3.connect(database, isolation_level=None, timeout=30)
    impatient = sqlite3.connect(database, isolation_level=None, timeout=0)
    writer = sqlite3.connect(database, isolation_level=None, timeout=30, check_same_thread=False)

    def write_during_the_replacement() -> None:
        writer.execute("INSERT INTO notes (title, body) VALUES ('after', 'written while the restore ran')")

    with server.client() as client, closing(reader), closing(impatient), closing(writer):
        with ExitStack() as stack:
            response, events = stream(stack, server, f"/backup/{backup.id}/restore/streamed")
            assert response.headers["Content-Location"] == f"/backup/{backup.id}"
            with hold.held():  # past the point of no return, the last page copy and commit to come
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    impatient.execute("BEGIN IMMEDIATE")  # the replacement holds the database for writing
                if journal_mode == "wal":  # with a rollback journal, readers wait for the commit
                    assert reader.execute("SELECT * FROM notes ORDER BY id").fetchall() == before
                blocked = threading.Thread(target=write_during_the_replacement)
                blocked.start()  # waits for the commit
                with pytest.raises(errors.NothingToCancelError):
                    backup_specific_restoration_cancel.sync(backup.id, client=client)
            received = [(event.event, event.json()) for event in events]
            blocked.join()

        assert received[-1][0] == "completed"
        assert received[-1][1]["backup"]["id"] == backup.id
        after = reader.execute("SELECT * FROM notes ORDER BY id").fetchall()  # the same connection
        assert after[:-1] == taken
        assert after[-1][1:] == ("after", "written while the restore ran")
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == journal_mode
        assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert rows(database.with_name("live.sqlite.before-restore")) == before
        status = backup_specific_restoration_status.sync(backup.id, client=client)
        assert (status.value, status.percentage, status.backup.id) == (
            BackupStatusEnum.COMPLETED,
            100,
            backup.id,
        )


def test_a_reader_in_a_transaction_sees_one_state_throughout(start_server: ServerFactory) -> None:
    database = make_database(start_server.tmp_path / "live.sqlite", journal_mode="wal")
    server = start_server(database=database)
    with server.client() as client:
        backup = backups_create_new_backup.sync(client=client)
        change(database)
        before = rows(database)
        with closing(sqlite3.connect(database, isolation_level=None)) as reader:
            reader.execute("BEGIN")
            assert reader.execute("SELECT * FROM notes ORDER BY id").fetchall() == before

            restored = backup_restore_specific_backup.sync(backup.id, client=client)

            assert reader.execute("SELECT * FROM notes ORDER BY id").fetchall() == before
            reader.execute("COMMIT")
            assert reader.execute("SELECT * FROM notes ORDER BY id").fetchall() != before
        assert restored == backup_specific_backup_snapshot.sync(backup.id, client=client)


@pytest.mark.copies
@both_stores
def test_a_tampered_backup_is_refused_and_the_database_left_as_it_was(
    server: LiveServer, store: StoreUnderTest
) -> None:
    with server.client() as client:
        good, damaged = (
            backups_create_new_backup.sync(client=client),
            backups_create_new_backup.sync(client=client),
        )
        manifest_object = manifest_name(damaged.id)
        manifest = json.loads(store.store.read_bytes(manifest_object))
        data = io.BytesIO()
        store.store.read(manifest["data"]["object"], data)
        database = bytearray(zstandard.ZstdDecompressor().decompressobj().decompress(data.getvalue()))
        database[4096 + 100 : 4096 + 400] = b"\xff" * 300  # the second page, a sound file no more
        compressed = zstandard.ZstdCompressor().compress(bytes(database))
        store.store.write(manifest["data"]["object"], io.BytesIO(compressed))
        manifest["data"] |= {"sha256": hashlib.sha256(compressed).hexdigest(), "bytes": len(compressed)}
        store.store.write(manifest_object, io.BytesIO(json.dumps(manifest).encode()))
        tampered = manifest_name(good.id)
        other = json.loads(store.store.read_bytes(tampered))
        other["data"]["sha256"] = "0" * 64
        store.store.write(tampered, io.BytesIO(json.dumps(other).encode()))
        change(server.database)
        before = rows(server.database)

        with pytest.raises(errors.InternalServerError) as not_sound:
            backup_restore_specific_backup.sync(damaged.id, client=client)
        with pytest.raises(errors.InternalServerError) as checksum:
            backup_restore_specific_backup.sync(good.id, client=client)

    assert not_sound.value.text.startswith("Not restored: the restored file is not a sound database")
    assert checksum.value.text == f"Not restored: backup {good.id} is damaged: its checksum does not match"
    assert rows(server.database) == before
    assert not server.database.with_name(server.database.name + ".before-restore").exists()


def test_a_listed_backup_is_restored_whatever_its_indexes_hold(start_server: ServerFactory) -> None:
    """A restoration runs the check its backup passed when it was taken, no stricter one: an index
    that does not match its table, which only `integrity_check` reports, is restored as it was."""
    database = make_database(start_server.tmp_path / "live.sqlite")
    with closing(sqlite3.connect(database, isolation_level=None)) as connection:
        connection.execute("CREATE INDEX notes_by_title ON notes (title)")
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute(
            "UPDATE sqlite_schema SET sql = 'CREATE INDEX notes_by_title ON notes (title DESC)' "
            "WHERE name = 'notes_by_title'"
        )
    assert rows(database, "PRAGMA quick_check") == [("ok",)]
    assert rows(database, "PRAGMA integrity_check") != [("ok",)]
    server = start_server(database=database)
    with server.client() as client:
        backup = backups_create_new_backup.sync(client=client)
        taken = rows(database)
        with closing(sqlite3.connect(database, isolation_level=None)) as connection:
            connection.execute("INSERT INTO notes (title, body) VALUES ('after', 'the backup')")
        restored = backup_restore_specific_backup.sync(backup.id, client=client)

    assert restored.id == backup.id
    assert rows(database) == taken


@pytest.mark.copies
def test_creations_are_cancelled_while_they_wait_and_while_they_run(start_server: ServerFactory) -> None:
    hold = StoreHold(start_server.tmp_path / "hold", after=1)
    server = start_server(module=MODULE, environment=hold.environment)

    with server.client() as client, ExitStack() as stack:
        running, running_events = stream(stack, server, "/backups/create/streamed")
        waiting, waiting_events = stream(stack, server, "/backups/create/streamed")
        running_id = running.headers["Content-Location"].removeprefix("/backup/")
        waiting_id = waiting.headers["Content-Location"].removeprefix("/backup/")
        with hold.held():  # the running one is storing its data
            backup_specific_creation_cancel.sync(waiting_id, client=client)  # answered at once
            assert (
                backup_specific_creation_status.sync(waiting_id, client=client).value
                == BackupStatusEnum.CANCELED
            )
            cancelling = threading.Thread(
                target=backup_specific_creation_cancel.sync, args=(running_id,), kwargs={"client": client}
            )
            cancelling.start()  # answered once the creation has stopped, after the hold
        cancelling.join()
        ended = [list(events)[-1] for events in (running_events, waiting_events)]

        assert [(event.event, event.json()["status"]) for event in ended] == [("failed", "CANCELED")] * 2
        assert ended[0].json()["message"] == f"The creation of backup {running_id} was cancelled"
        assert backups_snapshot.sync(client=client).iterable == []
        assert server.store.store.list("") == [
            item for item in server.store.store.list("") if item.name == FORMAT_OBJECT
        ]
        with pytest.raises(errors.NothingToCancelError):
            backup_specific_creation_cancel.sync(running_id, client=client)
        with pytest.raises(errors.NotFoundError):
            backup_specific_creation_cancel.sync("1.0.0_1", client=client)


@pytest.mark.copies
def test_a_restoration_cancelled_while_it_downloads_leaves_the_database_as_it_was(
    start_server: ServerFactory,
) -> None:
    hold = StoreHold(start_server.tmp_path / "hold", at="read")
    server = start_server(module=MODULE, environment=hold.environment)
    with server.client() as client, ExitStack() as stack:
        backup = backups_create_new_backup.sync(client=client)
        change(server.database)
        before = rows(server.database)
        _, events = stream(stack, server, f"/backup/{backup.id}/restore/streamed")
        with hold.held():
            status = backup_specific_restoration_status.sync(backup.id, client=client)
            assert status.value == BackupStatusEnum.IN_PROGRESS
            cancelling = threading.Thread(
                target=backup_specific_restoration_cancel.sync, args=(backup.id,), kwargs={"client": client}
            )
            cancelling.start()
        cancelling.join()
        final = list(events)[-1]

        assert (final.event, final.json()["status"]) == ("failed", "CANCELED")
        assert rows(server.database) == before
        assert (
            backup_specific_restoration_status.sync(backup.id, client=client).value
            == BackupStatusEnum.CANCELED
        )


@pytest.mark.copies
def test_a_restoration_waits_behind_a_creation(start_server: ServerFactory) -> None:
    first = start_server()
    with first.client() as client:
        earlier = backups_create_new_backup.sync(client=client)
    first.process.stop()
    hold = StoreHold(start_server.tmp_path / "hold", after=1)
    server = start_server(
        database=first.database, data_dir=first.data_dir, module=MODULE, environment=hold.environment
    )
    with server.client() as client, ExitStack() as stack:
        change(server.database)
        creating, creation_events = stream(stack, server, "/backups/create/streamed")
        restoring, restoration_events = stream(stack, server, f"/backup/{earlier.id}/restore/streamed")
        later = creating.headers["Content-Location"].removeprefix("/backup/")
        with hold.held():
            assert (
                backup_specific_creation_status.sync(later, client=client).value
                == BackupStatusEnum.IN_PROGRESS
            )
            waiting = backup_specific_restoration_status.sync(earlier.id, client=client)
            assert (waiting.value, waiting.percentage) == (BackupStatusEnum.INITIALIZED, 0)
        created = list(creation_events)[-1].json()["backup"]["id"]
        restored = list(restoration_events)[-1].json()["backup"]["id"]

    assert (created, restored) == (later, earlier.id)
    assert restoring.headers["Content-Location"] == f"/backup/{earlier.id}"


def test_statuses_of_jobs_known_and_unknown(start_server: ServerFactory) -> None:
    server = start_server()
    with server.client() as client:
        backup = backups_create_new_backup.sync(client=client)
        status = backup_specific_creation_status.sync(backup.id, client=client)
        assert (status.value, status.percentage, status.backup) == (BackupStatusEnum.COMPLETED, 100, backup)
        with pytest.raises(errors.NotFoundError):
            backup_specific_creation_status.sync("1.0.0_1", client=client)
        with pytest.raises(errors.NotFoundError) as never_restored:
            backup_specific_restoration_status.sync(backup.id, client=client)
        assert never_restored.value.text == f"No restoration of backup {backup.id} is known"
    server.process.stop()

    restarted = start_server(database=server.database, data_dir=server.data_dir)
    with restarted.client() as client:
        listed = backup_specific_creation_status.sync(backup.id, client=client)  # made by a server gone since
        assert (listed.value, listed.percentage, listed.backup.id) == (
            BackupStatusEnum.COMPLETED,
            100,
            backup.id,
        )
        with pytest.raises(errors.NotFoundError):
            backup_specific_backup_snapshot.sync("1.0.0_1", client=client)


def test_the_official_pieces_sdk_works_unchanged(live_server: LiveServer) -> None:
    """The official SDK's BackupApi, generated by openapi-generator from the upstream spec."""
    # Imported here, by the one worker that runs this test: its models take 1.5 s to import.
    from pieces_os_client.api.backup_api import BackupApi  # noqa: PLC0415
    from pieces_os_client.api_client import ApiClient  # noqa: PLC0415
    from pieces_os_client.configuration import Configuration  # noqa: PLC0415

    configuration = Configuration(host=live_server.url, api_key={"application": live_server.api_key})
    with live_server.client() as client:
        backup = backups_create_new_backup.sync(client=client)
    with ApiClient(configuration) as api_client:
        api = BackupApi(api_client)
        snapshot = api.backup_specific_backup_snapshot(backup.id)
        status = api.backup_specific_creation_status(backup.id)
        restored = api.backup_restore_specific_backup(backup.id)

    assert (snapshot.id, snapshot.bytes, snapshot.device_name) == (
        backup.id,
        backup.bytes_,
        backup.device_name,
    )
    assert (status.value, status.percentage, status.backup.id) == ("COMPLETED", 100, backup.id)
    assert restored.id == backup.id
