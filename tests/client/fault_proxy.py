"""A TCP proxy on 127.0.0.1 that cuts a connection where a test says, for the tests of resumption.

Each connection through the proxy takes the next of its cuts, if any is left: a function of the
bytes the server has sent so far on that connection, answering the offset after which the
connection is cut, or None while there is no cut to make yet. The proxy forwards the server's
bytes up to that offset, then closes both sides, as a network that fails mid-answer would.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from types import TracebackType
from typing import Self

Cut = Callable[[bytes], int | None]

CHUNK = 4096


class FaultProxy:
    def __init__(self, upstream: tuple[str, int], cuts: list[Cut]) -> None:
        self.upstream = upstream
        self.cuts = list(cuts)
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._start(self._accept)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        _close(self._listener)  # a shutdown wakes the accept() waiting on it
        for open_socket in self._sockets:
            _close(open_socket)
        for thread in self._threads:
            thread.join()

    def _start(self, target: Callable[..., None], *arguments: object) -> None:
        thread = threading.Thread(target=target, args=arguments, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            self.connections += 1
            cut = self.cuts.pop(0) if self.cuts else None
            self._start(_pump, client, server, None)
            self._start(_pump, server, client, cut)


def _pump(source: socket.socket, target: socket.socket, cut: Cut | None) -> None:
    """Copy `source` into `target` until either side ends, or `cut` says where to stop."""
    sent = b""
    with suppress(OSError):
        while chunk := source.recv(CHUNK):
            offset = cut(sent + chunk) if cut else None
            if offset is not None:
                target.sendall((sent + chunk)[len(sent) : offset])
                break
            target.sendall(chunk)
            if cut:
                sent += chunk
    _close(source)
    _close(target)


def _close(open_socket: socket.socket) -> None:
    with suppress(OSError):
        open_socket.shutdown(socket.SHUT_RDWR)
    open_socket.close()
