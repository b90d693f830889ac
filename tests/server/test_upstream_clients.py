"""Clients generated from the upstream Pieces spec by other generators work unchanged.

The requests below are shaped like theirs: the official Python SDK (`pieces-os-client`, made by
openapi-generator) sends `Accept: application/json`, always `Content-Type: application/json` (even
with no body), the key in `X-Application-ID`, and `null` for optional fields set to None;
typescript-fetch omits unset fields and sends no body for an absent one. Responses are read the
way they read them: by the upstream field names.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.helpers import LiveServer

UPSTREAM_BACKUP_FIELDS = {"id", "version", "timestamp", "bytes", "created", "device_name", "platform"}
UPSTREAM_PLATFORMS = {"WEB", "MACOS", "LINUX", "WINDOWS", "FUCHSIA", "IOS", "ANDROID", "UNKNOWN"}
UPSTREAM_STATUSES = {"INITIALIZED", "IN-PROGRESS", "COMPLETED", "FAILED", "UNKNOWN", "CANCELED", "RESET"}

CLIENTS: dict[str, dict[str, Any]] = {
    "python-sdk": {
        "headers": {"User-Agent": "OpenAPI-Generator/1.0.0/python", "Accept": "application/json"},
        "seeded": {"schema": None},
        "nulls": True,
    },
    "typescript-fetch": {
        "headers": {"User-Agent": "pieces-typescript", "Accept": "application/json"},
        "seeded": None,
        "nulls": False,
    },
    "csharp": {
        "headers": {"User-Agent": "OpenAPI-Generator/1.0.0/csharp", "Accept": "application/json"},
        "seeded": {},
        "nulls": False,
    },
}


@pytest.fixture(params=sorted(CLIENTS))
def upstream_client(
    request: pytest.FixtureRequest, server: LiveServer
) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    shape = CLIENTS[request.param]
    headers = {
        "X-Application-ID": server.api_key,
        "Content-Type": "application/json",
        **shape["headers"],
    }
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        yield client, shape


def send(client: httpx.Client, path: str, body: dict[str, Any] | None) -> httpx.Response:
    return client.post(path, json=body) if body is not None else client.post(path)


def assert_upstream_backup(backup: dict[str, Any]) -> None:
    assert set(backup) >= UPSTREAM_BACKUP_FIELDS
    assert isinstance(backup["timestamp"], str)
    assert isinstance(backup["bytes"], int | float)
    assert backup["platform"] in UPSTREAM_PLATFORMS
    datetime.fromisoformat(backup["created"]["value"])


def test_an_upstream_client_runs_every_backups_operation(
    upstream_client: tuple[httpx.Client, dict[str, Any]],
) -> None:
    client, shape = upstream_client

    created = send(client, "/backups/create", shape["seeded"])
    assert created.status_code == 200
    assert created.headers["content-type"] == "application/json"
    assert_upstream_backup(created.json())

    streamed = send(client, "/backups/create/streamed", shape["seeded"])
    assert streamed.status_code == 200
    assert streamed.headers["content-type"] == "application/json"
    progress = streamed.json()
    assert progress["status"] in UPSTREAM_STATUSES
    assert progress["status"] == "COMPLETED"
    assert progress["percentage"] == 100
    assert_upstream_backup(progress["backup"])

    listed = client.get("/backups")
    assert listed.status_code == 200
    backups = listed.json()["iterable"]
    for backup in backups:
        assert_upstream_backup(backup)
    assert [backup["id"] for backup in backups] == [progress["backup"]["id"], created.json()["id"]]

    backup = created.json()
    if shape["nulls"]:
        backup = {**backup, "schema": None, "created": {**backup["created"], "schema": None}}
    deleted = client.post(f"/backups/{backup['id']}/delete", json=backup)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert [item["id"] for item in client.get("/backups").json()["iterable"]] == [progress["backup"]["id"]]
