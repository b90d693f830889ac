"""A job's progress as one fraction: a backup's (the snapshot, then compressing and storing it), or
a restoration's (fetching the backup and copying the database beside it, then the replacement)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, NamedTuple, ParamSpec

if TYPE_CHECKING:
    from collections.abc import Callable

P = ParamSpec("P")

SNAPSHOT_SHARE = 0.5
"""The part of a backup's progress that the snapshot accounts for; compressing and storing is the rest."""


class Progress(NamedTuple):
    """How much of a job is done: a fraction, of a database of `size` bytes (0 until it is known)."""

    fraction: float
    size: int


class _RisingFraction:
    """Reports a fraction as it rises: one call at a time, in order, never backwards."""

    def __init__(self, report: Callable[[Progress], None], size: int = 0) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._reported = 0.0
        self._size = size

    def _advance(self, fraction: float) -> None:
        """Call with the lock held."""
        if fraction > self._reported:
            self._reported = fraction
            self._report(Progress(fraction, self._size))


class BackupProgress(_RisingFraction):
    """Turns the byte counts of each step of a backup into the fraction done, passed to `report`.

    Compressed bytes are stored as they come, so the second half of the progress is the bytes
    stored out of the total that the compression ratio so far predicts; before the compressor's
    first output, the share of the snapshot it consumed. The counts may come from several threads
    (a store may upload from threads of its own): fractions are reported one at a time, in order,
    and never go backwards.
    """

    def __init__(self, report: Callable[[Progress], None]) -> None:
        super().__init__(report)
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


class RestoreProgress(_RisingFraction):
    """Turns the counts of each step of a restoration into the fraction done, passed to `report`.

    The backup's download, the copy of the database as it is, and the replacement, page by page,
    run side by side, and count for a quarter, a quarter and a half. Fractions are reported one at
    a time, in order, and never go backwards. `size` is the size of the database the backup holds.
    """

    def __init__(self, report: Callable[[Progress], None], stored_bytes: int, size: int) -> None:
        super().__init__(report, size)
        self._stored_bytes = stored_bytes
        self._fetched = self._copied = self._replaced = 0.0

    def fetched(self, count: int) -> None:
        """This many of the backup's stored bytes are downloaded, checked and decompressed."""
        with self._lock:
            self._fetched = _fraction(count, self._stored_bytes)
            self._advance_all()

    def copied(self, done: int, total: int) -> None:
        """The copy of the database as it is holds `done` of its `total` bytes."""
        with self._lock:
            self._copied = _fraction(done, total)
            self._advance_all()

    def replaced(self, done: int, total: int) -> None:
        """The replacement has copied `done` of the backup's `total` pages into the database."""
        with self._lock:
            self._replaced = _fraction(done, total)
            self._advance_all()

    def _advance_all(self) -> None:
        self._advance((self._fetched + self._copied) / 4 + self._replaced / 2)


def _fraction(done: int, total: int) -> float:
    return min(done / total, 1.0) if total else 1.0


def watched(report: Callable[P, None], interrupt: Callable[[], None]) -> Callable[P, None]:
    """`report`, after `interrupt()`: what that raises stops the work at its next step."""

    def checked(*args: P.args, **kwargs: P.kwargs) -> None:
        interrupt()
        report(*args, **kwargs)

    return checked
