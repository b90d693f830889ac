"""A clock for the generated client that records the waits it is asked for and waits for none."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from backups_api_client.client import Clock

if TYPE_CHECKING:
    from collections.abc import Callable


class Waits:
    """Records each wait; in async code (`is_async`), a blocking wait is an error. `now` is the
    time the clock reads."""

    def __init__(self, is_async: bool = False, now: Callable[[], float] = time.time) -> None:
        self.waits: list[float] = []
        self.is_async = is_async
        self._now = now

    def sleep(self, seconds: float) -> None:
        assert not self.is_async, "an async call waited with a blocking sleep"
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def clock(self) -> Clock:
        return Clock(now=self._now, sleep=self.sleep, asleep=self.asleep)


def in_backoff(waits: list[float]) -> bool:
    """Whether each wait is the backoff of its retry: 0.5 s doubled each time up to 8 s, less up to
    a quarter."""
    return all(0.75 * min(0.5 * 2**n, 8) <= wait <= min(0.5 * 2**n, 8) for n, wait in enumerate(waits))
