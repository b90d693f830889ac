"""What interrupted backups leave goes: the scratch folder at once when a server starts, whatever
its age; the store's leftovers (S3's unfinished multipart uploads included) by a sweep that runs
periodically, once they are older than the leftover age."""

from __future__ import annotations

import io
import signal
import sqlite3
import time
from contextlib import closing
from typing import TYPE_CHECKING

import pytest
from httpx_sse import connect_sse

from backups_server.store import S3Store

if TYPE_CHECKING:
    from pathlib import Path

    from ..conftest import LiveServer, ServerFactory, StoreUnderTest

both_stores = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


def make_incompressible_database(path: Path, megabytes: int) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE blobs (data BLOB)")
        connection.executemany("INSERT INTO blobs VALUES (randomblob(1048576))", [()] * megabytes)
    return path


def unfinished_uploads(store: StoreUnderTest) -> list[str]:
    if isinstance(store.store, S3Store):
        return [write.name for write in store.store.unfinished("backups/")]
    return [item.name for item in store.store.list("backups/") if item.name.endswith(".partial")]


def kill_while_storing(server: LiveServer) -> None:
    with (
        server.client() as client,
        connect_sse(client.get_httpx_client(), "POST", "/backups/create/streamed", json={}) as source,
    ):
        for event in source.iter_sse():
            if event.event == "progress" and 80 <= event.json()["percentage"] < 100:
                server.process.kill()
                break
    assert server.process.process.returncode == -signal.SIGKILL


@both_stores
def test_after_a_kill_the_scratch_folder_is_emptied_at_start_and_unfinished_uploads_swept(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    database = make_incompressible_database(start_server.tmp_path / "large.sqlite", 48)
    server = start_server(database=database)
    kill_while_storing(server)
    assert list((server.data_dir / "tmp").glob("*/snapshot.sqlite")) != []
    assert unfinished_uploads(store) != []

    young = start_server(database=database, data_dir=server.data_dir)  # leftovers are not an hour old

    assert list((server.data_dir / "tmp").iterdir()) == []
    if store.kind == "folder":  # moto dates every multipart upload from 2010, so none is young there
        assert unfinished_uploads(store) != []
    young.process.stop()

    start_server(database=database, data_dir=server.data_dir, environment={"BACKUPS_LEFTOVER_AGE": "0"})

    assert unfinished_uploads(store) == []
    assert store.store.list("backups/") == []


def poll(condition: object, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@both_stores
def test_leftovers_are_swept_periodically_not_only_at_start(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    start_server(environment={"BACKUPS_LEFTOVER_AGE": "0", "BACKUPS_SWEEP_INTERVAL": "0.2"})
    store.store.write("backups/1.0.0_1/data.sqlite.zst", io.BytesIO(b"interrupted"))
    if isinstance(store.store, S3Store):
        s3 = store.store
        s3.client.create_multipart_upload(Bucket=s3.bucket, Key=f"{s3.prefix}backups/1.0.0_2/data.sqlite.zst")

    assert poll(lambda: store.store.list("backups/") == [] and unfinished_uploads(store) == [])
