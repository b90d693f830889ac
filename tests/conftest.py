"""Shared fixtures: the reference server running in a child process on 127.0.0.1, backed by a
folder store or by an S3 store (moto's server mode), and the generated client to talk to it.

- `store`: the store under test; a folder by default, `s3` through indirect parametrization:
  `@pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)`.
- `start_server(...)`: starts a server on a temporary database and `store`; stopped at teardown.
- `server`: a fresh server of its own for one test; `client`: an AuthenticatedClient for it.
- `live_server`: one server for the whole session on a folder store, for tests that change
  nothing another test could notice (authentication, validation, examples, fuzzing);
  `live_s3_server` the same on S3, and `any_live_server` each of them in turn.
- `refusing_port`: a port of 127.0.0.1 where no server is, for a server that is down.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from moto.server import ThreadedMotoServer

from backups_api_client import AuthenticatedClient
from tests.helpers import LiveServer, ServerFactory, StoreUnderTest, folder_store, s3_store, session_server
from tests.specs import SPEC_PATH, load

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder of this test run that every worker of it shares (pytest-xdist), for what is made once
    per run: what it holds is made under a file lock."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """openapi.yaml, the contract the server follows."""
    return load(SPEC_PATH)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3 endpoint on 127.0.0.1 for the whole session (moto in server mode)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    """The store under test, in the format the servers make by default, or in format 1 for a test
    marked `copies`."""
    copies = {"BACKUPS_STORE_FORMAT": "1"} if request.node.get_closest_marker("copies") else {}
    if getattr(request, "param", "folder") == "folder":
        made = folder_store(tmp_path / "store")
        yield replace(made, environment=made.environment | copies)
        return
    with s3_store(request.getfixturevalue("moto_endpoint")) as made:
        yield replace(made, environment=made.environment | copies)


@pytest.fixture
def start_server(tmp_path: Path, store: StoreUnderTest) -> Iterator[ServerFactory]:
    factory = ServerFactory(tmp_path, store)
    yield factory
    factory.stop_all()


@pytest.fixture
def server(start_server: ServerFactory) -> LiveServer:
    return start_server()


@pytest.fixture
def client(server: LiveServer) -> Iterator[AuthenticatedClient]:
    with server.client() as client:
        yield client


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("live")
    yield from session_server(root, folder_store(root / "store"))


@pytest.fixture(scope="session")
def live_s3_server(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[LiveServer]:
    with s3_store(moto_endpoint) as store:
        yield from session_server(tmp_path_factory.mktemp("live-s3"), store)


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A port of 127.0.0.1 that refuses connections: bound, never listening, while the test runs."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        port: int = bound.getsockname()[1]
        yield port


@pytest.fixture(params=["folder", "s3"])
def any_live_server(request: pytest.FixtureRequest) -> LiveServer:
    """`live_server` and `live_s3_server` in turn."""
    server: LiveServer = request.getfixturevalue(
        "live_server" if request.param == "folder" else "live_s3_server"
    )
    return server
