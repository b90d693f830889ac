"""The server's metrics, in a registry of its own, rendered in Prometheus' text format by `/metrics`.

Names follow Prometheus' conventions (`_total` for counters, base units: seconds and bytes). What to
alert on is in server/README.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

CONTENT_TYPE = CONTENT_TYPE_LATEST
DURATIONS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600)
"""The buckets of a job's duration, in seconds: from a small database to a large one over S3."""


class Metrics:
    """What the server counts and measures. Thread-safe: jobs report from worker threads."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        kind = ("kind",)
        self.started = Counter(
            "backups_jobs_started", "Jobs that began running, by kind.", kind, registry=registry
        )
        self.completed = Counter(
            "backups_jobs_completed", "Jobs that completed, by kind.", kind, registry=registry
        )
        self.failed = Counter("backups_jobs_failed", "Jobs that failed, by kind.", kind, registry=registry)
        self.cancelled = Counter(
            "backups_jobs_cancelled", "Jobs cancelled once running, by kind.", kind, registry=registry
        )
        self.duration = Histogram(
            "backups_job_duration_seconds",
            "How long each job ran, by kind.",
            kind,
            registry=registry,
            buckets=DURATIONS,
        )
        self.database_read = Counter(
            "backups_database_read_bytes", "Bytes of the database that backups read.", registry=registry
        )
        self.store_added = Counter(
            "backups_store_added_bytes", "Bytes backups added to the store.", registry=registry
        )
        self.last_success = Gauge(
            "backups_last_success_timestamp_seconds",
            "When the last successful backup completed, in seconds since the epoch (0: none yet).",
            registry=registry,
        )
        self.listed = Gauge("backups_listed", "The backups the last listing found.", registry=registry)
        self.store_errors = Counter(
            "backups_store_errors", "Requests and jobs that the store failed.", registry=registry
        )
        self._waiting = Gauge("backups_queue_waiting", "Jobs waiting for their turn.", registry=registry)
        self._running = Gauge("backups_jobs_running", "Jobs running (at most 1).", registry=registry)
        self._next = Gauge(
            "backups_next_scheduled_timestamp_seconds",
            "When the next scheduled backup is due, in seconds since the epoch (NaN: no schedule).",
            registry=registry,
        )
        self._next.set(math.nan)

    def watch_queue(self, waiting: Callable[[], int], running: Callable[[], int]) -> None:
        self._waiting.set_function(waiting)
        self._running.set_function(running)

    def watch_schedule(self, next_slot: Callable[[], datetime | None]) -> None:
        self._next.set_function(lambda: _timestamp(next_slot()))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _timestamp(moment: datetime | None) -> float:
    return math.nan if moment is None else moment.timestamp()
