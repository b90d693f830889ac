"""The templates are generic: a second API, whose names share nothing with openapi.yaml, gets
working, strictly typed stream functions and a working command line from the same templates.

other_spec.yaml is generated into a temporary folder, imported, and driven against a live server.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .app import Reply, ScriptedApp, sse
from .live import serve
from .test_stream import BrokenOff

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PACKAGE = "jobs_api_client"
LINES = [{"text": "compiling", "level": "info"}, {"text": "linking", "level": "info"}]
CRASH = {"text": "linker failed", "level": "error", "reason": "out of memory"}


async def log(reply: Reply) -> None:
    events = [sse(line, event="line", id=str(n)) for n, line in enumerate(LINES, 1)]
    await reply.write(b"".join(events) + sse({"text": "done"}, event="finished", id="3"))


async def crash(reply: Reply) -> None:
    await reply.write(sse(LINES[0], event="line", id="1") + sse(CRASH, event="crashed", id="2"))


async def log_broken_once(reply: Reply) -> None:
    """The log, its connection broken in the middle of the second line unless it is resumed."""
    events = [sse(line, event="line", id=str(n)) for n, line in enumerate(LINES, 1)]
    events.append(sse({"text": "done"}, event="finished", id="3"))
    resumed_after = int(reply.headers.get("last-event-id", 0))
    if not resumed_after:
        await reply.write(events[0] + events[1][:12])
        raise BrokenOff
    await reply.write(b"".join(events[resumed_after:]))


async def missing(reply: Reply) -> None:
    await reply.start(404, "text/plain")
    await reply.write(b"no job 9")


async def ticks(reply: Reply) -> None:
    count = json.loads(reply.body)["count"]
    await reply.write(b"".join(f"data: {tick}\n\n".encode() for tick in range(1, count + 1)))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("other") / "jobs-api-client"
    command = [sys.executable, str(ROOT / "scripts" / "generate.py"), "--force", "--output", str(project)]
    command += ["--spec", str(HERE / "other_spec.yaml"), "--config", str(HERE / "other_generator.yaml")]
    generation = subprocess.run(command, capture_output=True, text=True, check=False)
    assert generation.returncode == 0, generation.stderr
    return project


@pytest.fixture(scope="module")
def jobs(project: Path) -> Iterator[ModuleType]:
    """The generated package, imported from the temporary folder."""
    sys.path.insert(0, str(project))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(project))
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def app() -> ScriptedApp:
    scripts = [log, log_broken_once, missing, crash, ticks]
    return ScriptedApp({script.__name__: script for script in scripts})


def operation(jobs: ModuleType, tag: str, name: str) -> ModuleType:
    return importlib.import_module(f"{jobs.__name__}.api.{tag}.{name}")


def test_the_runtime_is_the_same_for_every_api(project: Path) -> None:
    for module in (
        "_sse.py",
        "_http.py",
        "streaming.py",
        "cli/_definitions.py",
        "cli/_app.py",
        "cli/_output.py",
    ):
        ours = ROOT / "generated" / "backups_api_client" / module
        assert (project / PACKAGE / module).read_bytes() == ours.read_bytes()


def test_the_generated_package_is_strictly_typed(project: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), PACKAGE]
    checked = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout


def test_stream_of_a_model(jobs: ModuleType, base_url: str, app: ScriptedApp) -> None:
    follow_job_log = operation(jobs, "jobs", "follow_job_log")
    client = jobs.Client(base_url=base_url, headers={"X-Script": "log"})
    with client, follow_job_log.stream("build 7", client=client, level="error") as events:
        received = [(item, events.last_event.event, events.last_event.id) for item in events]

    assert [(item.to_dict(), event, id) for item, event, id in received] == [
        (LINES[0], "line", "1"),
        (LINES[1], "line", "2"),
        ({"text": "done"}, "finished", "3"),
    ]
    assert all(isinstance(item, jobs.models.LogLine) for item, _, _ in received)
    exchange = app.exchanges[-1]
    assert (exchange.method, exchange.target) == ("GET", "/jobs/build%207/log?level=error")
    assert exchange.headers["accept"] == "text/event-stream"
    assert events.response.is_closed


async def collect(events: AsyncIterator[Any], into: list[Any]) -> None:
    async for item in events:
        into.append(item.to_dict())


@pytest.mark.anyio
async def test_failure_event_named_by_the_api(jobs: ModuleType, base_url: str) -> None:
    follow_job_log = operation(jobs, "jobs", "follow_job_log")
    received: list[Any] = []
    async with (
        jobs.Client(base_url=base_url, headers={"X-Script": "crash"}) as client,
        follow_job_log.astream("build 8", client=client) as events,
    ):
        with pytest.raises(jobs.errors.StreamFailed) as raised:
            await collect(events, received)
    assert received == LINES[:1]
    assert raised.value.message == CRASH["reason"]
    assert raised.value.event.event == "crashed"
    assert isinstance(raised.value, jobs.errors.StreamError)


def test_a_broken_stream_of_a_get_is_resumed(jobs: ModuleType, base_url: str, app: ScriptedApp) -> None:
    follow_job_log = operation(jobs, "jobs", "follow_job_log")
    client = jobs.Client(
        base_url=base_url,
        headers={"X-Script": "log_broken_once"},
        clock=jobs.client.Clock(sleep=lambda _: None),
    )
    with client, follow_job_log.stream("build 9", client=client) as events:
        received = [(item.to_dict(), events.last_event.id) for item in events]

    assert received == [(LINES[0], "1"), (LINES[1], "2"), ({"text": "done"}, "3")]
    assert [exchange.headers.get("last-event-id") for exchange in app.exchanges[-2:]] == [None, "1"]


def test_an_error_status_the_api_documents_raises_its_class(jobs: ModuleType, base_url: str) -> None:
    follow_job_log = operation(jobs, "jobs", "follow_job_log")
    with jobs.Client(base_url=base_url, headers={"X-Script": "missing"}) as client:
        with pytest.raises(jobs.errors.NotFoundError) as raised:
            follow_job_log.sync("build 9", client=client)
        detailed = follow_job_log.sync_detailed("build 9", client=client)

    assert (raised.value.status_code, raised.value.text) == (404, "no job 9")
    assert isinstance(raised.value, jobs.errors.APIStatusError)
    assert jobs.errors.NotFoundError.__doc__ == "404: No such job."
    assert (detailed.status_code, detailed.parsed) == (404, None)


def test_items_without_a_model_and_no_terminal_event(jobs: ModuleType, base_url: str) -> None:
    count_ticks = operation(jobs, "clock", "count_ticks")
    client = jobs.Client(base_url=base_url, headers={"X-Script": "ticks"})
    with client, count_ticks.stream(client=client, body=jobs.models.TickRequest(count=3)) as events:
        assert list(events) == [1, 2, 3]
    assert events.last_event.event == "message"


def scripted_by_path(app: ScriptedApp) -> Any:
    """The scripted app, each request naming its script by its path, as a command line cannot send
    `X-Script`: the job of /jobs/{job}/log, or the last segment of any other path."""

    async def by_path(scope: dict[str, Any], receive: Any, send: Any) -> None:
        segments = scope["path"].strip("/").split("/")
        script = segments[1] if segments[0] == "jobs" else segments[-1]
        await app({**scope, "headers": [*scope["headers"], (b"x-script", script.encode())]}, receive, send)

    return by_path


@pytest.fixture(scope="module")
def jobs_api(project: Path, app: ScriptedApp) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """Runs the command line of the generated package, `python -m jobs_api_client.cli`, against the app."""
    with serve(scripted_by_path(app)) as url:

        def run(*arguments: str) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "-m", f"{PACKAGE}.cli", *arguments]
            environment = {**os.environ, "PYTHONPATH": str(project), "JOBS_API_URL": url}
            return subprocess.run(
                command, env=environment, capture_output=True, text=True, timeout=60, check=False
            )

        yield run


def test_the_command_line_of_another_api_runs_its_operations(
    jobs_api: Callable[..., subprocess.CompletedProcess[str]], app: ScriptedApp
) -> None:
    log = jobs_api("jobs", "follow-job-log", "log", "--level", "info")
    log_for_scripts = jobs_api("jobs", "follow-job-log", "log", "--json")
    ticks = jobs_api("clock", "count-ticks", "--count", "3")
    ticks_for_scripts = jobs_api("clock", "count-ticks", "--count", "2", "--json")

    assert (log.returncode, log.stderr) == (0, "")
    assert log.stdout.splitlines() == ["text=compiling level=info", "text=linking level=info", "text=done"]
    assert [json.loads(line) for line in log_for_scripts.stdout.splitlines()] == [*LINES, {"text": "done"}]
    assert [exchange.target for exchange in app.exchanges[-4:-2]] == [
        "/jobs/log/log?level=info",
        "/jobs/log/log",
    ]
    assert (ticks.returncode, ticks.stdout) == (0, "1\n2\n3\n")
    assert (ticks_for_scripts.returncode, ticks_for_scripts.stdout) == (0, "1\n2\n")


def test_the_command_line_of_another_api_exits_by_its_errors(
    jobs_api: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    crashed = jobs_api("jobs", "follow-job-log", "crash")
    missing = jobs_api("jobs", "follow-job-log", "missing")
    no_count = jobs_api("clock", "count-ticks")
    help_text = jobs_api("jobs", "follow-job-log", "--help")

    assert (crashed.returncode, crashed.stdout) == (5, "text=compiling level=info\n")
    assert crashed.stderr.splitlines()[-1] == f"Error: {CRASH['reason']}"
    assert (missing.returncode, missing.stderr) == (4, "Error: 404 Not Found: no job 9\n")
    assert no_count.returncode == 2
    assert "Missing option '--count'" in no_count.stderr
    assert "Follow the log of a job" in help_text.stdout
    assert "JOBS_API_URL" in help_text.stdout
    assert "--api-key" not in help_text.stdout  # the API declares no credential


def test_another_api_gets_a_client_object_of_its_own(jobs: ModuleType, base_url: str) -> None:
    """Named from its title (JobsClient) and its tags and operationIds, as it declares no x-client-name."""
    with (
        jobs.JobsClient(base_url=base_url, headers={"X-Script": "log"}) as client,
        client.jobs.follow_job_log("build 7") as events,
    ):
        lines = [item.to_dict() for item in events]
    with (
        jobs.JobsClient(base_url=base_url, headers={"X-Script": "ticks"}) as client,
        client.clock.count_ticks(count=2) as ticks,
    ):
        counted = list(ticks)

    assert lines == [*LINES, {"text": "done"}]
    assert counted == [1, 2]
    assert not hasattr(client, "backups")
