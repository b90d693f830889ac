"""A server killed in the middle of a backup leaves nothing partial listed, and cleans up after restart."""

from __future__ import annotations

import signal
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest
from httpx_sse import connect_sse

from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup, Backups
from backups_server.restore import restore
from backups_server.store import S3Store

if TYPE_CHECKING:
    from pathlib import Path

    from ..conftest import ServerFactory, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)

KILL_AT = 80
"""The percentage from which the server is killed: well into storing, on either store (S3 has
started its multipart upload), and far enough from the end that the backup cannot finish first."""


def make_incompressible_database(path: Path, megabytes: int) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE blobs (data BLOB)")
        connection.executemany("INSERT INTO blobs VALUES (randomblob(1048576))", [()] * megabytes)
    return path


def writes_under_way(store: StoreUnderTest) -> list[str]:
    """What the store holds of unfinished writes: `.partial` files of a folder, multipart uploads of S3."""
    if isinstance(store.store, S3Store):
        s3 = store.store
        uploads = s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.prefix).get("Uploads", [])
        return [upload["Key"] for upload in uploads]
    return [item.name for item in store.store.list("data/") if item.name.endswith(".partial")]


def test_a_backup_killed_while_being_stored_is_never_listed(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    database = make_incompressible_database(start_server.tmp_path / "large.sqlite", 64)
    server = start_server(database=database)

    killed_at = None
    with (
        server.client() as client,
        connect_sse(client.get_httpx_client(), "POST", "/backups/create/streamed", json={}) as source,
    ):
        for event in source.iter_sse():
            if event.event == "progress" and KILL_AT <= event.json()["percentage"] < 100:
                server.process.kill()
                killed_at = event.json()["percentage"]
                break

    assert killed_at is not None, f"no progress event from {KILL_AT} % on: the server was never killed"
    assert server.process.process.returncode == -signal.SIGKILL
    assert [item.name for item in store.store.list("backups/") if item.name.endswith("/manifest.json")] == []
    assert writes_under_way(store) != []
    assert [path.name for path in (server.data_dir / "tmp").glob("*/snapshot.sqlite")] == ["snapshot.sqlite"]

    restarted = start_server(
        database=database, data_dir=server.data_dir, environment={"BACKUPS_LEFTOVER_AGE": "0"}
    )

    with restarted.client() as client:
        listing = backups_snapshot.sync(client=client)
        assert isinstance(listing, Backups)
        assert listing.iterable == []
        assert [item.name for item in store.store.list("")] == ["format.json"]
        assert list((server.data_dir / "tmp").iterdir()) == []

        after = backups_create_new_backup.sync(client=client)
        assert isinstance(after, Backup)
        restore(store.store, after.id, start_server.tmp_path / "after.sqlite")
