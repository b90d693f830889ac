"""A server killed in the middle of a backup leaves nothing partial listed, and cleans up after restart."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest
from httpx_sse import connect_sse

from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup, Backups
from backups_server.restore import restore

if TYPE_CHECKING:
    from pathlib import Path

    from ..conftest import ServerFactory, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


def make_incompressible_database(path: Path, megabytes: int) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE blobs (data BLOB)")
        connection.executemany("INSERT INTO blobs VALUES (randomblob(1048576))", [()] * megabytes)
    return path


def test_a_backup_killed_while_being_stored_is_never_listed(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    database = make_incompressible_database(start_server.tmp_path / "large.sqlite", 64)
    server = start_server(database=database)

    with (
        server.client() as client,
        connect_sse(client.get_httpx_client(), "POST", "/backups/create/streamed", json={}) as source,
    ):
        for event in source.iter_sse():
            if event.event == "progress" and 50 < event.json()["percentage"] < 100:
                server.process.kill()  # while the data is being compressed and stored
                break

    restarted = start_server(
        database=database, data_dir=server.data_dir, environment={"BACKUPS_LEFTOVER_AGE": "0"}
    )

    with restarted.client() as client:
        listing = backups_snapshot.sync(client=client)
        assert isinstance(listing, Backups)
        for backup in listing.iterable:  # only if the backup won the race against the kill
            restore(store.store, backup.id, start_server.tmp_path / f"{backup.id}.sqlite")
        listed = {backup.id for backup in listing.iterable}
        leftovers = [
            item.name for item in store.store.list("backups/") if item.name.split("/")[1] not in listed
        ]
        assert leftovers == []
        assert list((server.data_dir / "tmp").iterdir()) == []

        after = backups_create_new_backup.sync(client=client)
        assert isinstance(after, Backup)
        restore(store.store, after.id, start_server.tmp_path / "after.sqlite")
