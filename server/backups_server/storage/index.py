"""The index of an encrypted store: which pack holds each piece, so that a backup writes only what is new
and a restoration reads each piece with one ranged read.

The index is kept in the store as objects `index/NAME`, each the tables of contents of some packs,
sealed: a backup adds one for the packs it wrote, a prune replaces them all with one. A server keeps a
copy of the index objects it has read (`IndexCache`), and reads from the store only those it has not:
the listing of `index/` says which are new, and which are gone.
"""

from __future__ import annotations

import io
import os
import secrets
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backups_server.storage.packs import Blob, Piece, decode_table, encode_table
from backups_server.storage.sealing import seal, unseal

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from backups_server.storage.store import Store

INDEXES = "index/"
_NAME = struct.Struct(">H")
_TABLE = struct.Struct(">I")


@dataclass(frozen=True)
class Location:
    """Where a piece is: its pack, its blob in the pack, and its place in the blob."""

    pack: str
    blob: Blob
    piece: Piece


@dataclass
class Index:
    """The packs of a store and what each holds."""

    packs: dict[str, list[Blob]] = field(default_factory=dict)
    _pieces: dict[bytes, Location] = field(default_factory=dict, repr=False)

    def add(self, pack: str, blobs: list[Blob]) -> None:
        self.packs[pack] = blobs
        for blob in blobs:
            for piece in blob.pieces:
                self._pieces[piece.id] = Location(pack, blob, piece)

    def without(self, packs: Iterable[str]) -> Index:
        """The index of the other packs."""
        gone = set(packs)
        remaining = Index()
        for name, blobs in self.packs.items():
            if name not in gone:
                remaining.add(name, blobs)
        return remaining

    def find(self, piece_id: bytes) -> Location | None:
        return self._pieces.get(piece_id)

    def __contains__(self, piece_id: object) -> bool:
        return piece_id in self._pieces

    def __len__(self) -> int:
        return len(self._pieces)


def encode(packs: dict[str, list[Blob]]) -> bytes:
    parts = []
    for name, blobs in sorted(packs.items()):
        encoded_name, table = name.encode(), encode_table(blobs)
        parts += [_NAME.pack(len(encoded_name)), encoded_name, _TABLE.pack(len(table)), table]
    return b"".join(parts)


def decode(raw: bytes) -> dict[str, list[Blob]]:
    """Raises ValueError for what is not an index."""
    packs, position = {}, 0
    try:
        while position < len(raw):
            (length,) = _NAME.unpack_from(raw, position)
            position += _NAME.size
            name = raw[position : position + length].decode()
            position += length
            (table,) = _TABLE.unpack_from(raw, position)
            position += _TABLE.size
            packs[name] = decode_table(raw[position : position + table])
            position += table
    except (struct.error, UnicodeDecodeError) as error:
        raise ValueError(f"not an index: {error}") from error
    return packs


def write_index(store: Store, key: bytes, packs: dict[str, list[Blob]]) -> tuple[str, int]:
    """Store an index object for these packs; its name and size."""
    name = f"{INDEXES}{secrets.token_hex(16)}"
    sealed = seal(key, encode(packs), name.encode())
    store.write(name, io.BytesIO(sealed))
    return name, len(sealed)


def open_index(name: str, key: bytes, sealed: bytes) -> dict[str, list[Blob]]:
    """The packs an index object describes; raises Unauthentic or ValueError."""
    return decode(unseal(key, sealed, name.encode()))


class IndexCache:
    """Copies of the index objects this server has read, sealed as the store holds them, in a folder
    only its user may read."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def load(self, store: Store, key: bytes) -> tuple[Index, list[str]]:
        """The store's index, and the names of its index objects: those cached are read from the cache,
        the others from the store (and cached); copies of objects the store no longer has go. Raises
        ValueError, naming the object, for an index object that does not open."""
        names = sorted(item.name for item in store.list(INDEXES))
        index = Index()
        for name in names:
            try:
                packs = open_index(name, key, self._sealed(store, name))
            except ValueError as error:  # Unauthentic included
                raise ValueError(f"the index object {name} is damaged: {error}") from error
            for pack, blobs in packs.items():
                index.add(pack, blobs)
        self._forget_all_but(names)
        return index, names

    def _sealed(self, store: Store, name: str) -> bytes:
        path = self._path(name)
        if path is not None and path.is_file():
            return path.read_bytes()
        sealed = store.read_bytes(name)
        if path is not None:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as file:
                file.write(sealed)
            partial.replace(path)
        return sealed

    def _forget_all_but(self, names: Iterable[str]) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        kept = {name.removeprefix(INDEXES) for name in names}
        for path in self.folder.iterdir():
            if path.name not in kept:
                path.unlink(missing_ok=True)

    def _path(self, name: str) -> Path | None:
        return None if self.folder is None else self.folder / name.removeprefix(INDEXES)
