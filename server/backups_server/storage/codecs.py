"""A file read as a zstd stream, hashed and counted on both sides."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import zstandard

if TYPE_CHECKING:
    from collections.abc import Callable

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
