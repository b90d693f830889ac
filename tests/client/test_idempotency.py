"""Idempotency-Key on the live server: a repeated create makes no second backup, whichever way it
is repeated, and one API key never sees another's keys."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import httpx
import pytest

from backups_api_client import AuthenticatedClient, errors
from backups_api_client.api.backups import (
    backups_create_new_backup,
    backups_create_new_backup_streamed,
    backups_snapshot,
)
from backups_api_client.client import Clock
from backups_api_client.models import (
    EmbeddedModelSchema,
    EmbeddedModelSchemaSemanticVersionEnum,
    SeededBackup,
)
from tests.server.held_store import MODULE, StoreHold

if TYPE_CHECKING:
    from tests.helpers import LiveServer, ServerFactory

OTHER_KEY = "another-client-key-4b1d"


def listed(client: AuthenticatedClient) -> list[str]:
    return [backup.id for backup in backups_snapshot.sync(client=client).iterable]


def test_a_repeated_create_answers_the_backup_of_the_first(client: AuthenticatedClient) -> None:
    key = str(uuid.uuid4())

    first = backups_create_new_backup.sync(client=client, idempotency_key=key)
    again = backups_create_new_backup.sync(client=client, idempotency_key=key)
    quoted = backups_create_new_backup.sync(client=client, idempotency_key=f'"{key}"')
    streamed = backups_create_new_backup_streamed.sync(client=client, idempotency_key=key)
    with backups_create_new_backup_streamed.stream(client=client, idempotency_key=key) as events:
        final = events.final()

    assert first.id == again.id == quoted.id
    assert streamed.backup == final.backup == first
    assert listed(client) == [first.id]


def test_each_call_without_a_key_of_its_own_gets_a_fresh_one(client: AuthenticatedClient) -> None:
    first = backups_create_new_backup.sync(client=client)
    second = backups_create_new_backup.sync(client=client)

    assert first.id != second.id
    assert listed(client) == [second.id, first.id]


def test_the_same_key_with_another_body_is_refused(client: AuthenticatedClient) -> None:
    key = str(uuid.uuid4())
    backups_create_new_backup.sync(client=client, idempotency_key=key, body=SeededBackup())
    schema = EmbeddedModelSchema(
        migration=1, semantic=EmbeddedModelSchemaSemanticVersionEnum.MAJOR_0_MINOR_0_PATCH_1
    )

    with pytest.raises(errors.IdempotencyKeyReusedError) as refused:
        backups_create_new_backup.sync(client=client, idempotency_key=key, body=SeededBackup(schema=schema))

    assert refused.value.status_code == 422
    assert refused.value.text == f"Idempotency-Key {key} was used for another request"
    assert len(listed(client)) == 1


def test_the_keys_of_one_api_key_are_invisible_to_another(start_server: ServerFactory) -> None:
    server = start_server(environment={"BACKUPS_API_KEY": f"{OTHER_KEY},test-key-7f3a9c"})
    key = str(uuid.uuid4())

    with server.client() as mine, AuthenticatedClient(base_url=server.url, token=OTHER_KEY) as theirs:
        my_backup = backups_create_new_backup.sync(client=mine, idempotency_key=key)
        with (
            pytest.raises(errors.StreamGoneError),
            backups_create_new_backup_streamed.stream(client=theirs, idempotency_key=key, last_event_id="1"),
        ):
            pass
        their_backup = backups_create_new_backup.sync(
            client=theirs, idempotency_key=key, body=SeededBackup(schema=None)
        )

        assert my_backup.id != their_backup.id
        assert sorted(listed(mine)) == sorted([my_backup.id, their_backup.id])


def test_resuming_needs_the_key_of_a_known_job(server: LiveServer) -> None:
    headers = {"X-Application-ID": server.api_key, "Accept": "text/event-stream", "Last-Event-ID": "2"}
    url = f"{server.url}/backups/create/streamed"

    unknown = httpx.post(url, headers={**headers, "Idempotency-Key": "never-used"})
    assert (unknown.status_code, unknown.text) == (
        410,
        "Idempotency-Key never-used names no job whose events can be resumed",
    )
    assert httpx.get(f"{server.url}/backups", headers=headers).json()["iterable"] == []

    alone = httpx.post(url, headers=headers)  # nothing to resume: a new backup, from its first event
    assert alone.status_code == 200
    assert alone.text.startswith("retry: 1000\nid: 1\nevent: progress\n")
    assert len(httpx.get(f"{server.url}/backups", headers=headers).json()["iterable"]) == 1


@pytest.mark.copies
def test_a_create_retried_after_a_client_timeout_leaves_one_backup(start_server: ServerFactory) -> None:
    """The first attempt times out while the store holds the backup; the retry, with the same key,
    waits for that backup instead of starting another."""
    hold = StoreHold(start_server.tmp_path / "hold", after=1)
    server = start_server(module=MODULE, environment=hold.environment)
    waits: list[float] = []

    def release_the_store(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:  # the hold holds once; a later retry finds the store free
            with hold.held():
                pass

    client = AuthenticatedClient(
        base_url=server.url, token=server.api_key, timeout=1.0, clock=Clock(sleep=release_the_store)
    )
    with client:
        backup = backups_create_new_backup.sync(client=client, timeout=httpx.Timeout(5, read=1))
        assert listed(client) == [backup.id]
    assert waits
