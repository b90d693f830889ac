"""How a backup's data is stored: compressed with zstd on the way in, hashed and counted on both sides,
and decompressed on the way out, checked and bounded."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import zstandard

from backups_server.errors import RestoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from backups_server.storage.store import Store, Writable

LEVEL = 3
JOB_SIZE = 4 * 1024 * 1024
"""Bytes each compression thread works on at once: what bounds the compressor's memory."""
READ_SIZE = 1024 * 1024


class CompressedReader:
    """Reads `file` compressed; `sha256` and `size` describe what it handed out.

    `on_progress(consumed, produced)` follows both sides: the bytes of `file` consumed, as the
    compressor reads them, and the compressed bytes handed out. The input side is what moves: the
    compressor reads whole jobs ahead of its first byte of output.
    """

    def __init__(self, file: BinaryIO, on_progress: Callable[[int, int], None]) -> None:
        parameters = zstandard.ZstdCompressionParameters.from_level(
            LEVEL, threads=min(os.cpu_count() or 1, 4), job_size=JOB_SIZE, write_checksum=True
        )
        self._counts = _Counts(on_progress)
        self._stream = zstandard.ZstdCompressor(compression_params=parameters).stream_reader(
            _CountedReader(file, self._counts),  # type: ignore[arg-type]  # any object with read() will do
            read_size=READ_SIZE,
            closefd=False,
        )
        self.sha256 = hashlib.sha256()

    @property
    def size(self) -> int:
        return self._counts.produced

    def read(self, size: int = -1, /) -> bytes:
        chunk: bytes = self._stream.read(size)
        self.sha256.update(chunk)
        self._counts.produced += len(chunk)
        self._counts.report()
        return chunk


@dataclass
class _Counts:
    """The bytes consumed and produced, shared by the reader and its input; kept apart from the
    reader so that the input refers back to no part of it, and the compressor (whose buffers are
    several MiB) is freed as soon as the reader is."""

    on_progress: Callable[[int, int], None]
    consumed: int = 0
    produced: int = 0

    def report(self) -> None:
        self.on_progress(self.consumed, self.produced)


class _CountedReader:
    """A file that counts the bytes read from it into `counts`, and reports after each read."""

    def __init__(self, file: BinaryIO, counts: _Counts) -> None:
        self._file = file
        self._counts = counts

    def read(self, size: int = -1, /) -> bytes:
        data = self._file.read(size)
        self._counts.consumed += len(data)
        self._counts.report()
        return data


@dataclass(frozen=True)
class Unpacked:
    """What an unpacking read and wrote: the SHA-256 of the stored bytes, and the bytes written."""

    sha256: str
    written: int


def unpack(
    store: Store,
    name: str,
    target: Writable,
    limit: int,
    *,
    label: str,
    on_stored: Callable[[int], None] = lambda _: None,
    on_written: Callable[[int], None] = lambda _: None,
) -> Unpacked:
    """Read the stored object `name` and write it into `target`, decompressed: at most `limit`
    bytes, or RestoreError naming `label`, as for data that does not decompress."""
    bounded = BoundedSink(target, limit, label, on_written)
    with zstandard.ZstdDecompressor().stream_writer(bounded, closefd=False) as decompressed:  # type: ignore[arg-type]  # any object with write() will do
        hashing = HashingSink(decompressed, on_stored)
        store.read(name, hashing)
    return Unpacked(hashing.sha256.hexdigest(), bounded.written)


class BoundedSink:
    """Writes to `file` until more than `limit` bytes come: then the data is not what the manifest
    describes, and decompressing stops there instead of filling the disk. `on_written` gets the
    count written so far after each write."""

    def __init__(
        self, file: Writable, limit: int, backup_id: str, on_written: Callable[[int], None] = lambda _: None
    ) -> None:
        self._file = file
        self._limit = limit
        self._backup_id = backup_id
        self._on_written = on_written
        self.written = 0

    def write(self, data: bytes, /) -> int:
        if self.written + len(data) > self._limit:
            raise RestoreError(f"backup {self._backup_id} is damaged: it is larger than it was taken with")
        done = 0
        while done < len(data):  # a raw file may write less than it is given
            done += self._file.write(data[done:])
        self.written += len(data)
        self._on_written(self.written)
        return len(data)


class HashingSink:
    """Passes the stored bytes on to the decompressor, hashing and counting them on the way."""

    def __init__(self, decompressed: Writable, on_stored: Callable[[int], None]) -> None:
        self.sha256 = hashlib.sha256()
        self._decompressed = decompressed
        self._on_stored = on_stored
        self._count = 0

    def write(self, data: bytes, /) -> int:
        self.sha256.update(data)
        try:
            written = self._decompressed.write(data)
        except zstandard.ZstdError as error:
            raise RestoreError(f"the stored data is damaged: {error}") from error
        self._count += len(data)
        self._on_stored(self._count)
        return written
