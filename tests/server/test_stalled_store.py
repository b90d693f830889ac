"""A store that stops answering (moto's process under SIGSTOP) fails the running backup with a
`failed` event, while the server keeps answering everything that does not need the store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import TYPE_CHECKING

import httpx
import pytest
from httpx_sse import connect_sse

from backups_server.storage.s3 import PART_SIZE
from tests.helpers import make_incompressible_database, s3_store

from .held_store import MODULE, StoreHold
from .moto_process import MotoProcess, moto_process

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.helpers import ServerFactory, StoreUnderTest

STALL_AFTER = 2 * PART_SIZE
"""The store stalls once this much of the 32 MiB of data is stored: the upload is under way."""


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
    hold = StoreHold(start_server.tmp_path / "hold", after=STALL_AFTER)
    environment = {"BACKUPS_STORE_TIMEOUT": "1", "BACKUPS_STORE_FORMAT": "1", **hold.environment}
    server = start_server(database=database, module=MODULE, environment=environment)
    key = {"X-Application-ID": server.api_key}

    with (
        ExitStack() as stalled,
        ThreadPoolExecutor(max_workers=12) as clients,
        httpx.Client(base_url=server.url, headers=key, timeout=60) as http,
        connect_sse(http, "POST", "/backups/create/streamed") as source,
    ):
        with hold.held():  # the upload goes on, to a stalled store, once the block ends
            stalled.enter_context(moto.stalled())
            listings = [clients.submit(http.get, "/backups") for _ in range(12)]
            assert httpx.get(f"{server.url}/.well-known/health", timeout=10).status_code == 200
            assert httpx.get(f"{server.url}/backups", timeout=10).status_code == 511
        received = [(event.event, event.json()) for event in source.iter_sse() if event.data]
        answered = [listing.result().status_code for listing in listings]

    assert received[-1] == (
        "failed",
        {
            "status": "FAILED",
            "percentage": received[-2][1]["percentage"],
            "message": "The backup store failed; see the server log",
        },
    )
    assert 50 < received[-2][1]["percentage"] < 100
    assert answered == [500] * 12
