"""Idempotency keys: a request repeated while the first is still starting its job joins that job."""

from __future__ import annotations

import anyio

from backups_server.api.idempotency import IdempotencyKeys
from backups_server.api.jobs import CREATION, Job


def test_a_request_repeated_while_its_job_starts_finds_that_job() -> None:
    keys = IdempotencyKeys()
    release = anyio.Event()
    started: list[Job] = []
    answers: list[Job | None] = []

    async def start() -> Job:
        job = Job(CREATION, {"id": f"backup {len(started)}"})
        started.append(job)
        await release.wait()  # as a start waits for the store
        return job

    async def request() -> None:
        answers.append(await keys.job("api key", "key", "request", start))

    async def scenario() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(request)
            await anyio.wait_all_tasks_blocked()
            tasks.start_soon(request)
            await anyio.wait_all_tasks_blocked()
            release.set()

    anyio.run(scenario)

    assert len(started) == 1
    assert answers == [started[0], started[0]]
