"""Benchmark a backup end to end: the server's POST /backups/create of a 256 MiB database into a
folder store, against the hand-written recipe `sqlite3 DB "VACUUM INTO 'snap'"` then
`zstd -q snap -o STORE/x.zst`, in the same run on the same database.

The recipe is the reference. zstd compresses on one thread by default while the server compresses
on several, so the same recipe with `zstd -q -T0` (a thread per core) is timed too, and the
server's ratio to it reported beside, for an honest comparison.

The server checks each snapshot with `PRAGMA quick_check` before listing it; the recipe checks
nothing. The three take turns, run by run, `--runs` times, each run on a settled disk; a ratio is
the median of the ratios of the runs taken in turn. Targets: the server takes at most 0.8 of the
reference recipe's wall time, and its resident memory grows by at most 64 MiB during each backup
(its peak RSS, from /proc/PID/status, over its RSS before the first backup).

Then bursts: 25 rounds of 50 concurrent streamed creates of a small database, with the server's RSS
after each round. Target: the RSS after the last round is at most 1.5 times the RSS after the first.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
from bench_report import Figure, arguments, at_most, ratio, run, seconds
from bench_runs import alternate, progress
from sample_database import create_sample_database

from backups_api_client import AuthenticatedClient
from backups_api_client.api.backups import backups_create_new_backup, backups_delete_specific_backup
from backups_api_client.models import Backup, SeededBackup
from backups_server.launcher import running_server

Answer = TypeVar("Answer")

MIB = 1024 * 1024
RUNS = 15
COPIES = {"BACKUPS_STORE_FORMAT": "1"}
"""The server makes stores of format 1, a whole compressed copy per backup: the recipe's kind of backup."""
TARGET_RATIO = at_most(0.8)
TARGET_GROWTH = at_most(64, each=True)
"""In MiB, during each backup."""
BURSTS, BURST_SIZE = 25, 50
TARGET_BURST_GROWTH = at_most(1.5)
"""The RSS after the last burst over the RSS after the first: at most 50 % more."""

REFERENCE = ("-q",)
MULTITHREADED = ("-q", "-T0")


def measure(args: argparse.Namespace) -> Iterator[Figure]:
    require_recipe_tools()
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as scratch:
        root = Path(scratch)
        database = root / "database.sqlite"
        with progress(f"Creating a {args.size} MiB sample database"):
            create_sample_database(database, min_bytes=args.size * MIB)
        size = database.stat().st_size
        database.read_bytes()  # the page cache holds it for both contenders alike

        environment = {
            "BACKUPS_DATABASE": str(database),
            "BACKUPS_STORE": (root / "store").as_uri(),
            **COPIES,
        }
        with running_server(root / "server", environment=environment) as server:
            client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, timeout=None)
            peaks = PeakGrowth(server.pid)
            times = alternate(
                {
                    "recipe": lambda: recipe(database, root / "recipe", REFERENCE),
                    "recipe -T0": lambda: recipe(database, root / "recipe", MULTITHREADED),
                    "server": lambda: server_backup(client, peaks),
                },
                args.runs,
                label=f"Backups of a {size / MIB:.0f} MiB database",
            )
    yield ratio(times, "server", "recipe", TARGET_RATIO)
    yield ratio(times, "server", "recipe -T0")
    yield from seconds(times)
    yield Figure("memory growth during a backup", "MiB", tuple(peaks.growths), TARGET_GROWTH)

    with tempfile.TemporaryDirectory(prefix="bench-bursts-") as scratch:
        rss = [value / MIB for value in bursts(Path(scratch))]
    yield Figure(f"RSS after each of {BURSTS} bursts", "MiB", tuple(rss))
    yield Figure("RSS after the last burst / the first", "x", (rss[-1] / rss[0],), TARGET_BURST_GROWTH)


def recipe_arguments(description: str | None) -> argparse.ArgumentParser:
    """The arguments of a benchmark against a hand-written recipe: --size and --runs."""
    parser = arguments(description)
    parser.add_argument("--size", type=int, default=256, help="database size in MiB (default: %(default)s)")
    parser.add_argument(
        "--runs", type=int, default=RUNS, help="runs of each side, in turn (default: %(default)s)"
    )
    return parser


def require_recipe_tools() -> None:
    """Stop unless the recipe's tools, sqlite3 and zstd, are on PATH."""
    if missing := [tool for tool in ("sqlite3", "zstd") if shutil.which(tool) is None]:
        raise SystemExit(f"{' and '.join(missing)} not found on PATH")


def bursts(root: Path) -> list[int]:
    """The server's RSS after each burst of BURST_SIZE concurrent streamed creates."""
    database = root / "database.sqlite"
    create_sample_database(database, min_bytes=8 * MIB)
    environment = {
        "BACKUPS_DATABASE": str(database),
        "BACKUPS_STORE": (root / "store").as_uri(),
        **COPIES,
        "BACKUPS_MAX_WAITING": str(BURST_SIZE),  # the whole burst waits its turn, none is refused
    }
    with (
        running_server(root / "server", environment=environment) as server,
        ThreadPoolExecutor(max_workers=BURST_SIZE) as clients,
        httpx.Client(
            base_url=server.base_url, limits=httpx.Limits(max_connections=BURST_SIZE), timeout=120
        ) as http,
    ):
        headers = {"X-Application-ID": server.api_key, "Accept": "text/event-stream"}

        def streamed_create(_: int) -> str:
            with http.stream("POST", "/backups/create/streamed", headers=headers) as response:
                return [line for line in response.iter_lines() if line.startswith("event: ")][-1]

        rss = []
        with progress(f"{BURSTS} bursts of {BURST_SIZE} concurrent streamed creates", BURSTS) as advance:
            for _ in range(BURSTS):
                outcomes = list(clients.map(streamed_create, range(BURST_SIZE)))
                if outcomes != ["event: completed"] * BURST_SIZE:
                    raise SystemExit(f"a streamed create did not complete: {sorted(set(outcomes))}")
                rss.append(memory(server.pid, "VmRSS"))
                advance()
    return rss


def recipe(database: Path, folder: Path, zstd_options: tuple[str, ...]) -> float:
    """Wall time of the hand-written recipe, from nothing to the compressed file in the store."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "store").mkdir(parents=True)
    snap = folder / "snap"
    started = time.perf_counter()
    subprocess.run(["sqlite3", str(database), f"VACUUM INTO '{snap}'"], check=True)
    subprocess.run(["zstd", *zstd_options, str(snap), "-o", str(folder / "store" / "x.zst")], check=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(folder)
    return elapsed


def server_backup(client: AuthenticatedClient, peaks: PeakGrowth) -> float:
    """Wall time of one POST /backups/create; the backup is deleted after it."""
    elapsed, response = peaks.timed(
        lambda: backups_create_new_backup.sync_detailed(client=client, body=SeededBackup())
    )
    if not isinstance(response.parsed, Backup):
        raise SystemExit(f"the backup failed: {response.status_code} {response.content!r}")
    backups_delete_specific_backup.sync_detailed(response.parsed.id, client=client)
    return elapsed


class PeakGrowth:
    """Times calls into the server, the process `pid`, and records in MiB how far its peak RSS
    during each rose above its RSS before the first: memory that a call keeps counts in the next."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = memory(pid, "VmRSS")
        self.growths: list[float] = []

    def timed(self, call: Callable[[], Answer]) -> tuple[float, Answer]:
        """The wall time of `call`, and what it returned."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
        started = time.perf_counter()
        answer = call()
        elapsed = time.perf_counter() - started
        self.growths.append((memory(self.pid, "VmHWM") - self.start) / MIB)
        return elapsed, answer


def memory(pid: int, field: str) -> int:
    """A memory figure of /proc/PID/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def main() -> int:
    return run("backup", recipe_arguments(__doc__).parse_args(), measure)


if __name__ == "__main__":
    sys.exit(main())
