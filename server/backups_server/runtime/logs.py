"""The server's logs: text for people, or JSON lines for a log shipper (`--log-format json`), each
record of a request's handling carrying the request's id, which its answer carries too (X-Request-ID,
set by `api.app.RequestIds`).

Keys and passphrases never reach a log: no record holds one, whatever the format.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

TEXT, JSON = "text", "json"
CHATTY = ("botocore", "boto3", "s3transfer", "connexion")
"""Libraries whose info and debug records say little to an operator: from warnings up, unless debugging."""

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def configure(level_name: str, log_format: str = TEXT) -> dict[str, Any] | None:
    """Set up the root logger at `level_name` in `log_format`; what uvicorn's `log_config` must be
    (None: uvicorn's own, for text)."""
    level = logging.getLevelName(level_name.upper())
    handler = logging.StreamHandler()
    if log_format == JSON:
        fields = "{asctime}{levelname}{name}{message}"
        unshipped = [*RESERVED_ATTRS, "color_message"]  # uvicorn's copy of the message, with terminal colors
        handler.setFormatter(
            JsonFormatter(fields, style="{", rename_fields={"levelname": "level"}, reserved_attrs=unshipped)
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
