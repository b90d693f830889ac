"""Benchmark a restoration end to end: POST /backup/ID/restore of a backup of a 256 MiB database into
the server's live database (folder store), against the hand-written recipe: `zstd -d` of the stored
object, then `sqlite3 LIVE ".restore FILE"`, into a live database of its own, in the same run.

The server does more than the recipe: it verifies the backup (SHA-256, size, `quick_check`) and
keeps a copy of the database as it was beside it; the recipe does neither. Both databases are in WAL
mode. Each run starts on an idle disk, once the run before is written out (the server checkpoints
its WAL after answering, the recipe's sqlite3 before it exits). Targets: the server takes at most
the recipe's wall time, and its resident memory grows by at most 64 MiB during a restoration (peak
RSS over the RSS before).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_backup import arguments, timed_with_peak_growth, verdict
from sample_database import create_sample_database

from backups_api_client import AuthenticatedClient
from backups_api_client.api.backup import backup_restore_specific_backup
from backups_api_client.api.backups import backups_create_new_backup
from backups_server.launcher import running_server

MIB = 1024 * 1024
TARGET_RATIO = 1.0
TARGET_GROWTH = 64 * MIB


def main() -> int:
    args = arguments("bench_restore", __doc__)
    if args is None:
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-restore-") as scratch:
        root = Path(scratch)
        database, theirs = root / "database.sqlite", root / "recipe.sqlite"
        print(f"Creating a {args.size} MiB sample database...", flush=True)
        create_sample_database(database, min_bytes=args.size * MIB)
        shutil.copyfile(database, theirs)
        size = database.stat().st_size
        environment = {"BACKUPS_DATABASE": str(database), "BACKUPS_STORE": (root / "store").as_uri()}
        with running_server(root / "server", environment=environment) as server:
            client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, timeout=None)
            backup = backups_create_new_backup.sync(client=client)
            stored = root / "store" / "data" / backup.id / "data.sqlite.zst"
            recipe_times, server_times, growths = [], [], []
            for _ in range(args.rounds):
                settle(database)
                recipe_times.append(recipe(stored, theirs, root / "restored.sqlite"))
                settle(database)
                elapsed, growth = server_restore(client, backup.id, server.pid)
                server_times.append(elapsed)
                growths.append(growth)

    recipe_time, server_time = statistics.median(recipe_times), statistics.median(server_times)
    ratio, growth = server_time / recipe_time, max(growths)
    print(f"\nRestoration of a {size / MIB:.1f} MiB database, median of {args.rounds} runs each")
    print(f"  recipe   zstd -d + sqlite3 .restore                  {recipe_time:6.2f} s")
    print(f"  server   POST /backup/ID/restore, verified, copy kept  {server_time:6.2f} s")
    met = verdict(ratio <= TARGET_RATIO)
    print(f"  ratio    {ratio:.2f}   server / recipe   (target <= {TARGET_RATIO})  {met}")
    print(f"  server memory growth during a restoration: {growth / MIB:.1f} MiB", end="")
    print(f"   (target <= {TARGET_GROWTH // MIB} MiB)  {verdict(growth <= TARGET_GROWTH)}")
    return 0 if ratio <= TARGET_RATIO and growth <= TARGET_GROWTH else 1


def settle(database: Path) -> None:
    """Wait until the server has checkpointed its last restoration (SQLite removes the WAL when the
    last connection closes) and the disk has everything written: each run then starts on an idle
    disk instead of paying for the writeback of the one before."""
    wal = Path(f"{database}-wal")
    deadline = time.monotonic() + 60
    while wal.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.sync()


def recipe(stored: Path, live: Path, restored: Path) -> float:
    """Wall time of the hand-written recipe, from the stored object to the live database replaced."""
    started = time.perf_counter()
    subprocess.run(["zstd", "-d", "-q", "-f", str(stored), "-o", str(restored)], check=True)
    subprocess.run(["sqlite3", str(live), f".restore '{restored}'"], check=True)
    elapsed = time.perf_counter() - started
    restored.unlink()
    return elapsed


def server_restore(client: AuthenticatedClient, backup_id: str, pid: int) -> tuple[float, int]:
    """Wall time of one POST /backup/ID/restore, and the rise of the server's peak RSS over its RSS before."""
    elapsed, growth, _ = timed_with_peak_growth(
        pid, lambda: backup_restore_specific_backup.sync(backup_id, client=client)
    )
    return elapsed, growth


if __name__ == "__main__":
    sys.exit(main())
