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
from pathlib import Path

import anyio
import yaml

from backups_server.api.idempotency import IdempotencyKeys, request_key
from backups_server.api.jobs import COMPLETED, CREATION, PROGRESS, Job

BACKUP = yaml.safe_load((Path(__file__).resolve().parents[1] / "openapi.yaml").read_text())["components"][
    "schemas"
]["Backup"]["example"]


def finished_job() -> Job:
    job = Job(CREATION, dict(BACKUP))
    for percentage in range(1, 100):
        job.publish(PROGRESS, {"status": "IN-PROGRESS", "percentage": percentage + 0.5})
    job.publish(COMPLETED, {"status": "COMPLETED", "percentage": 100, "backup": dict(BACKUP)})
    return job


async def measure(count: int) -> tuple[int, int]:
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1_000, help="finished jobs kept")
    args = parser.parse_args()
    every_event, coalesced = anyio.run(measure, args.jobs)
    print(f"{args.jobs:,} finished jobs, each under its own Idempotency-Key:")
    print(f"  every event kept (the first minute)   {every_event / 2**20:7.2f} MiB")
    print(f"  terminal event alone (after that)     {coalesced / 2**20:7.2f} MiB")
    print(f"  per job, after that                   {coalesced / args.jobs / 1024:7.2f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
