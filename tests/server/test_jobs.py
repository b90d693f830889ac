"""Creations and restorations run one at a time, in the order they arrived, with a bounded number
waiting: a request beyond them is a 503 with Retry-After, never more work piled up."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from httpx_sse import EventSource

from backups_server.api.jobs import CREATION, Job, JobQueue
from backups_server.engine.progress import Progress
from backups_server.errors import QueueFull

from .held_store import MODULE, StoreHold

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from httpx_sse import ServerSentEvent

    from tests.helpers import LiveServer, ServerFactory


def open_stream(stack: ExitStack, server: LiveServer) -> tuple[str, Iterator[ServerSentEvent]]:
    """The backup a new streamed creation makes, and its events once the server has sent its first."""
    response = stack.enter_context(server.streamed("/backups/create/streamed"))
    events = EventSource(response).iter_sse()
    assert next(events).json() == {"status": "INITIALIZED", "percentage": 0}
    return response.headers["Content-Location"].removeprefix("/backup/"), events


def outcome(events: Iterator[ServerSentEvent]) -> list[tuple[str, dict[str, Any]]]:
    return [(event.event, event.json()) for event in events]


@pytest.mark.copies
def test_one_job_runs_while_the_others_wait_and_the_queue_is_bounded(start_server: ServerFactory) -> None:
    hold = StoreHold(start_server.tmp_path / "hold")
    server = start_server(module=MODULE, environment={"BACKUPS_MAX_WAITING": "2", **hold.environment})
    key = {"X-Application-ID": server.api_key}

    with ExitStack() as stack, httpx.Client(base_url=server.url, headers=key, timeout=30) as http:
        running, first = open_stream(stack, server)
        waiting = [open_stream(stack, server) for _ in range(2)]
        with hold.held():
            statuses = {
                backup: http.get(f"/backup/{backup}/creation/status").json()
                for backup in [running, *(backup for backup, _ in waiting)]
            }
            refused = http.post("/backups/create")
        results = [outcome(first), *(outcome(events) for _, events in waiting)]

    assert statuses[running]["value"] == "IN-PROGRESS"
    assert [statuses[backup]["value"] for backup, _ in waiting] == ["INITIALIZED", "INITIALIZED"]
    assert (refused.status_code, refused.headers["Retry-After"]) == (503, "1")
    assert refused.text == "Too many backups and restorations are waiting; try again shortly"
    made = [result[-1][1]["backup"]["id"] for result in results]
    assert made == [running, *(backup for backup, _ in waiting)]
    assert made == sorted(made), "ids are given in the order the requests came"
    listing = http_listing(server)
    assert listing == made[::-1]


def http_listing(server: LiveServer) -> list[str]:
    listing = httpx.get(f"{server.url}/backups", headers={"X-Application-ID": server.api_key}).json()
    return [backup["id"] for backup in listing["iterable"]]


@pytest.mark.anyio
async def test_the_queue_runs_jobs_in_the_order_they_came() -> None:
    ran: list[str] = []

    def work(name: str) -> Callable[[Callable[[Progress], None], Job], dict[str, Any]]:
        def run(_on_progress: Callable[[Progress], None], job: Job) -> dict[str, Any]:
            ran.append(name)
            return {"backup": job.backup}

        return run

    async with anyio.create_task_group() as task_group:
        queue = JobQueue(task_group, max_waiting=3)
        jobs = [queue.submit(CREATION, {"id": name, "bytes": 0}, work(name)) for name in ("a", "b", "c")]
        with pytest.raises(QueueFull):
            queue.submit(CREATION, {"id": "d", "bytes": 0}, work("d"))
        assert queue.cancel(jobs[1])
        with anyio.fail_after(10):
            finals = [await job.final() for job in jobs]
        queue.close()

    assert ran == ["a", "c"]
    assert [final.data["status"] for final in finals] == ["COMPLETED", "CANCELED", "COMPLETED"]
    assert not queue.cancel(jobs[0])


@pytest.mark.anyio
async def test_every_progress_event_comes_in_order_before_the_terminal_one() -> None:
    """The work reports and goes on; its events reach the job in order, all before it completes."""

    def run(on_progress: Callable[[Progress], None], job: Job) -> dict[str, Any]:
        for percent in range(1, 100):
            on_progress(Progress(percent / 100, 0))
        return {"backup": job.backup}

    async with anyio.create_task_group() as task_group:
        queue = JobQueue(task_group, max_waiting=1)
        job = queue.submit(CREATION, {"id": "a", "bytes": 0}, run)
        with anyio.fail_after(10):
            await job.final()
        queue.close()

    *progress, last = job.events_after(0)
    assert last.kind == "completed"
    assert {event.kind for event in progress} == {"progress"}
    assert [event.data["percentage"] for event in progress if event.data["percentage"]] == list(range(1, 100))
