"""The scripted server of a test module: its `app` fixture says which scripts it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .live import serve

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .app import ScriptedApp


@pytest.fixture(scope="module")
def base_url(app: ScriptedApp) -> Iterator[str]:
    with serve(app) as url:
        yield url
