"""The server, with a backup's data held in the middle of being stored, for as long as a test wants.

`python -m tests.server.held_store serve` runs the server's own command line, after wrapping the
`write` of both stores: once a backup's data has passed `after` bytes, the next read of it waits
until the test opens the hold's FIFO and closes it again. A test can then act at a point of the
backup that it knows, instead of racing it: `with hold.held(): ...` waits for that point and keeps
the store held for the length of the block.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from backups_server import cli
from backups_server.backups import DATA
from backups_server.store import FolderStore, S3Store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_server.store import Readable

MODULE = __name__
"""What `ServerFactory(module=...)` runs for a held server."""
ROOT = Path(__file__).resolve().parents[2]
FIFO = "HELD_STORE_FIFO"
AFTER = "HELD_STORE_AFTER"


class StoreHold:
    """The test's side of a hold: a FIFO in `folder`, and the settings a held server needs."""

    def __init__(self, folder: Path, *, after: int) -> None:
        folder.mkdir(parents=True)
        self.fifo = folder / "release"
        os.mkfifo(self.fifo)
        self.environment = {FIFO: str(self.fifo), AFTER: str(after), "PYTHONPATH": str(ROOT)}

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait until the store holds a backup's data; it resumes when the block ends."""
        with self.fifo.open("wb"):  # opening waits for the store, which waits for the close
            yield


class _HeldSource:
    def __init__(self, source: Readable, after: int, fifo: Path) -> None:
        self._source = source
        self._after = after
        self._fifo = fifo
        self._handed_out = 0
        self._waited = False

    def read(self, size: int = -1, /) -> bytes:
        if self._handed_out >= self._after and not self._waited:
            self._waited = True
            with self._fifo.open("rb") as release:
                release.read()
        chunk = self._source.read(size)
        self._handed_out += len(chunk)
        return chunk


def _held(write: Callable[..., None], after: int, fifo: Path) -> Callable[..., None]:
    def held_write(store: object, name: str, source: Readable, *arguments: object) -> None:
        if name.endswith("/" + DATA):
            source = _HeldSource(source, after, fifo)
        write(store, name, source, *arguments)

    return held_write


if __name__ == "__main__":
    for store_class in (FolderStore, S3Store):
        store_class.write = _held(  # type: ignore[method-assign]
            store_class.write, int(os.environ[AFTER]), Path(os.environ[FIFO])
        )
    sys.exit(cli.main())
