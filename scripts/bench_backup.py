"""Benchmark a backup end to end: the server's POST /backups/create of a 256 MiB database into a
folder store, against the hand-written recipe `sqlite3 DB "VACUUM INTO 'snap'"` then
`zstd -q snap -o STORE/x.zst`, in the same run on the same database.

The recipe is the reference. zstd compresses on one thread by default while the server compresses
on several, so the same recipe with `zstd -q -T0` (a thread per core) is timed too, and the
server's ratio to it reported beside, for an honest comparison.

The server checks each snapshot with `PRAGMA quick_check` before listing it; the recipe checks
nothing. Targets: the server takes at most 0.8 of the reference recipe's wall time, and its resident
memory grows by at most 64 MiB during a backup (peak RSS, from /proc/PID/status, over the RSS before).

Then bursts: 25 rounds of 50 concurrent streamed creates of a small database, with the server's RSS
after each round. Target: the last 24 rounds add at most 50 % to the RSS after the first.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
from sample_database import create_sample_database

from backups_api_client import AuthenticatedClient
from backups_api_client.api.backups import backups_create_new_backup, backups_delete_specific_backup
from backups_api_client.models import Backup, SeededBackup
from backups_server.launcher import running_server

Answer = TypeVar("Answer")

MIB = 1024 * 1024
TARGET_RATIO = 0.8
TARGET_GROWTH = 64 * MIB
BURSTS, BURST_SIZE = 25, 50
TARGET_BURST_GROWTH = 0.5

REFERENCE = ("-q",)
MULTITHREADED = ("-q", "-T0")


def main() -> int:
    args = arguments("bench_backup", __doc__)
    if args is None:
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-backup-") as scratch:
        root = Path(scratch)
        database = root / "database.sqlite"
        print(f"Creating a {args.size} MiB sample database...", flush=True)
        create_sample_database(database, min_bytes=args.size * MIB)
        size = database.stat().st_size
        database.read_bytes()  # the page cache holds it for both contenders alike

        environment = {"BACKUPS_DATABASE": str(database), "BACKUPS_STORE": (root / "store").as_uri()}
        with running_server(root / "server", environment=environment) as server:
            client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, timeout=None)
            recipe_times, multithreaded_times, server_times, growths = [], [], [], []
            for _ in range(args.rounds):
                recipe_times.append(recipe(database, root / "recipe", REFERENCE))
                multithreaded_times.append(recipe(database, root / "recipe", MULTITHREADED))
                elapsed, growth = server_backup(client, server.pid)
                server_times.append(elapsed)
                growths.append(growth)

    recipe_time, server_time = statistics.median(recipe_times), statistics.median(server_times)
    multithreaded_time = statistics.median(multithreaded_times)
    ratio, multithreaded_ratio = server_time / recipe_time, server_time / multithreaded_time
    growth = max(growths)
    print(f"\nBackup of a {size / MIB:.1f} MiB database, median of {args.rounds} runs each")
    print(f"  recipe       sqlite3 VACUUM INTO + zstd -q         {recipe_time:6.2f} s")
    print(f"  recipe -T0   sqlite3 VACUUM INTO + zstd -q -T0     {multithreaded_time:6.2f} s")
    print(f"  server       POST /backups/create, folder store    {server_time:6.2f} s")
    met = verdict(ratio <= TARGET_RATIO)
    print(f"  ratio        {ratio:.2f}   server / recipe       (target <= {TARGET_RATIO})  {met}")
    print(f"  ratio -T0    {multithreaded_ratio:.2f}   server / recipe -T0   (both multithreaded)")
    print(f"  server memory growth during a backup: {growth / MIB:.1f} MiB", end="")
    print(f"   (target <= {TARGET_GROWTH // MIB} MiB)  {verdict(growth <= TARGET_GROWTH)}")

    with tempfile.TemporaryDirectory(prefix="bench-bursts-") as scratch:
        rss = bursts(Path(scratch))
    burst_growth = rss[-1] / rss[0] - 1
    print(f"\n{BURSTS} bursts of {BURST_SIZE} concurrent streamed creates, server RSS after each (MiB):")
    print("  " + " ".join(f"{value / MIB:.0f}" for value in rss))
    first, last, peak = (value / MIB for value in (rss[0], rss[-1], max(rss)))
    print(f"  after the first {first:.0f} MiB, after the last {last:.0f} MiB, peak {peak:.0f} MiB")
    met_bursts = burst_growth <= TARGET_BURST_GROWTH
    print(f"  growth {burst_growth:+.0%}   (target <= +{TARGET_BURST_GROWTH:.0%})  {verdict(met_bursts)}")
    return 0 if ratio <= TARGET_RATIO and growth <= TARGET_GROWTH and met_bursts else 1


def arguments(name: str, description: str | None) -> argparse.Namespace | None:
    """The --size and --rounds of a benchmark against the recipe, or None (and why) when the
    recipe's tools, sqlite3 and zstd, are not on PATH."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=256, help="database size in MiB (default: %(default)s)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each, interleaved (default: %(default)s)"
    )
    args = parser.parse_args()
    if missing := [tool for tool in ("sqlite3", "zstd") if shutil.which(tool) is None]:
        print(f"{name}: skipped, {' and '.join(missing)} not found on PATH")
        return None
    return args


def bursts(root: Path) -> list[int]:
    """The server's RSS after each burst of BURST_SIZE concurrent streamed creates."""
    database = root / "database.sqlite"
    create_sample_database(database, min_bytes=8 * MIB)
    environment = {
        "BACKUPS_DATABASE": str(database),
        "BACKUPS_STORE": (root / "store").as_uri(),
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
        for _ in range(BURSTS):
            outcomes = list(clients.map(streamed_create, range(BURST_SIZE)))
            if outcomes != ["event: completed"] * BURST_SIZE:
                raise SystemExit(f"a streamed create did not complete: {sorted(set(outcomes))}")
            rss.append(memory(server.pid, "VmRSS"))
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


def server_backup(client: AuthenticatedClient, pid: int) -> tuple[float, int]:
    """Wall time of one POST /backups/create, and how far the server's peak RSS rose above its RSS before."""
    elapsed, growth, response = timed_with_peak_growth(
        pid, lambda: backups_create_new_backup.sync_detailed(client=client, body=SeededBackup())
    )
    if not isinstance(response.parsed, Backup):
        raise SystemExit(f"the backup failed: {response.status_code} {response.content!r}")
    backups_delete_specific_backup.sync_detailed(response.parsed.id, client=client)
    return elapsed, growth


def timed_with_peak_growth(pid: int, call: Callable[[], Answer]) -> tuple[float, int, Answer]:
    """The wall time of `call`, how far the peak RSS of the process `pid` rose above its RSS before
    during it, and what it returned."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
    before = memory(pid, "VmRSS")
    started = time.perf_counter()
    answer = call()
    elapsed = time.perf_counter() - started
    return elapsed, memory(pid, "VmHWM") - before, answer


def memory(pid: int, field: str) -> int:
    """A memory figure of /proc/PID/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
