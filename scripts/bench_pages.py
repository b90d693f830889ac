"""Benchmark an encrypted store (format 2), page by page: backups, restorations and a prune of a 256 MiB
database through the server, against the hand-written recipes of the backup and restore benchmarks,
in the same run on the same database.

Each run starts a server on a new store (its keys wrapped for an age identity) and a fresh copy of the
database, lists the empty store (so that the client's connection is open and the server has answered
once: a recipe starts no HTTP client), then times, each beside its recipe in turn (the order swapped
every other run):
- the first backup (every page stored: read, hashed, compressed, encrypted; the snapshot checked with
  `quick_check`) against `VACUUM INTO` + `zstd -3`;
- a second backup of the unchanged database (nothing new to store), against the same recipe;
- a restoration of the newest backup through the API (every pack authenticated, every page checked
  against its id, the whole file against its SHA-256, `quick_check`) against `zstd -d` + `sqlite3
  .restore`.
The first run also measures what the store grows by (the same in every run): after that second
backup, after updating the newest 1 % of the rows, and after updating 1 % of the rows at random (of
the database's size), before its restoration; then all but the newest backup are deleted and `prune
--grace 0` run: the store against a fresh store holding just the newest backup. The server's peak
RSS over its RSS at start is taken during each backup and restoration.

Targets: first backup ≤ 0.9 of the recipe, unchanged second ≤ 0.3 and adding
≤ 0.1 %, newest 1 % ≤ 2 %, random 1 % ≤ 15 % (the page floor is about 11 %), restoration ≤ 1.0, memory
growth ≤ 96 MiB each, the pruned store ≤ 1.25 times the fresh one.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing
from pathlib import Path

from bench_backup import PeakGrowth, recipe, recipe_arguments, require_recipe_tools
from bench_report import Figure, at_most, ratio, run, seconds
from bench_restore import recipe as restore_recipe
from bench_runs import progress, settle
from pyrage import x25519
from sample_database import create_sample_database

from backups_api_client import AuthenticatedClient
from backups_api_client.api.backup import backup_restore_specific_backup
from backups_api_client.api.backups import (
    backups_create_new_backup,
    backups_delete_specific_backup,
    backups_snapshot,
)
from backups_api_client.models import Backup, Backups, SeededBackup
from backups_server.launcher import ServerProcess, running_server

MIB = 1024 * 1024
RUNS = 15
ZSTD_3 = ("-q", "-3")
TARGETS = {
    "first": at_most(0.9),
    "unchanged": at_most(0.3),
    "added unchanged": at_most(0.001),
    "added newest": at_most(0.02),
    "added random": at_most(0.15),
    "restore": at_most(1.0),
    "memory": at_most(96, each=True),
    "pruned": at_most(1.25),
}


def measure(args: argparse.Namespace) -> Iterator[Figure]:
    require_recipe_tools()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as scratch:
        root = Path(scratch)
        pristine = root / "pristine.sqlite"
        with progress(f"Creating a {args.size} MiB sample database"):
            create_sample_database(pristine, min_bytes=args.size * MIB)
        identity = root / "identity"
        identity.write_text(f"{x25519.Identity.generate()}\n")
        identity.chmod(0o600)
        bench = PagesBench(root, pristine, identity)
        with progress(f"Runs on a {pristine.stat().st_size / MIB:.0f} MiB database", args.runs) as advance:
            for number in range(args.runs):
                bench.run(number)
                advance()
    times, added = bench.times, bench.added
    yield ratio(times, "first backup", "recipe", TARGETS["first"])
    yield ratio(times, "unchanged backup", "recipe (again)", TARGETS["unchanged"])
    yield Figure("added by the unchanged backup", "%", tuple(added["unchanged"]), TARGETS["added unchanged"])
    yield Figure("added after updating the newest 1 %", "%", tuple(added["newest"]), TARGETS["added newest"])
    yield Figure("added after updating 1 % at random", "%", tuple(added["random"]), TARGETS["added random"])
    yield ratio(times, "restoration", "restore recipe", TARGETS["restore"])
    yield from seconds(times)
    yield Figure(
        "memory growth during a backup or restoration", "MiB", tuple(bench.growths), TARGETS["memory"]
    )
    yield Figure("store after prune / a fresh store", "x", tuple(bench.pruned), TARGETS["pruned"])


class PagesBench:
    """The runs of the benchmark, and what they measured."""

    def __init__(self, root: Path, pristine: Path, identity: Path) -> None:
        self.root = root
        self.pristine = pristine
        self.identity = identity
        self.times: dict[str, list[float]] = {
            name: []
            for name in (
                "first backup",
                "recipe",
                "unchanged backup",
                "recipe (again)",
                "restoration",
                "restore recipe",
            )
        }
        self.added: dict[str, list[float]] = {"unchanged": [], "newest": [], "random": []}
        self.growths: list[float] = []
        self.pruned: list[float] = []

    def run(self, number: int) -> None:
        """Time the backups and the restoration beside their recipes; in the first run only, also
        measure what updates add and what a prune leaves (the same in every run)."""
        folder = self.root / f"run-{number}"
        database = folder / "database.sqlite"
        folder.mkdir()
        shutil.copyfile(self.pristine, database)
        size = database.stat().st_size
        store = folder / "store"
        with self.server(folder / "server", database, store) as server:
            client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, timeout=None)
            listed = backups_snapshot.sync(client=client)  # the client connected: what is timed is the backup
            if not isinstance(listed, Backups) or listed.iterable:
                raise SystemExit(f"the new store is not empty: {listed}")
            peaks = PeakGrowth(server.pid)
            recipe_output = folder / "recipe"
            self.in_turn(
                number,
                ("first backup", lambda: self.backup(client, peaks)),
                ("recipe", lambda: recipe(database, recipe_output, ZSTD_3)),
            )
            before = stored_bytes(store)
            self.in_turn(
                number,
                ("unchanged backup", lambda: self.backup(client, peaks)),
                ("recipe (again)", lambda: recipe(database, recipe_output, ZSTD_3)),
            )
            if number == 0:
                self.added["unchanged"].append((stored_bytes(store) - before) / size)
                for change, update in (("newest", update_newest), ("random", update_at_random)):
                    update(database, 0.01)
                    settle(database)
                    before = stored_bytes(store)
                    self.backup(client, peaks)
                    self.added[change].append((stored_bytes(store) - before) / size)
            listed = backups_snapshot.sync(client=client)
            if not isinstance(listed, Backups):
                raise SystemExit(f"the listing failed: {listed}")
            newest, *older = (backup.id for backup in listed.iterable)
            settle(database)
            compressed = folder / "newest.sqlite.zst"
            subprocess.run(["zstd", "-q", "-3", "-f", str(database), "-o", str(compressed)], check=True)
            theirs = folder / "recipe-live.sqlite"
            shutil.copyfile(database, theirs)
            self.in_turn(
                number,
                ("restoration", lambda: self.restore(client, newest, peaks)),
                ("restore recipe", lambda: restore_recipe(compressed, theirs, folder / "restored.sqlite")),
            )
            self.growths += peaks.growths
            if number == 0:
                for backup_id in older:
                    backups_delete_specific_backup.sync_detailed(backup_id, client=client)
        if number == 0:
            self.prune(store)
            fresh = folder / "fresh-store"
            with self.server(folder / "fresh-server", database, fresh) as server:
                client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, timeout=None)
                self.backup(client, PeakGrowth(server.pid))
            self.pruned.append(stored_bytes(store) / stored_bytes(fresh))
        shutil.rmtree(folder)

    def in_turn(self, number: int, *sides: tuple[str, Callable[[], float]]) -> None:
        """Time the sides, on a settled disk each, in reverse order every other run."""
        for name, side in sides if number % 2 == 0 else reversed(sides):
            settle()
            self.times[name].append(side())

    def server(self, data_dir: Path, database: Path, store: Path) -> AbstractContextManager[ServerProcess]:
        environment = {
            "BACKUPS_DATABASE": str(database),
            "BACKUPS_STORE": store.as_uri(),
            "BACKUPS_IDENTITY_FILE": str(self.identity),
        }
        return running_server(data_dir, environment=environment)

    def backup(self, client: AuthenticatedClient, peaks: PeakGrowth) -> float:
        elapsed, response = peaks.timed(
            lambda: backups_create_new_backup.sync_detailed(client=client, body=SeededBackup())
        )
        if not isinstance(response.parsed, Backup):
            raise SystemExit(f"the backup failed: {response.status_code} {response.content!r}")
        return elapsed

    def restore(self, client: AuthenticatedClient, backup_id: str, peaks: PeakGrowth) -> float:
        elapsed, restored = peaks.timed(lambda: backup_restore_specific_backup.sync(backup_id, client=client))
        if not isinstance(restored, Backup):
            raise SystemExit(f"the restoration failed: {restored}")
        return elapsed

    def prune(self, store: Path) -> None:
        environment = {
            **{name: value for name, value in os.environ.items() if not name.startswith("BACKUPS_")},
            "BACKUPS_IDENTITY_FILE": str(self.identity),
        }
        command = [sys.executable, "-m", "backups_server", "prune", "--grace", "0", "--store", store.as_uri()]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the prune failed: {done.stderr}")


def update_newest(database: Path, share: float) -> None:
    """Touch the newest `share` of the snippets (the highest ids)."""
    with closing(sqlite3.connect(database)) as connection, connection:
        (count,) = connection.execute("SELECT max(id) FROM snippets").fetchone()
        connection.execute(
            "UPDATE snippets SET views = views + 1 WHERE id > ?", (count - int(count * share),)
        )


def update_at_random(database: Path, share: float) -> None:
    """Touch `share` of the snippets, chosen at random."""
    with closing(sqlite3.connect(database)) as connection, connection:
        (count,) = connection.execute("SELECT max(id) FROM snippets").fetchone()
        chosen = random.Random(count).sample(range(1, count + 1), int(count * share))  # noqa: S311
        connection.executemany(
            "UPDATE snippets SET views = views + 1 WHERE id = ?", [(id_,) for id_ in chosen]
        )


def stored_bytes(store: Path) -> int:
    return sum(path.stat().st_size for path in store.rglob("*") if path.is_file())


def main() -> int:
    parser = recipe_arguments(__doc__)
    parser.set_defaults(runs=RUNS)
    return run("pages", parser.parse_args(), measure)


if __name__ == "__main__":
    sys.exit(main())
