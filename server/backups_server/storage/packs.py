"""Packs: the objects an encrypted store keeps its data in, many blobs in each.

A blob is a batch of pieces of data (pages of a database, or lists of page ids), each named by its
id; the batch is compressed with zstd, then sealed (AES-256-GCM) under the pack's own key, derived
from the master key and the pack's name, with the pack's name and the blob's place in it as
associated data. After the blobs comes the pack's table of contents (which piece is in which blob,
where), sealed too, then its length:

    blob 1 | blob 2 | ... | sealed table of contents | length of the sealed table (4 bytes)

A reader takes a blob with one ranged read, knowing its place from the store's index, and checks
it as it opens it: a blob changed, swapped with another or moved does not open.
"""

from __future__ import annotations

import secrets
import struct
from typing import TYPE_CHECKING, NamedTuple

import zstandard

from backups_server.storage.sealing import seal, unseal

if TYPE_CHECKING:
    from collections.abc import Sequence

PACKS = "packs/"
TARGET_SIZE = 16 * 1024 * 1024
"""A pack is stored once it holds this many bytes of blobs."""
ID_BYTES = 16
LEVEL = 1
"""zstd's level for blobs. On the benchmark's batches of pages, level 1 takes 10 % less time than 2
and 3 (which compress alike), for blobs 7 % larger: a first backup of 256 MiB takes 4 % less time."""

_LENGTH = struct.Struct(">I")
_BLOB = struct.Struct(">QII")
"""A blob in a table of contents: its offset and sealed length in the pack, and its number of pieces."""
_PIECE = struct.Struct(f">{ID_BYTES}sII")
"""A piece of a blob: its id, and its offset and length in the blob, decompressed."""


class Piece(NamedTuple):
    id: bytes
    offset: int
    length: int


class Blob(NamedTuple):
    """Where a blob is in its pack, and what it holds."""

    offset: int
    length: int
    pieces: tuple[Piece, ...]

    @property
    def size(self) -> int:
        """The blob's size decompressed."""
        return sum(piece.length for piece in self.pieces)


def new_pack_name() -> str:
    """A name for a new pack: random, in one of 256 folders."""
    token = secrets.token_hex(16)
    return f"{PACKS}{token[:2]}/{token}"


def compress(pieces: Sequence[tuple[bytes, bytes | memoryview]]) -> tuple[bytes, tuple[Piece, ...]]:
    """The pieces (id, data) as one compressed batch, and where each is in it decompressed."""
    placed, offset = [], 0
    for piece_id, data in pieces:
        placed.append(Piece(piece_id, offset, len(data)))
        offset += len(data)
    return zstandard.ZstdCompressor(level=LEVEL).compress(b"".join(data for _, data in pieces)), tuple(placed)


class PackWriter:
    """Builds one pack in memory: blobs are appended in order, sealed as they come."""

    def __init__(self, name: str, key: bytes) -> None:
        self.name = name
        self._key = key
        self._parts: list[bytes] = []
        self.blobs: list[Blob] = []
        self.size = 0

    def add(self, compressed: bytes, pieces: tuple[Piece, ...]) -> Blob:
        """Append a compressed batch (from `compress`)."""
        sealed = seal(self._key, compressed, _blob_context(self.name, self.size))
        blob = Blob(self.size, len(sealed), pieces)
        self._parts.append(sealed)
        self.blobs.append(blob)
        self.size += len(sealed)
        return blob

    def finish(self) -> bytes:
        """The pack's bytes, its table of contents at the end."""
        table = seal(self._key, encode_table(self.blobs), _table_context(self.name))
        return b"".join([*self._parts, table, _LENGTH.pack(len(table))])


def open_blob(name: str, key: bytes, blob: Blob, sealed: bytes) -> bytes:
    """A blob's batch, decompressed, from its sealed bytes; raises Unauthentic, or ValueError for a
    batch that does not decompress to its size."""
    compressed = unseal(key, sealed, _blob_context(name, blob.offset))
    try:
        data = zstandard.ZstdDecompressor().decompress(compressed, max_output_size=blob.size)
    except zstandard.ZstdError as error:
        raise ValueError(f"a blob of {name} does not decompress: {error}") from None
    if len(data) != blob.size:
        raise ValueError(f"a blob of {name} holds {len(data)} bytes, not {blob.size}")
    return data


def sealed_table(pack: bytes) -> bytes:
    """The sealed table of contents of a pack, from its bytes; raises ValueError for bytes too short to
    say its length."""
    if len(pack) < _LENGTH.size:
        raise ValueError(f"it has {len(pack)} bytes, too few to end with its table's length")
    (length,) = _LENGTH.unpack(pack[-_LENGTH.size :])
    return pack[-_LENGTH.size - length : -_LENGTH.size]


def open_table(name: str, key: bytes, sealed: bytes) -> list[Blob]:
    """A pack's table of contents from its sealed bytes; raises Unauthentic."""
    return decode_table(unseal(key, sealed, _table_context(name)))


def encode_table(blobs: list[Blob]) -> bytes:
    parts = [_LENGTH.pack(len(blobs))]
    for blob in blobs:
        parts.append(_BLOB.pack(blob.offset, blob.length, len(blob.pieces)))
        parts += [_PIECE.pack(piece.id, piece.offset, piece.length) for piece in blob.pieces]
    return b"".join(parts)


def decode_table(raw: bytes) -> list[Blob]:
    """Raises ValueError for what is not a table of contents."""
    try:
        (count,) = _LENGTH.unpack_from(raw, 0)
        position, blobs = _LENGTH.size, []
        for _ in range(count):
            offset, length, pieces = _BLOB.unpack_from(raw, position)
            position += _BLOB.size
            found = tuple(Piece(*_PIECE.unpack_from(raw, position + n * _PIECE.size)) for n in range(pieces))
            position += pieces * _PIECE.size
            blobs.append(Blob(offset, length, found))
    except struct.error as error:
        raise ValueError(f"not a table of contents: {error}") from error
    if position != len(raw):
        raise ValueError("not a table of contents: it has bytes after its last blob")
    return blobs


def _blob_context(name: str, offset: int) -> bytes:
    return f"{name}#{offset}".encode()


def _table_context(name: str) -> bytes:
    return f"{name}#table".encode()
