"""The main job end to end: back up a local SQLite database with the client's command line.

With no configuration it uses the data folder `.data/` (BACKUPS_DATA_DIR to change it): it creates
a sample database there if there is none, starts the server on a free port of 127.0.0.1 with a
fresh key, and then runs `backups-api` (the command of the client package, installed in .venv by
`make demo`), each command a process of its own, as a person would: it takes a backup with a live
progress bar, takes another of the unchanged database (which adds almost nothing to the store, since
it keeps each page once), lists the backups, changes the database, restores the backup into it through the API
(online, with a live progress bar) and shows the content is back, deletes the backup, and stops the
server. The command line reads the server's address and key from BACKUPS_API_URL
and BACKUPS_API_KEY.
"""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from sample_database import create_sample_database

from backups_server import config
from backups_server.launcher import running_server
from backups_server.storage import open_store
from backups_server.storage.layout import COPIES, stored_format

SAMPLE_ROWS = 5000
COMMAND = Path(sys.executable).with_name("backups-api")


class DemoFailed(Exception):
    pass


class CommandLine:
    """`backups-api`, run as a process with the server's address and key in its environment."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.environment = {**os.environ, "BACKUPS_API_URL": base_url, "BACKUPS_API_KEY": api_key}

    def show(self, *arguments: str) -> None:
        """Run a command for people to see: its output goes to this terminal."""
        print(f"\n$ backups-api {shlex.join(arguments)}", flush=True)
        done = subprocess.run([COMMAND, *arguments], env=self.environment, check=False)
        if done.returncode != 0:
            raise DemoFailed(f"`backups-api {shlex.join(arguments)}` exited with {done.returncode}")

    def read(self, *arguments: str) -> Any:
        """Run a command for its answer: the last JSON value it prints with --json (one per line, such
        as the events of a stream, the last one saying how it ended)."""
        done = subprocess.run(
            [COMMAND, *arguments, "--json"], env=self.environment, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise DemoFailed(f"`backups-api {shlex.join(arguments)} --json` failed: {done.stderr.strip()}")
        return json.loads(done.stdout.splitlines()[-1])

    def backup_ids(self) -> list[str]:
        return [backup["id"] for backup in self.read("backups", "list")["iterable"]]


def main() -> int:
    if not COMMAND.exists():
        print(f"{COMMAND} is missing: run `make demo`, which installs it", file=sys.stderr)
        return 1
    data_dir = Path(os.environ.get("BACKUPS_DATA_DIR", config.DATA_DIR)).resolve()
    database = database_of(data_dir)
    print("Backups API demo\n")
    if not database.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        create_sample_database(database, rows=SAMPLE_ROWS)
        print(f"  Created a sample database of {SAMPLE_ROWS:,} code snippets")
    source = table_sizes(database)
    print(f"  database  {database}  ({describe(source)}, {size(database.stat().st_size)})")
    print(f"  store     {config.default_store(data_dir)}")
    started = time.perf_counter()
    with running_server(data_dir) as server:
        ready = time.perf_counter() - started
        print(f"  server    {server.base_url}  (ready in {ready:.1f} s, log in {server.log})")
        try:
            run(CommandLine(server.base_url, server.api_key), data_dir, source)
        except DemoFailed as error:
            print(f"\nThe demo failed: {error}", file=sys.stderr)
            return 1
    print("\nServer stopped.")
    return 0


def run(backups_api: CommandLine, data_dir: Path, source: dict[str, int]) -> None:
    before = backups_api.backup_ids()
    backups_api.show("backups", "create")
    again = backups_api.read("backups", "create")
    added, size = again["added_bytes"], again["backup"]["bytes"]
    store = config.default_store(data_dir)
    whole_copies = stored_format(open_store(store)) == COPIES
    print(
        f"\nBacked up again, nothing changed: {added:,} bytes added to the store for a {size:,}-byte "
        f"database ({added / size:.2%}), "
        + (
            f"a whole compressed copy: {store} was made by an earlier version, which stored whole "
            "copies (format 1). `.venv/bin/python -m backups_server migrate` upgrades it to format 2, "
            "which keeps each page once."
            if whole_copies
            else "since the store keeps each page once"
        )
    )
    backups_api.show("backups", "list")

    new = [backup for backup in backups_api.backup_ids() if backup not in before]
    if len(new) != 2:
        raise DemoFailed(f"the two backups just made should be the new ones listed, not {new}")
    if added > size // 100 and not whole_copies:
        raise DemoFailed(f"a backup of an unchanged database added {added} bytes to the store")
    backup, *others = sorted(new)
    changed = forget_half(database_of(data_dir))
    print(f"\nChanged the database: {describe(changed)} now")
    backups_api.show("backups", "restore", backup)
    restored = table_sizes(database_of(data_dir))
    if restored != source:
        raise DemoFailed(f"the restored database differs from the backup: {restored} != {source}")
    print(f"\nRestored {backup} into the live database: {describe(restored)} as when it was taken")

    for made in (backup, *others):
        backups_api.show("backups", "delete", made)
    print(f"Deleted the demo's backups; {len(backups_api.backup_ids())} backups remain")


def database_of(data_dir: Path) -> Path:
    return data_dir / config.DATABASE


def forget_half(database: Path) -> dict[str, int]:
    """Delete every other row of each table, as a mistake would; the new table sizes."""
    with closing(sqlite3.connect(database)) as connection, connection:
        for table in table_sizes(database):
            connection.execute(f'DELETE FROM "{table}" WHERE rowid % 2 = 0')  # noqa: S608
    return table_sizes(database)


def table_sizes(database: Path) -> dict[str, int]:
    """The number of rows of each table: what a restored copy must have too."""
    with closing(sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        count = 'SELECT count(*) FROM "{}"'
        return {table: connection.execute(count.format(table)).fetchone()[0] for table in tables}


def describe(tables: dict[str, int]) -> str:
    return f"{len(tables)} tables, {sum(tables.values()):,} rows"


def size(count: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


if __name__ == "__main__":
    sys.exit(main())
