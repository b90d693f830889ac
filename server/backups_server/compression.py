"""A file read as a zstd stream, hashed and counted on both sides."""

from __future__ import annotations

import hashlib
import os
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
        self._input = _CountedReader(file, self._report)
        self._stream = zstandard.ZstdCompressor(compression_params=parameters).stream_reader(
            self._input,  # type: ignore[arg-type]  # zstandard reads any object with a read() method
            read_size=READ_SIZE,
            closefd=False,
        )
        self._on_progress = on_progress
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk: bytes = self._stream.read(size)
        self.sha256.update(chunk)
        self.size += len(chunk)
        self._report()
        return chunk

    def _report(self) -> None:
        self._on_progress(self._input.count, self.size)


class _CountedReader:
    """A file that counts the bytes read from it, and says so after each read."""

    def __init__(self, file: BinaryIO, on_read: Callable[[], None]) -> None:
        self._file = file
        self._on_read = on_read
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._file.read(size)
        self.count += len(data)
        self._on_read()
        return data
