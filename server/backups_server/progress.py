"""A backup's progress as one fraction: the snapshot first, then compressing and storing it."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

SNAPSHOT_SHARE = 0.5
"""The part of a backup's progress that the snapshot accounts for; compressing and storing is the rest."""


class BackupProgress:
    """Turns the byte counts of each step of a backup into the fraction done, passed to `report`.

    Compressed bytes are stored as they come, so the second half of the progress is the bytes
    stored out of the total that the compression ratio so far predicts; before the compressor's
    first output, the share of the snapshot it consumed. The counts may come from several threads
    (a store may upload from threads of its own): fractions are reported one at a time, in order,
    and never go backwards.
    """

    def __init__(self, report: Callable[[float], None]) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._reported = 0.0
        self._size = 0
        self._consumed = self._produced = self._stored = 0

    def snapshotted(self, done: int, total: int) -> None:
        """The snapshot has copied `done` of its `total` bytes, which are then compressed and stored."""
        with self._lock:
            self._size = total
            self._advance(SNAPSHOT_SHARE * _fraction(done, total))

    def compressed(self, consumed: int, produced: int) -> None:
        """The compressor has consumed this many bytes of the snapshot and produced this many."""
        with self._lock:
            self._consumed, self._produced = consumed, produced
            self._advance_storing()

    def stored(self, count: int) -> None:
        """The store holds this many of the compressed bytes."""
        with self._lock:
            self._stored = count
            self._advance_storing()

    def _advance_storing(self) -> None:
        stored = _fraction(self._stored, self._produced) if self._produced else 1.0
        self._advance(SNAPSHOT_SHARE + (1 - SNAPSHOT_SHARE) * _fraction(self._consumed, self._size) * stored)

    def _advance(self, fraction: float) -> None:
        if fraction > self._reported:
            self._reported = fraction
            self._report(fraction)


def _fraction(done: int, total: int) -> float:
    return min(done / total, 1.0) if total else 1.0
