"""The server's memory for the events it keeps of finished jobs, so that their streams can be resumed.

Builds 1,000 jobs the way the server runs them (an INITIALIZED event, a progress event per whole
percent, a `completed` event carrying the spec's example Backup), each registered under its own
Idempotency-Key, and measures with tracemalloc what they hold: while every event is kept (the
first minute after a job ends) and once each finished job is down to its terminal event, as the
job queue makes it then.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import yaml
from bench_report import Figure, arguments, run
from bench_runs import progress

from backups_server.api.idempotency import IdempotencyKeys, request_key
from backups_server.api.jobs import COMPLETED, CREATION, PROGRESS, Job

MIB = 1024 * 1024
BACKUP = yaml.safe_load((Path(__file__).resolve().parents[1] / "openapi.yaml").read_text())["components"][
    "schemas"
]["Backup"]["example"]


def finished_job() -> Job:
    job = Job(CREATION, dict(BACKUP))
    for percentage in range(1, 100):
        job.publish(PROGRESS, {"status": "IN-PROGRESS", "percentage": percentage + 0.5})
    job.publish(COMPLETED, {"status": "COMPLETED", "percentage": 100, "backup": dict(BACKUP)})
    return job


async def memory_held(count: int) -> tuple[int, int]:
    """The bytes the jobs hold with every event kept, and once each is down to its terminal event."""
    keys = IdempotencyKeys()
    request = request_key(CREATION, None)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    jobs = [finished_job() for _ in range(count)]
    for job in jobs:
        keys.remember("api-key", str(uuid.uuid4()), request, job)
    every_event = tracemalloc.get_traced_memory()[0] - before
    for job in jobs:
        job.coalesce()
    coalesced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(keys) == count
    return every_event, coalesced


def measure(args: argparse.Namespace) -> Iterator[Figure]:
    every_event, coalesced = [], []
    with progress(f"{args.jobs:,} finished jobs, kept", args.runs) as advance:
        for _ in range(args.runs):
            every, terminal = anyio.run(memory_held, args.jobs)
            every_event.append(every / MIB)
            coalesced.append(terminal / MIB)
            advance()
    yield Figure(f"{args.jobs:,} jobs, every event kept", "MiB", tuple(every_event))
    yield Figure(f"{args.jobs:,} jobs, the terminal event only", "MiB", tuple(coalesced))
    yield Figure(
        "a job, the terminal event only", "KiB", tuple(value * 1024 / args.jobs for value in coalesced)
    )


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--jobs", type=int, default=1_000, help="finished jobs kept (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="measures of each (default: %(default)s)")
    return run("jobs", parser.parse_args(), measure)


if __name__ == "__main__":
    sys.exit(main())
