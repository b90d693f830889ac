"""How much the generated client costs over plain httpx, for calls and for event streams.

A server process (uvicorn on 127.0.0.1) answers pre-rendered documents, so the figures are the
client's: GET /backups with the spec's example listing, and POST /backups/create/streamed with a
stream of BackupStreamedProgress events. The contenders take turns, run by run, `--runs` times; a
ratio is the median of the ratios of the runs taken in turn.

Calls, `--calls` GET /backups on one connection:
  client.backups.list()   the client object's method, which calls the module function below;
  sync()                  the generated `backups_snapshot.sync()`: retries armed, errors typed, the
                          listing parsed into models;
  httpx + json.loads      plain httpx and json.loads.
Target: each of the first two / httpx + json.loads <= 1.1.

Streams, `--events` events:
  stream()                the generated `backups_create_new_backup_streamed.stream()`, typed items;
  httpx-sse + from_dict   the loop a user would write without it: httpx-sse, json.loads and
                          BackupStreamedProgress.from_dict for each event;
  iter_bytes()            the transport floor, no parsing.
Target: stream() / httpx-sse + from_dict <= 1.0.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from bench_report import Figure, arguments, at_most, ratio, run, seconds
from bench_runs import alternate
from httpx_sse import connect_sse

from backups_api_client import AuthenticatedClient, BackupsClient
from backups_api_client.api.backups import backups_create_new_backup_streamed, backups_snapshot
from backups_api_client.models import BackupStreamedProgress, SeededBackup

RUNS = 31
PATH = "/backups/create/streamed"
LISTING_PATH = "/backups"
API_KEY = "any key: the benchmark server does not check it"
SCHEMAS = yaml.safe_load((Path(__file__).resolve().parents[1] / "openapi.yaml").read_text())["components"][
    "schemas"
]
BACKUP = SCHEMAS["Backup"]["example"]
"""The spec's example of a finished backup, carried by the last event."""
LISTING = json.dumps(SCHEMAS["Backups"]["example"]).encode()


def render(events: int) -> bytes:
    """The whole stream: progress events, then one completed event."""
    lines = []
    for number in range(1, events):
        data = json.dumps({"status": "IN-PROGRESS", "percentage": round(100 * number / events, 3)})
        lines.append(f"id: {number}\nevent: progress\ndata: {data}\n\n")
    final = json.dumps({"status": "COMPLETED", "percentage": 100, "backup": BACKUP})
    lines.append(f"id: {events}\nevent: completed\ndata: {final}\n\n")
    return "".join(lines).encode()


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


def benchmark_app(payload: bytes, chunk_size: int) -> App:
    """An ASGI app that answers GET /backups with the listing, and anything else with the event
    stream `payload`, `chunk_size` bytes at a time."""
    chunks = [payload[start : start + chunk_size] for start in range(0, len(payload), chunk_size)]

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["path"] == LISTING_PATH:
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": LISTING})
            return
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


@contextmanager
def server(events: int, chunk_size: int) -> Iterator[str]:
    """A server process on a socket that listens before it starts, so there is nothing to wait for."""
    listener = socket.create_server(("127.0.0.1", 0))
    host, port = listener.getsockname()
    command = [sys.executable, __file__, "--serve", str(listener.fileno())]
    command += ["--events", str(events), "--chunk-size", str(chunk_size)]
    process = subprocess.Popen(command, pass_fds=[listener.fileno()])
    try:
        yield f"http://{host}:{port}"
    finally:
        process.terminate()
        process.wait()
        listener.close()


def client_object_calls(base_url: str, calls: int) -> int:
    with BackupsClient(base_url=base_url, api_key=API_KEY) as client:
        for _ in range(calls):
            client.backups.list()
    return calls


def generated_calls(base_url: str, calls: int) -> int:
    with AuthenticatedClient(base_url=base_url, token=API_KEY) as client:
        for _ in range(calls):
            backups_snapshot.sync(client=client)
    return calls


def plain_calls(base_url: str, calls: int) -> int:
    with httpx.Client(base_url=base_url, headers={"X-Application-ID": API_KEY}) as client:
        for _ in range(calls):
            response = client.get(LISTING_PATH)
            response.raise_for_status()
            json.loads(response.content)
    return calls


def generated(base_url: str) -> int:
    client = AuthenticatedClient(base_url=base_url, token=API_KEY)
    count = 0
    with client, backups_create_new_backup_streamed.stream(client=client, body=SeededBackup()) as events:
        for _ in events:
            count += 1
    return count


def hand_written(base_url: str) -> int:
    count = 0
    with httpx.Client(base_url=base_url) as client, connect_sse(client, "POST", PATH, json={}) as source:
        for event in source.iter_sse():
            BackupStreamedProgress.from_dict(json.loads(event.data))
            count += 1
    return count


def transport(base_url: str) -> int:
    size = 0
    with httpx.Client(base_url=base_url) as client, client.stream("POST", PATH, json={}) as response:
        for chunk in response.iter_bytes():
            size += len(chunk)
    return size


CALLERS: dict[str, Callable[[str, int], int]] = {
    "client.backups.list()": client_object_calls,
    "sync()": generated_calls,
    "httpx + json.loads": plain_calls,
}
"""Who makes the calls: each makes `calls` GET /backups on one connection."""
READERS: dict[str, Callable[[str], int]] = {
    "stream()": generated,
    "httpx-sse + from_dict": hand_written,
    "iter_bytes()": transport,
}
"""Who reads the stream: each reads the whole stream once."""


def timed(run: Callable[..., int], base_url: str, expected: int, *arguments: int) -> float:
    started = time.perf_counter()
    result = run(base_url, *arguments)
    elapsed = time.perf_counter() - started
    if result != expected:
        raise SystemExit(f"{run.__name__} read {result}, expected {expected}")
    return elapsed


def measure(args: argparse.Namespace) -> Iterator[Figure]:
    size = len(render(args.events))
    with server(args.events, args.chunk_size) as base_url:
        calls = alternate(
            {name: partial(timed, call, base_url, args.calls, args.calls) for name, call in CALLERS.items()},
            args.runs,
            label=f"{args.calls:,} GET /backups on one connection",
        )
        expected = {"iter_bytes()": size}
        streams = alternate(
            {
                name: partial(timed, read, base_url, expected.get(name, args.events))
                for name, read in READERS.items()
            },
            args.runs,
            label=f"Streams of {args.events:,} events ({size / 1e6:.1f} MB)",
        )
    yield ratio(calls, "client.backups.list()", "httpx + json.loads", at_most(1.1))
    yield ratio(calls, "sync()", "httpx + json.loads", at_most(1.1))
    yield ratio(streams, "stream()", "httpx-sse + from_dict", at_most(1.0))
    yield ratio(streams, "stream()", "iter_bytes()")
    yield from seconds(calls)
    yield from seconds(streams)


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--calls", type=int, default=2_000, help="GET /backups calls per run")
    parser.add_argument("--events", type=int, default=100_000, help="events per stream")
    parser.add_argument("--chunk-size", type=int, default=16_384, help="bytes the server writes at a time")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs of each, in turn (default: %(default)s)")
    parser.add_argument("--serve", type=int, metavar="FD", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        app = benchmark_app(render(args.events), args.chunk_size)
        listener = socket.socket(fileno=args.serve)
        uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning")).run(sockets=[listener])
        return 0
    return run("client", args, measure)


if __name__ == "__main__":
    sys.exit(main())
