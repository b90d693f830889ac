"""What the tests share besides fixtures: the reference server in a child process, the stores under test
(a folder, or S3 through moto's server mode), sample databases, seeded backups, and polling.

The fixtures built on these are in conftest.py.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import io
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
from pyrage import x25519

from backups_api_client import AuthenticatedClient
from backups_server.engine.restore import restore
from backups_server.engine.service import BackupService
from backups_server.keyring import read_identities
from backups_server.launcher import ServerProcess, spawn
from backups_server.storage.folder import FolderStore
from backups_server.storage.keys import KeyRing, Secret
from backups_server.storage.layout import COPIES, DATA, data_name, mark_format, marked_format
from backups_server.storage.records import EPOCH, BackupRecord, Manifest, write_manifest
from backups_server.storage.s3 import S3Store
from backups_server.storage.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from backups_server.storage.store import Readable


ROOT = Path(__file__).resolve().parent.parent


API_KEY = "test-key-7f3a9c"


DEVICE_NAME = "test-device"


@dataclass
class StoreUnderTest:
    kind: str
    url: str
    store: Store
    """The same store, for tests to look into directly."""
    environment: dict[str, str] = field(default_factory=dict)
    """What a server process needs in its environment to reach the store."""


@functools.cache
def identity_file() -> Path:
    """A file of one age identity (mode 0600 from its creation), made once per test process and removed
    when it ends, that opens the keys of the encrypted stores the tests' servers create (an identity
    opens at once, where a passphrase takes a second)."""
    folder = Path(tempfile.mkdtemp(prefix="backups-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "identity"
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(f"{x25519.Identity.generate()}\n")
    return path


def damage(store: StoreUnderTest, name: str) -> None:
    """Flip one bit in the middle of a stored object."""
    content = bytearray(store.store.read_bytes(name))
    content[len(content) // 2] ^= 0x01
    store.store.write(name, io.BytesIO(bytes(content)))


def key_ring() -> KeyRing:
    """The keys of the stores the tests' servers create, for the tests that open them themselves."""
    return KeyRing(Secret(identities=read_identities(identity_file())))


def keys_environment() -> dict[str, str]:
    """What a server process needs to open the keys of a store the tests made."""
    return {"BACKUPS_IDENTITY_FILE": str(identity_file())}


def folder_store(root: Path) -> StoreUnderTest:
    return StoreUnderTest("folder", root.as_uri(), FolderStore(root), keys_environment())


@contextmanager
def s3_store(endpoint: str) -> Iterator[StoreUnderTest]:
    """A new bucket on the S3 endpoint, used under a prefix."""
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=credentials["AWS_DEFAULT_REGION"],
    )
    bucket = f"backups-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    environment = {"AWS_ENDPOINT_URL": endpoint, **credentials, **keys_environment()}
    try:
        yield StoreUnderTest(
            "s3", f"s3://{bucket}/team/backups", S3Store(bucket, "team/backups", client), environment
        )
    finally:
        client.close()


def make_database(path: Path, rows: int = 1000, *, journal_mode: str = "wal") -> Path:
    """A small database of notes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(f"PRAGMA journal_mode={journal_mode}")
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
        connection.executemany(
            "INSERT INTO notes (title, body) VALUES (?, ?)",
            [(f"note {number}", f"text of note {number} " * 20) for number in range(rows)],
        )
    return path


def make_service(root: Path, *, store: Store | None = None, **options: Any) -> BackupService:
    """A service of a small database under `root`, and of `store` or a folder store there."""
    return BackupService(
        store=store or FolderStore(root / "store"),
        database=make_database(root / "database.sqlite", rows=10),
        work_dir=root / "scratch",
        version="1.0.0",
        device_name="unit",
        **options,
    )


def encrypted_service(root: Path, store: Store) -> BackupService:
    """A service backing up `root`'s database (made, unless there is one) into `store`, encrypted."""
    database = root / "database.sqlite"
    return BackupService(
        store=store,
        database=database if database.exists() else make_database(database, rows=3000),
        work_dir=root / "scratch",
        version="1.0.0",
        device_name="unit",
        keys=key_ring(),
    )


def change(database: Path, step: int) -> None:
    """Give a quarter of the notes new text, one quarter after another by id: most pages of a backup are
    the pages of the one before, and the oldest copies of pages become unneeded as steps go. (Random
    text, which compresses as little as real notes do: these tiny ones would compress 25 times.)"""
    quarter = range(750 * (step % 4) + 1, 750 * (step % 4 + 1) + 1)
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.executemany(
            "UPDATE notes SET body = ? WHERE id = ?", [(secrets.token_hex(150), note) for note in quarter]
        )


def backups_of_changes(service: BackupService, count: int) -> dict[str, list[tuple[Any, ...]]]:
    """`count` backups, the database changed before each: each backup's id and the rows it holds."""
    made = {}
    for step in range(count):
        change(service.database, step)
        made[service.create(lambda _: None).backup_id] = rows(service.database)
    return made


def state_to_prune(root: Path, store: Store) -> tuple[BackupService, dict[str, list[tuple[Any, ...]]]]:
    """Three backups of a changing database, the oldest two forgotten: the service and what is listed."""
    service = encrypted_service(root, store)
    made = backups_of_changes(service, 3)
    *forgotten, kept = made
    for backup_id in forgotten:
        service.delete(backup_id)
    return service, {kept: made[kept]}


class Killed(BaseException):
    """The process died: after this, nothing it does reaches the store."""


class DiesAtChange:
    """A store whose process dies at its `at`-th change (a write, creation or deletion), and counts them."""

    def __init__(self, store: Store, at: int | None = None) -> None:
        self._store = store
        self.at = at
        self.changes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _change(self) -> None:
        self.changes += 1
        if self.at is not None and self.changes >= self.at:
            raise Killed

    def write(self, name: str, source: Readable, on_stored: Any = None) -> None:
        self._change()
        self._store.write(name, source, on_stored)

    def create(self, name: str, data: bytes) -> bool:
        self._change()
        return self._store.create(name, data)

    def delete(self, name: str) -> None:
        self._change()
        self._store.delete(name)


def restored_rows(service: BackupService, backup_id: str, target: Path) -> list[tuple[Any, ...]]:
    """The notes of a backup of an encrypted store of the tests' keys, restored into `target`."""
    restore(service.store, backup_id, target, keys=key_ring(), force=True)
    return rows(target)


def seed_backup(store: Store, moment: datetime, *, device_name: str = DEVICE_NAME) -> str:
    """Write a backup taken at `moment` straight into `store`, in format 1, as a server would (with a few
    bytes of data); returns its id."""
    if marked_format(store) is None:
        mark_format(store, COPIES)
    timestamp = (moment - EPOCH) // timedelta(microseconds=1)
    record = BackupRecord.new("1.0.0", timestamp, 4096, device_name, "LINUX")
    data, content = data_name(record.backup_id), b"seeded"
    store.write(data, io.BytesIO(content))
    write_manifest(store, Manifest(record, data, hashlib.sha256(content).hexdigest(), len(content)))
    return record.backup_id


def rows(database: Path, query: str = "SELECT * FROM notes ORDER BY id") -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()


@dataclass
class LiveServer:
    process: ServerProcess
    data_dir: Path
    database: Path
    store: StoreUnderTest

    @property
    def url(self) -> str:
        return self.process.base_url

    @property
    def api_key(self) -> str:
        return self.process.api_key

    def client(self) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=self.url, token=self.api_key)

    @contextmanager
    def streamed(self, path: str) -> Iterator[httpx.Response]:
        """The answer to a POST of `path` asking for its events, for the length of the block; 200."""
        headers = {"X-Application-ID": self.api_key, "Accept": "text/event-stream"}
        with httpx.stream("POST", self.url + path, headers=headers, timeout=30) as response:
            assert response.status_code == 200, response.read()
            yield response


class ServerFactory:
    """Starts servers on temporary data folders and the store under test; stops them all at the end."""

    def __init__(self, tmp_path: Path, store: StoreUnderTest) -> None:
        self.tmp_path = tmp_path
        self.store = store
        self.servers: list[LiveServer] = []

    def __call__(
        self,
        *,
        database: Path | None = None,
        data_dir: Path | None = None,
        environment: Mapping[str, str] | None = None,
        ready: bool = True,
        module: str = "backups_server",
        wrapper: Sequence[str] = (),
    ) -> LiveServer:
        """A server, ready unless `ready` is false; one that does not start is stopped before the
        error is raised, so no process outlives its test."""
        data_dir = data_dir or self.tmp_path / f"server-{len(self.servers)}"
        database = database or make_database(data_dir / "database.sqlite")
        settings = {
            "BACKUPS_DATABASE": str(database),
            "BACKUPS_STORE": self.store.url,
            "BACKUPS_DEVICE_NAME": DEVICE_NAME,
            "BACKUPS_LOG_LEVEL": "warning",
            **self.store.environment,
            **(environment or {}),
        }
        server = LiveServer(
            spawn(data_dir, api_key=API_KEY, environment=settings, module=module, wrapper=wrapper),
            data_dir,
            database,
            self.store,
        )
        self.servers.append(server)
        if ready:
            try:
                server.process.wait_ready()
            except BaseException:
                server.process.kill()
                raise
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.process.stop()
            where = server.process.listening_on or f"process {server.process.pid}"
            print(f"--- log of the server on {where}:\n{server.process.log_tail()}")


def session_server(root: Path, store: StoreUnderTest) -> Iterator[LiveServer]:
    factory = ServerFactory(root, store)
    try:
        yield factory()
    finally:
        factory.stop_all()


def server_command(
    store: StoreUnderTest, command: str, *arguments: str, wrapper: Sequence[str] = (), **variables: str
) -> subprocess.CompletedProcess[str]:
    """`python -m backups_server COMMAND ARGUMENTS --store STORE` (under `wrapper`, if given), with no
    BACKUPS_* setting but the store's and `variables`."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("BACKUPS_")}
    return subprocess.run(
        [*wrapper, sys.executable, "-m", "backups_server", command, *arguments, "--store", store.url],
        env=environment | store.environment | variables,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def make_incompressible_database(path: Path, megabytes: int) -> Path:
    """A database of random blobs, `megabytes` of them, which compress to about as much."""
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE blobs (data BLOB)")
        connection.executemany("INSERT INTO blobs VALUES (randomblob(1048576))", [()] * megabytes)
    return path


def partial_of(name: str) -> str:
    """The name a folder store's unfinished write of `name` has, `.NAME.*.partial` beside it."""
    folder, _, base = name.rpartition("/")
    return f"{folder}/.{base}.x1y2.partial"


def writes_under_way(store: StoreUnderTest) -> list[str]:
    """What the store holds of unfinished writes: `.partial` files of a folder, multipart uploads of S3."""
    return [write.name for write in store.store.unfinished(DATA)]


class Recorder:
    """A store, and a hook run after each object written; deletions are recorded in order."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.deleted: list[str] = []
        self.after_write: Callable[[str], None] = lambda _: None

    def write(self, name: str, source: Readable, on_stored: Callable[[int], None] | None = None) -> None:
        self.store.write(name, source, on_stored)
        self.after_write(name)

    def delete(self, name: str) -> None:
        self.deleted.append(name)
        self.store.delete(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def eventually(check: Callable[[], bool], timeout: float = 20) -> bool:
    """Whether `check` holds within `timeout` seconds, asked again every 50 ms."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
