"""Settings of the server, with defaults that work with no configuration at all."""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from backups_server._version import spec_path
from backups_server.storage.store import fsync_path

if TYPE_CHECKING:
    from backups_server.engine.retention import Policy
    from backups_server.runtime.schedule import Schedule

DATA_DIR = Path(".data")
DATABASE = "database.sqlite"
STORE = "store"
KEY_FILE = "api-key"
PASSPHRASE_FILE = "passphrase"  # noqa: S105  # the file's name, not a passphrase
SCRATCH = "tmp"
CACHE = "cache"

LISTENING = "Listening on "
"""How `serve` starts the line giving the address it listens on, once it has bound its port."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database: Path
    store: str
    spec: Path
    host: str
    port: int
    api_keys: tuple[str, ...] = field(repr=False)
    device_name: str
    keepalive: float
    max_waiting: int
    hold_streamed: float
    leftover_age: float
    sweep_interval: float
    prune_interval: float
    grace: float
    client_timeout: float
    max_connections: int
    max_requests: int
    store_timeout: float
    store_format: int
    retention: Policy
    schedule: Schedule | None
    metrics_access: str

    @property
    def scratch_dir(self) -> Path:
        """Where snapshots are taken before they are compressed into the store."""
        return self.data_dir / SCRATCH


def default_spec() -> Path:
    """The copy of the spec packaged beside this module in a wheel, or the repository's openapi.yaml."""
    return spec_path(Path(__file__).resolve().parent)


def default_database(data_dir: Path) -> Path:
    return (data_dir / DATABASE).resolve()


def default_store(data_dir: Path) -> str:
    return (data_dir / STORE).resolve().as_uri()


def parse_keys(text: str) -> tuple[str, ...]:
    """Keys separated by commas or new lines."""
    return tuple(key.strip() for key in text.replace("\n", ",").split(",") if key.strip())


def generated_key_file(data_dir: Path) -> tuple[Path, bool]:
    """The key file of the data folder, created with a fresh key (mode 0600) if missing; returns
    its path and whether it was just created."""
    return _generated_secret(data_dir / KEY_FILE)


def generated_passphrase_file(data_dir: Path) -> tuple[Path, bool]:
    """The file of the passphrase of the store's keys, created with a fresh one (mode 0600) if
    missing; returns its path and whether it was just created."""
    return _generated_secret(data_dir / PASSPHRASE_FILE)


def _generated_secret(path: Path) -> tuple[Path, bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path, False
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(32) + "\n")
        file.flush()
        os.fsync(file.fileno())
    fsync_path(path.parent)  # durable before a store's keys are wrapped for it
    return path, True


def index_cache(data_dir: Path, store: str) -> Path:
    """Where the server keeps its copies of a store's index objects: one folder per store."""
    return data_dir / CACHE / hashlib.sha256(store.encode()).hexdigest()[:16]


def ensure_database(path: Path) -> bool:
    """Create an empty database in WAL mode (writers never wait for a backup) if there is none;
    returns whether it was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    return True
