"""A scripted ASGI server for the stream tests: each request names its script in `X-Script`.

A script writes the answer through a `Reply`. The app counts the answers still running and
watches for the client closing the connection while one runs, so a test can tell that an answer
has ended, and whether the client ended it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
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

    def __init__(self, send: Send, headers: Mapping[str, str], body: bytes) -> None:
        self.headers = headers
        self.body = body
        self._send = send
        self.started = False

    async def start(
        self,
        status: int = 200,
        content_type: str = "text/event-stream",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        fields = {"content-type": content_type, "cache-control": "no-cache", **(headers or {})}
        raw = [(name.encode(), value.encode()) for name, value in fields.items()]
        await self._send({"type": "http.response.start", "status": status, "headers": raw})
        self.started = True

    async def write(self, body: bytes) -> None:
        if not self.started:
            await self.start()
        await self._send({"type": "http.response.body", "body": body, "more_body": True})


Script = Callable[[Reply], Awaitable[None]]


@dataclass
class Exchange:
    """One request, and whether its client left before the answer ended."""

    method: str
    target: str
    """The path as sent, and the query."""
    headers: dict[str, str]
    client_left: bool = False


class ScriptedApp:
    """Answers each request with the script named by its `X-Script` header."""

    def __init__(self, scripts: Mapping[str, Script]) -> None:
        self.scripts = scripts
        self.exchanges: list[Exchange] = []
        self._running = 0
        self._changed = threading.Condition()

    def wait_until_idle(self, timeout: float = 10) -> bool:
        """Whether every answer has ended (or its client left) within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self._running == 0, timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        query = scope["query_string"].decode()
        target = scope["raw_path"].decode() + (f"?{query}" if query else "")
        exchange = Exchange(scope["method"], target, headers)
        self.exchanges.append(exchange)
        self._count(+1)
        try:
            reply = Reply(send, headers, await self._read_body(receive))
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._watch_for_disconnect, receive, exchange, tasks.cancel_scope)
                await self.scripts[headers["x-script"]](reply)
                if not reply.started:
                    await reply.start()
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                tasks.cancel_scope.cancel()
        finally:
            self._count(-1)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        return body

    async def _watch_for_disconnect(
        self, receive: Receive, exchange: Exchange, scope: anyio.CancelScope
    ) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        exchange.client_left = True
        scope.cancel()

    def _count(self, change: int) -> None:
        with self._changed:
            self._running += change
            self._changed.notify_all()
