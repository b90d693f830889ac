"""The server's logs: text for people, or JSON lines for a log shipper (`--log-format json`), each
record of a request's handling carrying the request's id, which its answer carries too (X-Request-ID).

Keys and passphrases never reach a log: no record holds one, whatever the format.
"""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

TEXT, JSON = "text", "json"
REQUEST_ID_HEADER = "X-Request-ID"
CHATTY = ("botocore", "boto3", "s3transfer", "connexion")
"""Libraries whose info and debug records say little to an operator: from warnings up, unless debugging."""

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def configure(level_name: str, log_format: str = TEXT) -> dict[str, Any] | None:
    """Set up the root logger at `level_name` in `log_format`; what uvicorn's `log_config` must be
    (None: uvicorn's own, for text)."""
    level = logging.getLevelName(level_name.upper())
    handler = logging.StreamHandler()
    if log_format == JSON:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}", style="{", rename_fields={"levelname": "level"}
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    handler.addFilter(_with_request_id)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    if level > logging.DEBUG:
        for chatty in CHATTY:
            logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
    if log_format != JSON:
        return None
    through_root = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {"uvicorn": through_root, "uvicorn.access": through_root},
    }


def _with_request_id(record: logging.LogRecord) -> bool:
    current = request_id.get()
    if current is not None:
        record.request_id = current
    return True


class RequestIds:
    """ASGI middleware: a new id for each request, in the logs of its handling and in its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = uuid.uuid4().hex
        token = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, current)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
