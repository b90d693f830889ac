"""Where backups live: one small interface, with a folder implementation (`folder`) and an S3 one (`s3`).

Object names are relative, `/`-separated paths such as `backups/ID/manifest.json`. Everything
above this package works with `Store` only and never learns which implementation it has.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

COPY_CHUNK = 1024 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class StoredObject(NamedTuple):
    """An object as a listing shows it. Any write of the object changes `etag`. (A named tuple,
    since listings make and caches hash thousands of them.)"""

    name: str
    size: int
    modified: datetime
    etag: str
    """S3's ETag; for a folder store, the file's inode and modification time in nanoseconds, as web
    servers make ETags of files (a write renames a new file into place, so a new inode)."""


@dataclass(frozen=True)
class UnfinishedWrite:
    """A write that started and never finished, and is not an object (an S3 multipart upload)."""

    name: str
    started: datetime
    token: str
    """What the store needs to abort it."""


class Store(Protocol):
    """List, read, write and delete whole objects; bytes always flow as streams."""

    concurrent_reads: int
    """How many small objects are best read at once: what the store serves in parallel."""

    def list(self, prefix: str) -> list[StoredObject]:
        """Every object whose name starts with `prefix`."""
        ...

    def read(self, name: str, sink: Writable) -> None:
        """Write the object's bytes into `sink`; raises ObjectMissing."""
        ...

    def read_bytes(self, name: str) -> bytes:
        """The whole object, in one request: for small objects such as manifests; raises ObjectMissing."""
        ...

    def read_range(self, name: str, start: int, length: int) -> bytes:
        """`length` bytes of the object from offset `start`, in one request (fewer at its end); raises
        ObjectMissing."""
        ...

    def write(self, name: str, source: Readable, on_stored: Callable[[int], None] | None = None) -> None:
        """Store everything `source` yields until EOF; the object appears whole or not at all.

        `on_stored`, if given, is called with the number of bytes stored so far as they are, from
        any thread.
        """
        ...

    def create(self, name: str, data: bytes) -> bool:
        """Store a small object unless one of that name exists; whether this call stored it. Of two
        creations of one name at once, whichever servers make them, exactly one stores it."""
        ...

    def delete(self, name: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    def unfinished(self, prefix: str) -> tuple[UnfinishedWrite, ...]:
        """The unfinished writes under `prefix` that are not listed as objects."""
        ...

    def abort(self, write: UnfinishedWrite) -> None:
        """Abort an unfinished write and free what it holds."""
        ...

    def check(self) -> None:
        """Raise StoreRefused if the store cannot be used as configured, StoreError if it cannot
        be reached now."""
        ...


def copy_stream(source: Readable, target: Writable, on_stored: Callable[[int], None] | None = None) -> None:
    """Copy `source` into `target` by chunks; `on_stored` gets the count copied after each."""
    stored = 0
    while chunk := source.read(COPY_CHUNK):
        target.write(chunk)
        stored += len(chunk)
        if on_stored:
            on_stored(stored)


def fsync_path(path: Path, *, missing_ok: bool = False) -> None:
    """fsync a file or a folder, by its path."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
