"""Benchmark a restoration end to end: POST /backup/ID/restore of a backup of a 256 MiB database into
the server's live database (folder store), against the hand-written recipe: `zstd -d` of the stored
object, then `sqlite3 LIVE ".restore FILE"`, into a live database of its own, in the same run.

The server does more than the recipe: it verifies the backup (SHA-256, size, `quick_check`) and
keeps a copy of the database as it was beside it; the recipe does neither. Both databases are in WAL
mode. The two take turns, run by run, `--runs` times, and each run starts on an idle disk, once the
run before is written out (the server checkpoints its WAL after answering, the recipe's sqlite3
before it exits). Targets: the server takes at most the recipe's wall time (the median of the
ratios of the runs taken in turn), and its resident memory grows by at most 64 MiB during each
restoration (its peak RSS over its RSS before the first).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_backup import COPIES, PeakGrowth, recipe_arguments, require_recipe_tools
from bench_report import Figure, at_most, ratio, run, seconds
from bench_runs import alternate, progress, settle
from sample_database import create_sample_database

from backups_api_client import AuthenticatedClient
from backups_api_client.api.backup import backup_restore_specific_backup
from backups_api_client.api.backups import backups_create_new_backup
from backups_server.launcher import running_server
from backups_server.storage.layout import data_name

MIB = 1024 * 1024
TARGET_RATIO = at_most(1.0)
TARGET_GROWTH = at_most(64, each=True)
"""In MiB, during each restoration."""


def measure(args: argparse.Namespace) -> Iterator[Figure]:
    require_recipe_tools()
    with tempfile.TemporaryDirectory(prefix="bench-restore-") as scratch:
        root = Path(scratch)
        database, theirs = root / "database.sqlite", root / "recipe.sqlite"
        with progress(f"Creating a {args.size} MiB sample database"):
            create_sample_database(database, min_bytes=args.size * MIB)
        shutil.copyfile(database, theirs)
        size = database.stat().st_size
        environment = {
            "BACKUPS_DATABASE": str(database),
            "BACKUPS_STORE": (root / "store").as_uri(),
            **COPIES,
        }
        with running_server(root / "server", environment=environment) as server:
            client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, timeout=None)
            backup = backups_create_new_backup.sync(client=client)
            stored = root / "store" / data_name(backup.id)
            peaks = PeakGrowth(server.pid)
            times = alternate(
                {
                    "recipe": lambda: recipe(stored, theirs, root / "restored.sqlite"),
                    "server": lambda: server_restore(client, backup.id, peaks),
                },
                args.runs,
                label=f"Restorations of a {size / MIB:.0f} MiB database",
                settled=lambda: settle(database),
            )
    yield ratio(times, "server", "recipe", TARGET_RATIO)
    yield from seconds(times)
    yield Figure("memory growth during a restoration", "MiB", tuple(peaks.growths), TARGET_GROWTH)


def recipe(stored: Path, live: Path, restored: Path) -> float:
    """Wall time of the hand-written recipe, from the stored object to the live database replaced."""
    started = time.perf_counter()
    subprocess.run(["zstd", "-d", "-q", "-f", str(stored), "-o", str(restored)], check=True)
    subprocess.run(["sqlite3", str(live), f".restore '{restored}'"], check=True)
    elapsed = time.perf_counter() - started
    restored.unlink()
    return elapsed


def server_restore(client: AuthenticatedClient, backup_id: str, peaks: PeakGrowth) -> float:
    """Wall time of one POST /backup/ID/restore."""
    elapsed, _ = peaks.timed(lambda: backup_restore_specific_backup.sync(backup_id, client=client))
    return elapsed


def main() -> int:
    return run("restore", recipe_arguments(__doc__).parse_args(), measure)


if __name__ == "__main__":
    sys.exit(main())
