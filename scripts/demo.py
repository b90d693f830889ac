"""The main job end to end: back up a local SQLite database through the generated client.

With no configuration it uses the data folder `.data/` (BACKUPS_DATA_DIR to change it): it creates
a sample database there if there is none, starts the server on a free port of 127.0.0.1 with a
fresh key, and then, with the generated client: streams a backup with a live progress bar, lists
the backups, checks that the newest is the one just made, restores it into a temporary file and
verifies it, deletes it, and stops the server.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from sample_database import create_sample_database

from backups_api_client import AuthenticatedClient, errors
from backups_api_client.api.backups import (
    backups_create_new_backup_streamed,
    backups_delete_specific_backup,
    backups_snapshot,
)
from backups_api_client.models import Backup, BackupStreamedProgress, SeededBackup
from backups_server import config
from backups_server.launcher import running_server
from backups_server.restore import restore
from backups_server.store import open_store

if TYPE_CHECKING:
    from collections.abc import Iterator

SAMPLE_ROWS = 5000
BAR_WIDTH = 32


class DemoFailed(Exception):
    pass


def main() -> int:
    data_dir = Path(os.environ.get("BACKUPS_DATA_DIR", config.DATA_DIR)).resolve()
    database = data_dir / config.DATABASE
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
        print(f"  server    {server.base_url}  (ready in {ready:.1f} s, log in {server.log})\n")
        with AuthenticatedClient(base_url=server.base_url, token=server.api_key) as client:
            try:
                run(client, data_dir, source)
            except (DemoFailed, errors.APIError) as error:
                print(f"\nThe demo failed: {error}", file=sys.stderr)
                return 1
    print("\nServer stopped.")
    return 0


def run(client: AuthenticatedClient, data_dir: Path, source: dict[str, int]) -> None:
    backup = None
    for progress in stream_backup(client):
        if isinstance(progress.percentage, int | float):
            show_progress(progress.percentage)
        if isinstance(progress.backup, Backup):
            backup = progress.backup
    if backup is None:
        raise DemoFailed("the backup finished without saying which backup it is")
    print(f"  {backup.id}, {size(int(backup.bytes_))} of database\n")

    listing = backups_snapshot.sync(client=client)
    print_table(listing.iterable)

    newest = listing.iterable[0].id if listing.iterable else "nothing"
    if newest != backup.id:
        raise DemoFailed(f"the newest backup listed is {newest}, not {backup.id}, which was just made")
    with tempfile.TemporaryDirectory(prefix="backups-demo-") as scratch:
        target = Path(scratch, "restored.sqlite")
        restore(open_store(config.default_store(data_dir)), backup.id, target)
        restored = table_sizes(target)
    if restored != source:
        raise DemoFailed(f"the restored database differs from the source: {restored} != {source}")
    print(f"\nRestored {backup.id}, the newest, into a temporary file: integrity check ok,", end=" ")
    print(f"{describe(restored)} as in the source")

    backups_delete_specific_backup.sync(backup.id, client=client)
    remaining = backups_snapshot.sync(client=client)
    print(f"Deleted the demo's backup {backup.id}; {len(remaining.iterable)} backups remain")


def stream_backup(client: AuthenticatedClient) -> Iterator[BackupStreamedProgress]:
    """The progress of a new backup as it happens, from POST /backups/create/streamed."""
    try:
        with backups_create_new_backup_streamed.stream(client=client, body=SeededBackup()) as events:
            yield from events
    except errors.StreamFailed as failure:
        raise DemoFailed(failure.message or str(failure)) from None


def show_progress(percentage: float) -> None:
    filled = round(BAR_WIDTH * percentage / 100)
    bar = "█" * filled + "·" * (BAR_WIDTH - filled)
    end = "\n" if percentage >= 100 else ""
    print(f"\r  Backing up  {bar}  {percentage:5.1f} %", end=end, flush=True)


def print_table(backups: list[Backup]) -> None:
    rows = [("ID", "CREATED", "DATABASE", "DEVICE", "PLATFORM")]
    for backup in backups:
        readable = backup.created.readable if isinstance(backup.created.readable, str) else ""
        rows.append(
            (backup.id, readable, size(int(backup.bytes_)), backup.device_name, backup.platform.value)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    print(f"Backups, newest first ({len(backups)})")
    for row in rows:
        print("  " + "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


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
