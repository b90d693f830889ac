"""A store that stops answering (moto's process under SIGSTOP) fails the running backup with a
`failed` event, while the server keeps answering everything that does not need the store."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from httpx_sse import connect_sse

from ..conftest import s3_store
from .moto_process import MotoProcess, moto_process
from .test_leftovers import make_incompressible_database

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..conftest import ServerFactory, StoreUnderTest

STALL_AT = 60
"""The percentage from which the store stalls: the upload of the compressed data is under way."""


@pytest.fixture
def moto() -> Iterator[MotoProcess]:
    with moto_process() as moto:
        yield moto


@pytest.fixture
def store(moto: MotoProcess) -> Iterator[StoreUnderTest]:
    with s3_store(moto.endpoint) as store:
        yield store


def test_a_stalled_store_fails_the_backup_and_the_server_keeps_answering(
    start_server: ServerFactory, moto: MotoProcess
) -> None:
    database = make_incompressible_database(start_server.tmp_path / "large.sqlite", 32)
    server = start_server(database=database, environment={"BACKUPS_STORE_TIMEOUT": "2"})
    key = {"X-Application-ID": server.api_key}

    with (
        ExitStack() as stalled,
        ThreadPoolExecutor(max_workers=12) as clients,
        httpx.Client(base_url=server.url, headers=key, timeout=60) as http,
        connect_sse(http, "POST", "/backups/create/streamed") as source,
    ):
        received: list[tuple[str, dict[str, Any]]] = []
        listings: list[Future[httpx.Response]] = []
        for event in source.iter_sse():
            if not event.data:
                continue  # a keep-alive comment
            received.append((event.event, event.json()))
            if event.event == "progress" and event.json()["percentage"] >= STALL_AT and not listings:
                stalled.enter_context(moto.stalled())
                listings = [clients.submit(http.get, "/backups") for _ in range(12)]
                assert httpx.get(f"{server.url}/.well-known/health", timeout=10).status_code == 200
                assert httpx.get(f"{server.url}/backups", timeout=10).status_code == 511
        answered = [listing.result().status_code for listing in listings]

    assert received[-1] == (
        "failed",
        {
            "status": "FAILED",
            "percentage": received[-2][1]["percentage"],
            "message": "The backup store failed; see the server log",
        },
    )
    assert received[-2][1]["percentage"] >= STALL_AT
    assert answered == [500] * 12
