"""The server, held at a chosen point of a job for as long as a test wants.

`python -m tests.server.held_store serve` runs the server's own command line, after wrapping one
point of its work, by `at`:

- `write`: once a backup's data has passed `after` bytes on its way into the store (both stores);
- `read`: once a backup's data has passed `after` bytes on its way out of the store, for a restore;
- `replace`: once a restoration has passed its point of no return: the last page copy, which
  commits, is next.

There, the work waits until the test opens the hold's FIFO and closes it again, the first time
only. A test can then act at a point of a job that it knows, instead of racing it:
`with hold.held(): ...` waits for that point and keeps the job held for the length of the block.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from backups_server import cli
from backups_server.api.jobs import RESTORATION, Job
from backups_server.storage.folder import FolderStore
from backups_server.storage.layout import DATA_FILE
from backups_server.storage.s3 import S3Store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_server.storage.store import Readable, Writable

MODULE = __name__
"""What `ServerFactory(module=...)` runs for a held server."""
ROOT = Path(__file__).resolve().parents[2]
FIFO = "HELD_STORE_FIFO"
AFTER = "HELD_STORE_AFTER"
AT = "HELD_STORE_AT"

Point = Literal["write", "read", "replace"]


class StoreHold:
    """The test's side of a hold: a FIFO in `folder`, and the settings a held server needs."""

    def __init__(self, folder: Path, *, after: int = 0, at: Point = "write") -> None:
        folder.mkdir(parents=True)
        self.fifo = folder / "release"
        os.mkfifo(self.fifo)
        python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.environment = {FIFO: str(self.fifo), AFTER: str(after), AT: at, "PYTHONPATH": python_path}

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait until the job is held; it resumes when the block ends."""
        with self.fifo.open("wb"):  # opening waits for the job, which waits for the close
            yield


class _Hold:
    """The server's side: waits once, the first time it is asked to."""

    def __init__(self, fifo: Path) -> None:
        self._fifo = fifo
        self._waited = False

    def __call__(self) -> None:
        if not self._waited:
            self._waited = True
            with self._fifo.open("rb") as release:
                release.read()


class _HeldSource:
    """A backup's data on its way into the store, held once `after` bytes have gone."""

    def __init__(self, source: Readable, after: int, hold: _Hold) -> None:
        self._source = source
        self._after = after
        self._hold = hold
        self._count = 0

    def read(self, size: int = -1, /) -> bytes:
        if self._count >= self._after:
            self._hold()
        chunk = self._source.read(size)
        self._count += len(chunk)
        return chunk


class _HeldSink:
    """A backup's data on its way out of the store, held once `after` bytes have come."""

    def __init__(self, sink: Writable, after: int, hold: _Hold) -> None:
        self._sink = sink
        self._after = after
        self._hold = hold
        self._count = 0

    def write(self, data: bytes, /) -> int:
        if self._count >= self._after:
            self._hold()
        self._count += len(data)
        return self._sink.write(data)


def _held_writes(write: Callable[..., None], after: int, hold: _Hold) -> Callable[..., None]:
    def held_write(store: object, name: str, source: Readable, *arguments: object) -> None:
        if name.endswith("/" + DATA_FILE):
            source = _HeldSource(source, after, hold)
        write(store, name, source, *arguments)

    return held_write


def _held_reads(read: Callable[..., None], after: int, hold: _Hold) -> Callable[..., None]:
    def held_read(store: object, name: str, sink: Writable) -> None:
        if name.endswith("/" + DATA_FILE):
            sink = _HeldSink(sink, after, hold)
        read(store, name, sink)

    return held_read


def _held_commits(commit: Callable[[Job], None], hold: _Hold) -> Callable[[Job], None]:
    def held_commit(job: Job) -> None:
        commit(job)
        if job.kind == RESTORATION:
            hold()

    return held_commit


def _hold_the_server(at: str, after: int, hold: _Hold) -> None:
    if at == "replace":
        Job.commit = _held_commits(Job.commit, hold)  # type: ignore[method-assign,assignment]
        return
    for store_class in (FolderStore, S3Store):
        if at == "write":
            store_class.write = _held_writes(store_class.write, after, hold)  # type: ignore[method-assign]
        else:
            store_class.read = _held_reads(store_class.read, after, hold)  # type: ignore[method-assign]


if __name__ == "__main__":
    _hold_the_server(os.environ[AT], int(os.environ[AFTER]), _Hold(Path(os.environ[FIFO])))
    sys.exit(cli.main())
