"""Fixtures of the docs tests; `live_server`, the running reference server, is in tests/conftest.py."""

from __future__ import annotations

from typing import Protocol


class LiveServer(Protocol):
    """What the examples need from the running reference server."""

    url: str
    api_key: str
