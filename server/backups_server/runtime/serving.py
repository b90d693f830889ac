"""How the application is served: uvicorn, with limits that slow, idle and greedy clients cannot get past.

uvicorn bounds neither the time a client takes to send a request, nor the size of its head, nor
the number of connections: a client sending its headers a byte a second is held for ever, and a
thousand idle sockets take every file descriptor. `GuardedProtocol`, uvicorn's httptools protocol
with these limits added, keeps the server answering:

- a request's head must arrive within `head_timeout` seconds of the connection or of the previous
  response, and its body within `body_timeout` seconds of its head; a late client is cut off;
- a head is at most `max_head_bytes`;
- at most `max_connections` connections are open: beyond it the connection that has waited
  longest for a request is closed to make room (as nginx reuses idle connections), and when every
  connection has a request under way, the new one is answered 503 with `Retry-After`;
- at most `max_requests` requests are handled at once; beyond it, 503 with `Retry-After`.

`max_connections` is also kept below the process's limit of open files, with room for the files
the backups themselves open, so no number of sockets can exhaust the descriptors.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable
    from types import FrameType

    from starlette.types import ASGIApp, Receive, Scope, Send
    from uvicorn.server import ServerState

log = logging.getLogger(__name__)

RESERVED_FILES = 128
"""File descriptors kept out of reach of connections: for databases, scratch files and the store."""

REFUSED_OVERFLOW = 32
"""Connections accepted beyond `max_connections` only to be answered 503; past these, closed at once."""

SHUTDOWN_GRACE = 2.0
"""Seconds the streams get to send their `failed` event after a second interrupt, before the exit."""


@dataclass(frozen=True)
class Limits:
    head_timeout: float
    body_timeout: float
    max_head_bytes: int
    max_connections: int
    max_requests: int
    retry_after: int = 1
    """Seconds a client refused with 503 is told to wait."""


def file_limit() -> int:
    """The process's limit of open files, raised first to the hard limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def connection_cap(wanted: int, files: int) -> int:
    """At most `wanted` connections, and few enough that they leave RESERVED_FILES descriptors free."""
    return max(min(wanted, files - RESERVED_FILES - REFUSED_OVERFLOW), 1)


class Config(uvicorn.Config):
    """uvicorn's settings, with the limits, served by GuardedProtocol."""

    def __init__(self, app: ASGIApp, *, limits: Limits, **settings: Any) -> None:
        super().__init__(app, http=GuardedProtocol, **settings)
        self.limits = limits


class GuardedProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = config.limits
        self.waiting_since: float | None = None
        """When the connection started waiting for a request's head; None while a request is handled."""
        self._head_bytes = 0
        self._over_capacity = False
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections and not self._close_longest_waiting():
            if len(self.connections) > self.limits.max_connections + REFUSED_OVERFLOW:
                transport.abort()
                return
            self._over_capacity = True
        self._wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.waiting_since = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.waiting_since is not None:
            self._head_bytes += len(data)
        super().data_received(data)
        if self.waiting_since is not None and self._head_bytes > self.limits.max_head_bytes:
            self._answer(431, f"Request header fields are larger than {self.limits.max_head_bytes} bytes")

    def on_headers_complete(self) -> None:
        self.waiting_since = None
        self._arm(self.limits.body_timeout, self._body_timed_out)
        if self._over_capacity or len(self.tasks) >= self.limits.max_requests:
            log.warning("refused a request with 503: %d connections, %d requests", *self._load())
            app, self.app = self.app, self._busy
            try:
                super().on_headers_complete()
            finally:
                self.app = app
        else:
            super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None:  # idle: no pipelined request follows
            self._wait_for_head()

    def _wait_for_head(self) -> None:
        self.waiting_since = self.loop.time()
        self._head_bytes = 0
        self._arm(self.limits.head_timeout, self.transport.close)

    def _body_timed_out(self) -> None:
        if self.cycle is not None and not self.cycle.response_started:
            self.cycle.disconnected = True
            self._answer(408, f"Request body not received within {self.limits.body_timeout:g} seconds")
        else:
            self.transport.close()

    def _arm(self, delay: float, callback: Callable[[], None]) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(delay, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _close_longest_waiting(self) -> bool:
        """Close the connection that has waited longest for a request's head, if any but this one."""
        waiting = [
            connection
            for connection in self.connections
            if isinstance(connection, GuardedProtocol)
            and connection is not self
            and connection.waiting_since is not None
        ]
        if not waiting:
            return False
        longest = min(waiting, key=lambda connection: connection.waiting_since or 0.0)
        longest.waiting_since = None
        longest.transport.close()
        return True

    def _load(self) -> tuple[int, int]:
        return len(self.connections), len(self.tasks)

    async def _busy(self, _scope: Scope, _receive: Receive, send: Send) -> None:
        text = b"The server is busy; retry later"
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(text)).encode()),
            (b"retry-after", str(self.limits.retry_after).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": text})

    def _answer(self, status: int, text: str) -> None:
        """Answer at once, outside any application, and close the connection."""
        self._disarm()
        self.waiting_since = None
        if self.transport.is_closing():
            return
        body = text.encode()
        head = [
            f"HTTP/1.1 {status} {_REASONS[status]}",
            "content-type: text/plain; charset=utf-8",
            f"content-length: {len(body)}",
            "connection: close",
        ]
        self.transport.write("\r\n".join(head).encode() + b"\r\n\r\n" + body)
        self.transport.close()


_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large"}


class Server(uvicorn.Server):
    """uvicorn's server, where a second interrupt first ends every running stream with a word.

    The first SIGINT or SIGTERM stops taking connections and waits for the running requests, as
    uvicorn does. A second SIGINT calls `on_abandon` (which fails what runs, with a message), gives
    the streams SHUTDOWN_GRACE seconds to send it, then exits without waiting any longer.
    """

    def __init__(self, config: Config, on_abandon: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_abandon = on_abandon
        self._loop: asyncio.AbstractEventLoop | None = None
        self._abandoned = False

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT and not self._abandoned and self._loop is not None:
            log.warning("interrupted again: failing every running backup, then exiting")
            self._abandoned = True
            self._loop.call_soon_threadsafe(self._abandon)
            return
        super().handle_exit(sig, frame)

    def _abandon(self) -> None:
        self._on_abandon()
        asyncio.get_running_loop().call_later(SHUTDOWN_GRACE, self._exit_now)

    def _exit_now(self) -> None:
        self.force_exit = True


def serve(config: Config, listener: socket.socket, *, on_abandon: Callable[[], None]) -> bool:
    """Serve on the bound `listener` until interrupted; returns whether the server started."""
    server = Server(config, on_abandon)
    server.run(sockets=[listener])
    return server.started
