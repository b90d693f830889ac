"""The four Backups operations through the generated client, against a live server, on each store."""

from __future__ import annotations

import re
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from httpx_sse import connect_sse

import backups_server
from backups_api_client import errors
from backups_api_client.api.backups import (
    backups_create_new_backup,
    backups_create_new_backup_streamed,
    backups_delete_specific_backup,
    backups_snapshot,
)
from backups_api_client.models import (
    Backup,
    Backups,
    BackupsIndices,
    BackupStreamedProgress,
    ModelDownloadProgressStatusEnum,
    PlatformEnum,
    SeededBackup,
)
from backups_server.storage.layout import objects_of
from tests.helpers import DEVICE_NAME

if TYPE_CHECKING:
    from pathlib import Path

    from backups_api_client import AuthenticatedClient
    from tests.helpers import LiveServer, ServerFactory

pytestmark = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)

PLATFORMS = {"linux": PlatformEnum.LINUX, "darwin": PlatformEnum.MACOS, "win32": PlatformEnum.WINDOWS}


def create(client: AuthenticatedClient) -> Backup:
    backup = backups_create_new_backup.sync(client=client, body=SeededBackup())
    assert isinstance(backup, Backup), backup
    return backup


def listing(client: AuthenticatedClient) -> Backups:
    backups = backups_snapshot.sync(client=client)
    assert isinstance(backups, Backups), backups
    return backups


def database_bytes(database: Path) -> int:
    with closing(sqlite3.connect(database)) as connection:
        pages: int = connection.execute("PRAGMA page_count").fetchone()[0]
        page_size: int = connection.execute("PRAGMA page_size").fetchone()[0]
    return pages * page_size


def test_create_answers_a_truthful_backup(
    client: AuthenticatedClient, server: LiveServer, spec: dict[str, Any]
) -> None:
    backup = create(client)

    assert backup.version == backups_server.__version__
    assert backup.id == f"{backup.version}_{backup.timestamp}"
    assert re.fullmatch(spec["components"]["parameters"]["backup"]["schema"]["pattern"], backup.id)
    assert backup.bytes_ == database_bytes(server.database)
    assert backup.device_name == DEVICE_NAME
    assert backup.platform == PLATFORMS.get(sys.platform, PlatformEnum.UNKNOWN)
    assert backup.created.value == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        microseconds=int(backup.timestamp)
    )
    assert isinstance(backup.created.readable, str)
    assert backup.created.readable.startswith("Today - ")


def test_list_shows_every_backup_newest_first(client: AuthenticatedClient) -> None:
    assert listing(client).iterable == []
    created = [create(client) for _ in range(3)]

    backups = listing(client)

    assert [backup.id for backup in backups.iterable] == [backup.id for backup in reversed(created)]
    assert isinstance(backups.indices, BackupsIndices)
    assert backups.indices.to_dict() == {backup.id: index for index, backup in enumerate(backups.iterable)}
    assert [backup.to_dict() for backup in backups.iterable] == [
        backup.to_dict() for backup in reversed(created)
    ]


def test_concurrent_requests_each_get_a_listed_backup(server: LiveServer) -> None:
    def create_one(_: int) -> str:
        with server.client() as client:
            return create(client).id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(create_one, range(6)))

    with server.client() as client:
        listed = [backup.id for backup in listing(client).iterable]
    assert sorted(listed) == sorted(set(ids))  # requests that waited together share a backup


def test_delete_removes_the_backup_and_its_data(client: AuthenticatedClient, server: LiveServer) -> None:
    kept, deleted = create(client), create(client)

    response = backups_delete_specific_backup.sync_detailed(deleted.id, client=client)

    assert response.status_code == 204
    assert [backup.id for backup in listing(client).iterable] == [kept.id]
    assert objects_of(server.store.store, deleted.id) == []
    assert objects_of(server.store.store, kept.id) != []
    with pytest.raises(errors.NotFoundError) as again:
        backups_delete_specific_backup.sync(deleted.id, client=client)
    assert again.value.text == f"Backup {deleted.id} was not found"


def test_streamed_answers_the_final_state_as_json_by_default(client: AuthenticatedClient) -> None:
    response = backups_create_new_backup_streamed.sync_detailed(client=client)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    progress = response.parsed
    assert isinstance(progress, BackupStreamedProgress)
    assert progress.status == ModelDownloadProgressStatusEnum.COMPLETED
    assert progress.percentage == 100
    assert isinstance(progress.backup, Backup)
    assert [backup.id for backup in listing(client).iterable] == [progress.backup.id]


def test_the_generated_client_streams_a_backup(client: AuthenticatedClient) -> None:
    with backups_create_new_backup_streamed.stream(client=client, body=SeededBackup()) as events:
        progress = list(events)
        final_event = events.last_event

    assert progress[0].status == ModelDownloadProgressStatusEnum.INITIALIZED
    assert progress[-1].status == ModelDownloadProgressStatusEnum.COMPLETED
    assert final_event is not None
    assert final_event.event == "completed"
    assert isinstance(progress[-1].backup, Backup)
    assert [backup.id for backup in listing(client).iterable] == [progress[-1].backup.id]


def test_streamed_sends_progress_events_to_an_event_stream(client: AuthenticatedClient) -> None:
    with connect_sse(client.get_httpx_client(), "POST", "/backups/create/streamed", json={}) as source:
        headers = source.response.headers
        events = list(source.iter_sse())

    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"
    assert [event.id for event in events] == [str(number) for number in range(1, len(events) + 1)]
    assert [event.event for event in events] == ["progress"] * (len(events) - 1) + ["completed"]
    progress = [BackupStreamedProgress.from_dict(event.json()) for event in events]
    assert [event.json() for event in events[:2]] == [
        {"status": "INITIALIZED", "percentage": 0},  # waiting for its turn
        {"status": "IN-PROGRESS", "percentage": 0},  # its turn has come
    ]
    middle = progress[2:-1]
    assert middle, "a backup reports progress between its start and its end"
    assert all(step.status == ModelDownloadProgressStatusEnum.IN_PROGRESS for step in middle)
    percentages = [step.percentage for step in progress]
    assert percentages == sorted(percentages, key=float)  # type: ignore[arg-type]
    assert all(0 < float(step.percentage) < 100 for step in middle)  # type: ignore[arg-type]
    final = progress[-1]
    assert final.status == ModelDownloadProgressStatusEnum.COMPLETED
    assert final.percentage == 100
    assert isinstance(final.backup, Backup)
    assert [backup.id for backup in listing(client).iterable] == [final.backup.id]


def test_a_backup_completes_when_the_client_disconnects_mid_stream(
    start_server: ServerFactory, server: LiveServer
) -> None:
    with (
        server.client() as client,
        connect_sse(client.get_httpx_client(), "POST", "/backups/create/streamed", json={}) as source,
    ):
        first = next(source.iter_sse())
    assert first.json()["status"] == "INITIALIZED"

    server.process.stop()  # a graceful stop waits for running backups
    restarted = start_server(database=server.database)

    with restarted.client() as client:
        backups = listing(client).iterable
    assert len(backups) == 1
    assert backups[0].bytes_ == database_bytes(server.database)
