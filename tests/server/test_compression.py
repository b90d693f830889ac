"""Compressing a snapshot: the compressor's input is reported as it is read, and nothing keeps the
compressor (several MiB of buffers) alive once the reader is dropped."""

from __future__ import annotations

import gc
import hashlib
import io
import weakref

import zstandard

from backups_server.storage.codecs import READ_SIZE, CompressedReader


def test_the_input_is_reported_as_the_compressor_reads_it() -> None:
    data = b"".join(f"note {number}: some text to compress\n".encode() for number in range(300_000))
    reports: list[tuple[int, int]] = []
    reader = CompressedReader(
        io.BytesIO(data), lambda consumed, produced: reports.append((consumed, produced))
    )

    compressed = b"".join(iter(lambda: reader.read(READ_SIZE), b""))

    before_any_output = [consumed for consumed, produced in reports if produced == 0]
    assert len(before_any_output) >= 4, "the compressor reads several chunks before it hands anything out"
    assert before_any_output == sorted(before_any_output)
    assert reports[-1] == (len(data), len(compressed)) == (len(data), reader.size)
    assert reader.sha256.hexdigest() == hashlib.sha256(compressed).hexdigest()
    assert zstandard.ZstdDecompressor().decompressobj().decompress(compressed) == data


def test_a_dropped_reader_is_freed_at_once_with_its_compressor() -> None:
    gc.disable()  # freed by reference counting, not whenever the cycle collector runs
    try:
        reader = CompressedReader(io.BytesIO(b"data"), lambda consumed, produced: None)
        reader.read()
        dropped = weakref.ref(reader)
        del reader
        assert dropped() is None
    finally:
        gc.enable()
