"""The client's settings and lifecycle: derived clients never touch the one they come from, each call
may set its own timeout, retries and headers, and the package says which version it is."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from typing import TYPE_CHECKING

import anyio
import httpx
import pytest

import backups_api_client
from backups_api_client import AuthenticatedClient
from backups_api_client.api.backups import backups_snapshot
from backups_api_client.client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from tests.helpers import ROOT
from tests.specs import SPEC_PATH, load

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer

VERSION = load(SPEC_PATH)["info"]["version"]


def recording_client(sent: list[httpx.Request], **settings: object) -> AuthenticatedClient:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"iterable": []})

    return AuthenticatedClient(
        base_url="http://api.test",
        token="key",
        httpx_args={"transport": httpx.MockTransport(handler)},
        **settings,  # type: ignore[arg-type]
    )


def test_the_package_and_its_user_agent_carry_the_version_of_the_spec() -> None:
    sent: list[httpx.Request] = []
    with recording_client(sent) as client:
        backups_snapshot.sync(client=client)

    assert backups_api_client.__version__ == VERSION
    project = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text())["project"]
    assert project["version"] == VERSION
    assert sent[0].headers["User-Agent"] == f"backups-api-client/{VERSION}"


def test_derived_clients_leave_the_original_as_it_was() -> None:
    sent: list[httpx.Request] = []
    original = recording_client(sent, headers={"X-Team": "a"})
    with original:
        backups_snapshot.sync(client=original)
        derived = [
            original.with_options(timeout=3, max_retries=7, headers={"X-Team": "b"}),
            original.with_timeout(httpx.Timeout(4)),
            original.with_headers({"X-Team": "c"}),
            original.with_cookies({"session": "d"}),
        ]
        backups_snapshot.sync(client=original)

    assert original.get_httpx_client().timeout == DEFAULT_TIMEOUT
    assert original.max_retries == DEFAULT_MAX_RETRIES
    assert [request.headers["X-Team"] for request in sent] == ["a", "a"]
    assert "cookie" not in sent[1].headers
    assert derived[0].max_retries == 7
    assert derived[0].get_httpx_client().timeout == httpx.Timeout(3)
    assert derived[1].get_httpx_client().timeout == httpx.Timeout(4)
    assert derived[2].get_httpx_client().headers["X-Team"] == "c"
    assert derived[3].get_httpx_client().cookies["session"] == "d"
    assert all(client.get_httpx_client() is not original.get_httpx_client() for client in derived)


def test_each_call_may_set_its_timeout_and_headers() -> None:
    sent: list[httpx.Request] = []
    with recording_client(sent, headers={"X-Team": "a", "X-Kept": "yes"}) as client:
        backups_snapshot.sync(client=client, timeout=2.5, extra_headers={"X-Team": "b", "X-Trace": "t1"})
        backups_snapshot.sync(client=client)

    assert sent[0].extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert (sent[0].headers["X-Team"], sent[0].headers["X-Trace"], sent[0].headers["X-Kept"]) == (
        "b",
        "t1",
        "yes",
    )
    assert sent[1].extensions["timeout"] == DEFAULT_TIMEOUT.as_dict()
    assert (sent[1].headers["X-Team"], "X-Trace" in sent[1].headers) == ("a", False)


def test_close_and_aclose_close_the_connections(live_server: LiveServer) -> None:
    client = live_server.client()
    backups_snapshot.sync(client=client)
    client.close()

    async def use_and_close() -> httpx.AsyncClient:
        await backups_snapshot.asyncio(client=client)
        await client.aclose()
        return client.get_async_httpx_client()

    assert client.get_httpx_client().is_closed
    assert anyio.run(use_and_close).is_closed
    AuthenticatedClient(base_url=live_server.url, token="unused").close()  # nothing opened, nothing to close


USER_SCRIPT = """\
from backups_api_client import AuthenticatedClient, errors
from backups_api_client.api.backups import (
    backups_create_new_backup,
    backups_create_new_backup_streamed,
    backups_delete_specific_backup,
    backups_snapshot,
)
from backups_api_client.models import Backup, SeededBackup


def ids(client: AuthenticatedClient) -> list[str]:
    return [backup.id for backup in backups_snapshot.sync(client=client).iterable]


def main(url: str, key: str) -> None:
    with AuthenticatedClient(base_url=url, token=key, timeout=30, max_retries=3) as client:
        created: Backup = backups_create_new_backup.sync(client=client, body=SeededBackup())
        print(created.id, created.bytes_, ids(client))
        try:
            with backups_create_new_backup_streamed.stream(client=client) as events:
                for progress in events:
                    print(progress.status, progress.percentage)
        except errors.StreamFailed as failure:
            print(failure.message)
        backups_delete_specific_backup.sync(created.id, client=client)


if __name__ == "__main__":
    import sys

    main(sys.argv[1], sys.argv[2])
"""


def test_a_user_script_type_checks_strictly_without_casts(tmp_path: Path, server: LiveServer) -> None:
    """Listing, creating, streaming and deleting type-check under `mypy --strict`, and run: every
    call returns its model, not a union with error texts and None."""
    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT)
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(script)]
    checked = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)

    assert checked.returncode == 0, checked.stdout
    assert not any(word in USER_SCRIPT for word in ("cast(", "assert ", "isinstance(", "ignore"))
    ran = subprocess.run(
        [sys.executable, str(script), server.url, server.api_key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[-1] == "COMPLETED 100"


@pytest.mark.parametrize("status", [200, 204])
def test_a_response_keeps_any_status_as_an_int(status: int) -> None:
    client = AuthenticatedClient(
        base_url="http://api.test",
        token="key",
        httpx_args={
            "transport": httpx.MockTransport(lambda _: httpx.Response(status, json={"iterable": []}))
        },
    )
    with client:
        response = backups_snapshot.sync_detailed(client=client)

    assert type(response.status_code) is int
    assert response.status_code == status
