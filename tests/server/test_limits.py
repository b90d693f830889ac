"""Slow, idle and greedy clients, on real sockets: the server cuts them off or refuses them with a
503, and keeps serving everyone else, even with more sockets open than it may have files."""

from __future__ import annotations

import resource
import socket
import sqlite3
from contextlib import ExitStack, closing, contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers import make_database

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.helpers import LiveServer, ServerFactory

QUICK = {"BACKUPS_CLIENT_TIMEOUT": "1"}


def connect(server: LiveServer) -> socket.socket:
    address = urlsplit(server.url)
    return socket.create_connection((address.hostname, address.port), timeout=30)


def answer(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def health(server: LiveServer) -> httpx.Response:
    return httpx.get(f"{server.url}/.well-known/health", timeout=30)


@contextmanager
def held_streams(server: LiveServer, count: int) -> Iterator[None]:
    """`count` streamed backups kept running (waiting for the database) while the block runs."""
    headers = {"X-Application-ID": server.api_key, "Accept": "text/event-stream"}
    with ExitStack() as stack, closing(sqlite3.connect(server.database, isolation_level=None)) as locker:
        locker.execute("BEGIN EXCLUSIVE")
        streams = []  # each open while its iterator lives
        for _ in range(count):
            response = stack.enter_context(
                httpx.stream("POST", f"{server.url}/backups/create/streamed", headers=headers, timeout=30)
            )
            assert response.status_code == 200
            streams.append(response.iter_lines())
            assert next(streams[-1]) == "retry: 1000"
        yield
        locker.execute("ROLLBACK")


def test_a_client_sending_its_head_a_byte_at_a_time_is_cut_off(start_server: ServerFactory) -> None:
    server = start_server(environment=QUICK)
    head = b"GET /.well-known/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 400 + b"\r\n\r\n"

    with connect(server) as connection:
        connection.settimeout(0.05)
        sent = 0
        for byte in head:  # 20 s at this pace, against a timeout of 1 s
            try:
                connection.sendall(bytes([byte]))
                sent += 1
                if connection.recv(1) == b"":
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break

    assert sent < len(head)


def test_a_connection_that_sends_nothing_is_closed(start_server: ServerFactory) -> None:
    server = start_server(environment=QUICK)

    with connect(server) as connection:
        assert answer(connection) == b""


def test_a_body_that_stops_short_is_408(start_server: ServerFactory) -> None:
    server = start_server(environment=QUICK)
    head = f"POST /backups/create HTTP/1.1\r\nHost: x\r\nX-Application-ID: {server.api_key}\r\n"
    head += "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n"

    with connect(server) as connection:
        connection.sendall(head.encode() + b"{}")
        received = answer(connection)

    assert received.startswith(b"HTTP/1.1 408 ")
    assert received.endswith(b"\r\n\r\nRequest body not received within 1 seconds")
    assert health(server).status_code == 200


def test_a_head_over_the_size_cap_is_431(server: LiveServer) -> None:
    with connect(server) as connection:
        connection.sendall(b"GET /backups HTTP/1.1\r\nHost: x\r\nX-Large: " + b"a" * 40_000)
        received = answer(connection)

    assert received.startswith(b"HTTP/1.1 431 ")
    assert received.endswith(b"Request header fields are larger than 32768 bytes")


def test_requests_beyond_the_limit_are_503_with_retry_after(start_server: ServerFactory) -> None:
    database = make_database(start_server.tmp_path / "journal.sqlite", journal_mode="delete")
    server = start_server(database=database, environment={"BACKUPS_MAX_REQUESTS": "1"})

    with held_streams(server, 1):
        refused = health(server)

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"].startswith("text/plain")
    assert refused.text == "The server is busy; retry later"
    assert health(server).status_code == 200


def test_beyond_the_connection_limit_an_idle_connection_makes_room_or_the_new_one_is_503(
    start_server: ServerFactory,
) -> None:
    database = make_database(start_server.tmp_path / "journal.sqlite", journal_mode="delete")
    server = start_server(database=database, environment={"BACKUPS_MAX_CONNECTIONS": "2"})

    with held_streams(server, 1), connect(server) as idle:
        assert health(server).status_code == 200
        assert answer(idle) == b""
    with held_streams(server, 2):
        refused = health(server)

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert health(server).status_code == 200


@pytest.fixture
def many_files() -> Iterator[None]:
    """Room for this process to open more sockets than the server may have files."""
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    if limits[1] != resource.RLIM_INFINITY and limits[1] < 2048:
        pytest.skip(f"this process may open only {limits[1]} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (2048, limits[1]))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, limits)


@pytest.mark.usefixtures("many_files")
def test_a_client_is_served_while_more_idle_sockets_are_open_than_the_server_may_have_files(
    start_server: ServerFactory,
) -> None:
    server = start_server(wrapper=["prlimit", "--nofile=1024:1024", "--"])

    with ExitStack() as stack:
        idle = [stack.enter_context(connect(server)) for _ in range(1100)]
        response = httpx.get(
            f"{server.url}/backups", headers={"X-Application-ID": server.api_key}, timeout=30
        )

    assert len(idle) == 1100
    assert response.status_code == 200, response.text
    assert "At most 864 connections: the limit of open files is 1024" in server.process.log.read_text()
