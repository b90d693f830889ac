"""A server killed in the middle of a backup leaves nothing partial listed; what it left goes: the
scratch folder at once when a server starts, whatever its age, the store's leftovers (S3's unfinished
multipart uploads included) once they are older than the leftover age."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import pytest
from httpx_sse import connect_sse

from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup, Backups
from backups_server.engine.restore import restore
from backups_server.storage.layout import FORMAT_OBJECT, MANIFESTS, is_manifest
from backups_server.storage.s3 import PART_SIZE
from tests.helpers import make_incompressible_database, writes_under_way

from .held_store import MODULE, StoreHold

if TYPE_CHECKING:
    from tests.helpers import LiveServer, ServerFactory, StoreUnderTest

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)

KILL_AFTER = 3 * PART_SIZE
"""The server is killed once this much of the data is stored, of 64 MiB: well into storing, on
either store (S3 has had a part uploaded, so its multipart upload exists), and far from the end."""


def killed_while_storing(start_server: ServerFactory) -> LiveServer:
    """A server killed while it stores the data of a backup of a 64 MiB database."""
    database = make_incompressible_database(start_server.tmp_path / "large.sqlite", 64)
    hold = StoreHold(start_server.tmp_path / "hold", after=KILL_AFTER)
    server = start_server(database=database, module=MODULE, environment=hold.environment)
    with (
        server.client() as client,
        connect_sse(client.get_httpx_client(), "POST", "/backups/create/streamed", json={}),
        hold.held(),
    ):
        server.process.kill()
    return server


@pytest.mark.copies
def test_a_backup_killed_while_being_stored_is_never_listed(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    server = killed_while_storing(start_server)
    database = server.database

    assert server.process.process.returncode == -signal.SIGKILL
    assert [item.name for item in store.store.list(MANIFESTS) if is_manifest(item.name)] == []
    assert writes_under_way(store) != []
    assert [path.name for path in (server.data_dir / "tmp").glob("*/snapshot.sqlite")] == ["snapshot.sqlite"]

    restarted = start_server(
        database=database, data_dir=server.data_dir, environment={"BACKUPS_LEFTOVER_AGE": "0"}
    )

    with restarted.client() as client:
        listing = backups_snapshot.sync(client=client)
        assert isinstance(listing, Backups)
        assert listing.iterable == []
        assert [item.name for item in store.store.list("")] == [FORMAT_OBJECT]
        assert list((server.data_dir / "tmp").iterdir()) == []

        after = backups_create_new_backup.sync(client=client)
        assert isinstance(after, Backup)
        restore(store.store, after.id, start_server.tmp_path / "after.sqlite")


@pytest.mark.copies
def test_after_a_kill_the_scratch_folder_is_emptied_at_start_and_old_leftovers_swept(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    server = killed_while_storing(start_server)
    assert list((server.data_dir / "tmp").glob("*/snapshot.sqlite")) != []
    assert writes_under_way(store) != []

    young = start_server(database=server.database, data_dir=server.data_dir)  # leftovers under an hour old

    assert list((server.data_dir / "tmp").iterdir()) == []
    if store.kind == "folder":  # moto dates every multipart upload from 2010, so none is young there
        assert writes_under_way(store) != []
    young.process.stop()

    start_server(
        database=server.database, data_dir=server.data_dir, environment={"BACKUPS_LEFTOVER_AGE": "0"}
    )

    assert writes_under_way(store) == []
    assert store.store.list(MANIFESTS) == []
