"""The client object: BackupsClient and AsyncBackupsClient, with a resource per group of operations and a
method per operation, configured from its arguments or the environment."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import anyio
import httpx
import pytest

from backups_api_client import AsyncBackupsClient, BackupsClient, errors
from backups_api_client.models import BackupStatusEnum, ModelDownloadProgressStatusEnum

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer

ENVIRONMENT = ("BACKUPS_API_URL", "BACKUPS_API_KEY", "BACKUPS_API_KEY_FILE")


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def test_every_operation_through_the_client_object(server: LiveServer) -> None:
    with BackupsClient(base_url=server.url, api_key=server.api_key) as client:
        assert client.health() == "ok"
        created = client.backups.create()
        with client.backups.create_streamed() as events:
            streamed = events.final()
        assert streamed.backup
        second = streamed.backup.id
        listed = [backup.id for backup in client.backups.list().iterable]
        fetched = client.backups.get(created.id)
        creation = client.backups.creation_status(created.id)
        with pytest.raises(errors.NothingToCancelError):
            client.backups.cancel_creation(created.id)
        restored = client.backups.restore(created.id)
        with client.backups.restore_streamed(second) as events:
            restored_streamed = events.final()
        restoration = client.backups.restoration_status(second)
        with pytest.raises(errors.NothingToCancelError):
            client.backups.cancel_restoration(second)
        client.backups.delete(created.id)
        with pytest.raises(errors.NotFoundError):
            client.backups.get(created.id)

    assert sorted(listed) == sorted([created.id, second])
    assert fetched.id == created.id
    assert creation.value == BackupStatusEnum.COMPLETED
    assert restored.id == created.id
    assert restored_streamed.status == ModelDownloadProgressStatusEnum.COMPLETED
    assert restoration.value == BackupStatusEnum.COMPLETED


def test_the_async_client_object(server: LiveServer) -> None:
    async def use() -> tuple[str, list[str], list[object]]:
        async with AsyncBackupsClient(base_url=server.url, api_key=server.api_key) as client:
            health = await client.health()
            percentages: list[object] = []
            async with client.backups.create_streamed() as events:
                async for progress in events:
                    percentages.append(progress.percentage)
            listing = await client.backups.list()
            return health, [backup.id for backup in listing.iterable], percentages

    health, listed, percentages = anyio.run(use)

    assert health == "ok"
    assert len(listed) == 1
    assert percentages[-1] == 100


def test_the_settings_come_from_the_environment(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKUPS_API_URL", server.url)
    monkeypatch.setenv("BACKUPS_API_KEY", server.api_key)
    with BackupsClient() as client:
        from_variable = client.backups.list()

    key_file = tmp_path / "key"
    key_file.write_text(server.api_key + "\n")
    monkeypatch.setenv("BACKUPS_API_KEY", "not-the-key")
    monkeypatch.setenv("BACKUPS_API_KEY_FILE", str(key_file))
    with BackupsClient() as client:
        from_file = client.backups.list()

    assert from_variable.iterable == from_file.iterable == []


def test_without_a_key_an_operation_that_needs_one_says_how_to_give_it(server: LiveServer) -> None:
    with BackupsClient(base_url=server.url) as client:
        health = client.health()
        with pytest.raises(errors.MissingAPIKeyError) as missing:
            client.backups.list()

    assert health == "ok"
    assert "api_key=" in str(missing.value)
    assert "BACKUPS_API_KEY" in str(missing.value)


def test_options_per_call_and_derived_objects_leave_the_original_as_it_was() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"iterable": []})

    client = BackupsClient(
        base_url="http://api.test",
        api_key="key",
        headers={"X-Team": "a"},
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    derived = client.with_options(timeout=3, max_retries=7, max_reconnections=1, headers={"X-Team": "b"})
    with client:
        client.backups.list(timeout=2.5, extra_headers={"X-Trace": "t1"})
        client.backups.list()

    assert [request.headers["X-Team"] for request in sent] == ["a", "a"]
    assert sent[0].headers["X-Application-ID"] == "key"
    assert sent[0].extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert (sent[0].headers["X-Trace"], "X-Trace" in sent[1].headers) == ("t1", False)
    assert type(derived) is BackupsClient
    assert derived.module_client is not client.module_client
    assert (derived.module_client.max_retries, derived.module_client.max_reconnections) == (7, 1)
    assert client.module_client.max_retries == 2
    assert derived.backups.list().iterable == []


def test_a_body_is_sent_only_when_one_of_its_fields_is_given() -> None:
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(204)

    transport = httpx.MockTransport(answer)
    with BackupsClient(
        base_url="http://api.test", api_key="key", httpx_args={"transport": transport}
    ) as client:
        client.backups.delete("1.0.0_1")
        with pytest.raises(TypeError):
            client.backups.delete("1.0.0_1", device_name="only one of the fields the model requires")

    assert bodies == [b""]


USER_SCRIPT = """\
from typing import reveal_type

from backups_api_client import BackupsClient, errors
from backups_api_client.models import Backup, Backups, BackupStreamedProgress


def main(url: str, key: str) -> None:
    with BackupsClient(base_url=url, api_key=key, timeout=30, max_retries=3) as client:
        reveal_type(client.backups.list())
        created: Backup = client.backups.create()
        listing: Backups = client.backups.list()
        print(created.id, created.bytes_, [backup.id for backup in listing.iterable])
        try:
            with client.backups.create_streamed() as events:
                for progress in events:
                    print(progress.status, progress.percentage)
        except errors.StreamFailed as failure:
            print(failure.message)
        with client.backups.restore_streamed(created.id) as restoring:
            final: BackupStreamedProgress = restoring.final()
        print(final.status)
        client.backups.delete(created.id)


if __name__ == "__main__":
    import sys

    main(sys.argv[1], sys.argv[2])
"""


def test_a_user_script_of_the_client_object_type_checks_strictly_and_runs(
    tmp_path: Path, server: LiveServer
) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT)
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(script)]
    checked = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)

    assert checked.returncode == 0, checked.stdout
    assert 'Revealed type is "backups_api_client.models.backups.Backups"' in checked.stdout
    assert not any(word in USER_SCRIPT for word in ("cast(", "assert ", "isinstance(", "ignore"))
    ran = subprocess.run(
        [sys.executable, str(script), server.url, server.api_key], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[-1] == "COMPLETED"
