"""BACKUPS_HOLD_STREAMED (`--hold-streamed`): a job that its request follows as an event stream waits
when its turn comes, with the jobs behind it, until the hold passes or the job is cancelled; the
jobs answered as JSON are never held, and nothing is held by default."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from httpx_sse import EventSource

from backups_server import cli
from backups_server.api.jobs import CREATION, Job, JobQueue

if TYPE_CHECKING:
    from collections.abc import Callable

    from backups_server.engine.progress import Progress
    from tests.helpers import LiveServer, ServerFactory

HOLD = 3600.0
"""Longer than any test: only a cancellation ends it."""
INITIALIZED = {"status": "INITIALIZED", "percentage": 0}


def held_server(start_server: ServerFactory) -> tuple[LiveServer, httpx.Client]:
    server = start_server(environment={"BACKUPS_HOLD_STREAMED": str(HOLD)})
    return server, httpx.Client(base_url=server.url, headers={"X-Application-ID": server.api_key}, timeout=30)


def follow(stack: ExitStack, server: LiveServer, path: str) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """The backup of a streamed request of `path`, and its events once cancelled: the stream is read
    to its end after the block of `stack` that cancels the job."""
    response = stack.enter_context(server.streamed(path))
    events = EventSource(response).iter_sse()
    assert next(events).json() == INITIALIZED
    ended: list[tuple[str, dict[str, Any]]] = []
    stack.callback(lambda: ended.extend((event.event, event.json()) for event in events))
    return response.headers["Content-Location"].removeprefix("/backup/"), ended


def test_a_creation_followed_as_an_event_stream_waits_until_it_is_cancelled(
    start_server: ServerFactory,
) -> None:
    server, http = held_server(start_server)
    with http:
        with ExitStack() as stack:
            held, ended = follow(stack, server, "/backups/create/streamed")
            status = http.get(f"/backup/{held}/creation/status").json()
            cancelled = http.post(f"/backup/{held}/creation/cancel")  # an hour early
        created = http.post("/backups/create")  # answered as JSON: not held
        streamed_as_json = http.post("/backups/create/streamed", headers={"Accept": "application/json"})
        listed = [backup["id"] for backup in http.get("/backups").json()["iterable"]]

    assert (status["value"], status["percentage"]) == ("INITIALIZED", 0)
    assert cancelled.status_code == 204
    assert [(event, data["status"]) for event, data in ended] == [("failed", "CANCELED")]
    assert (created.status_code, streamed_as_json.json()["status"]) == (200, "COMPLETED")
    assert held not in listed
    assert created.json()["id"] in listed


def test_a_restoration_followed_as_an_event_stream_waits_until_it_is_cancelled(
    start_server: ServerFactory,
) -> None:
    server, http = held_server(start_server)
    with http:
        backup = http.post("/backups/create").json()["id"]
        with ExitStack() as stack:
            restored, ended = follow(stack, server, f"/backup/{backup}/restore/streamed")
            status = http.get(f"/backup/{backup}/restoration/status").json()
            cancelled = http.post(f"/backup/{backup}/restoration/cancel")
        restored_as_json = http.post(f"/backup/{backup}/restore")

    assert restored == backup
    assert (status["value"], cancelled.status_code) == ("INITIALIZED", 204)
    assert [(event, data["status"]) for event, data in ended] == [("failed", "CANCELED")]
    assert restored_as_json.status_code == 200


def test_nothing_is_held_by_default(monkeypatch: pytest.MonkeyPatch, live_server: LiveServer) -> None:
    monkeypatch.delenv("BACKUPS_HOLD_STREAMED", raising=False)
    assert cli.parser().parse_args(["serve"]).hold_streamed == 0
    with live_server.streamed("/backups/create/streamed") as response:
        events = [event.event for event in EventSource(response).iter_sse()]
    assert events[-1] == "completed"


@pytest.mark.anyio
async def test_a_held_job_holds_the_jobs_behind_it_and_never_runs_once_cancelled() -> None:
    ran: list[str] = []
    skipped: list[str] = []

    def work(_on_progress: Callable[[Progress], None], job: Job) -> dict[str, Any]:
        ran.append(job.backup["id"])
        return {"backup": job.backup}

    async with anyio.create_task_group() as task_group:
        queue = JobQueue(task_group, max_waiting=3)
        held = queue.submit(CREATION, {"id": "a", "bytes": 0}, work, lambda: skipped.append("a"), hold=HOLD)
        behind = queue.submit(CREATION, {"id": "b", "bytes": 0}, work)
        await anyio.wait_all_tasks_blocked()
        statuses = [held.status["value"], behind.status["value"]]
        assert queue.cancel(held)
        with anyio.fail_after(10):
            finals = [await job.final() for job in (held, behind)]
        queue.close()

    assert statuses == ["INITIALIZED", "INITIALIZED"]
    assert [final.data["status"] for final in finals] == ["CANCELED", "COMPLETED"]
    assert (ran, skipped) == (["b"], ["a"])
