"""A scripted ASGI server for the stream tests: each request names its script in `X-Script`.

A script writes the answer through a `Reply`. The app watches for the client leaving while a
script runs, and counts the answers still running, so a test can tell that every connection it
opened was closed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def sse(data: Any, *, event: str | None = None, id: str | None = None, eol: str = "\n") -> bytes:
    """One event on the wire, its data as JSON."""
    lines = [f"id: {id}"] if id is not None else []
    lines += [f"event: {event}"] if event is not None else []
    lines.append(f"data: {json.dumps(data, ensure_ascii=False)}")
    return (eol.join(lines) + eol + eol).encode()


class Reply:
    """The answer to one request, as a script writes it."""

    def __init__(self, send: Send, headers: Mapping[str, str]) -> None:
        self.headers = headers
        self._send = send
        self.started = False

    async def start(self, status: int = 200, content_type: str = "text/event-stream") -> None:
        headers = [(b"content-type", content_type.encode()), (b"cache-control", b"no-cache")]
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        self.started = True

    async def write(self, body: bytes) -> None:
        if not self.started:
            await self.start()
        await self._send({"type": "http.response.body", "body": body, "more_body": True})


Script = Callable[[Reply], Awaitable[None]]


class ScriptedApp:
    """Answers each request with the script named by its `X-Script` header."""

    def __init__(self, scripts: Mapping[str, Script]) -> None:
        self.scripts = scripts
        self.requests: list[dict[str, str]] = []
        self.disconnects = 0
        self._running = 0
        self._changed = threading.Condition()

    def wait_until_idle(self, timeout: float = 10) -> bool:
        """Whether every answer has ended (or its client left) within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self._running == 0, timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        self.requests.append(headers)
        self._count(+1)
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._watch_for_disconnect, receive, tasks.cancel_scope)
                reply = Reply(send, headers)
                await self.scripts[headers["x-script"]](reply)
                if not reply.started:
                    await reply.start()
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                tasks.cancel_scope.cancel()
        finally:
            self._count(-1)

    async def _watch_for_disconnect(self, receive: Receive, scope: anyio.CancelScope) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.disconnects += 1
        scope.cancel()

    def _count(self, change: int) -> None:
        with self._changed:
            self._running += change
            self._changed.notify_all()
