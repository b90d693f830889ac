"""The index of an encrypted store: which pack holds each piece, so that a backup writes only what is new
and a restoration reads each piece with one ranged read.

The index is kept in the store as objects `index/NAME`, each the tables of contents of some packs,
sealed: a backup adds one for the packs it wrote, a prune replaces them all with one. A server keeps a
copy of the index objects it has read (`IndexCache`), and reads from the store only those it has not:
the listing of `index/` says which are new, and which are gone.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import secrets
import struct
import tempfile
import threading
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from backups_server.errors import ObjectMissing
from backups_server.storage.packs import Blob, decode_table, encode_table
from backups_server.storage.sealing import seal, unseal

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from backups_server.storage.store import Store

log = logging.getLogger(__name__)

INDEXES = "index/"
RELISTS = 3
"""Listings of the index objects a load makes when an object listed is gone before it is read."""
_NAME = struct.Struct(">H")
_TABLE = struct.Struct(">I")


class Location(NamedTuple):
    """Where a piece is: its pack, and the blob of the pack that holds it (whose table says where in
    the blob). One for all the pieces of a blob, so that an index costs a dictionary entry a piece."""

    pack: str
    blob: Blob


@dataclass
class Index:
    """The packs of a store and what each holds."""

    packs: dict[str, list[Blob]] = field(default_factory=dict)
    objects: tuple[str, ...] = ()
    """The index objects this index was read from."""
    _pieces: dict[bytes, Location] = field(default_factory=dict, repr=False)

    def add(self, pack: str, blobs: list[Blob]) -> None:
        self.packs[pack] = blobs
        for blob in blobs:
            self._pieces.update(zip([piece.id for piece in blob.pieces], repeat(Location(pack, blob))))

    def without(self, packs: Collection[str]) -> Index:
        """This index but for `packs`: what a writer may rely on when those packs are going."""
        if not packs:
            return self
        kept = Index(objects=self.objects)
        for pack, blobs in self.packs.items():
            if pack not in packs:
                kept.add(pack, blobs)
        return kept

    def extended(self, objects: list[str]) -> Index:
        """A copy of this index, to add the packs of more index objects to: `objects` in all."""
        return Index(dict(self.packs), tuple(objects), dict(self._pieces))

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
    only its user may read; and in memory, what they hold, and the last index built from them, which
    the next load extends with the objects added since (index objects never change once written)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._opened: dict[str, dict[str, list[Blob]]] = {}
        self._last = Index()
        self._lock = threading.Lock()

    def remember(self, name: str, packs: dict[str, list[Blob]]) -> None:
        """What an index object this process has just written holds."""
        with self._lock:
            self._opened[name] = packs

    def load(self, store: Store, key: bytes) -> Index:
        """The store's index: the index objects cached are read from the cache, the others (and a copy
        that no longer opens) from the store, then cached; copies of objects the store no longer has go.
        Raises ValueError, naming the object, for an index object of the store that does not open."""
        listings = 0
        while True:
            names = sorted(item.name for item in store.list(INDEXES))
            listings += 1
            try:
                index = self._read(store, key, names)
            except ObjectMissing:  # a prune replaced it since the listing, which names its replacement now
                if listings < RELISTS:
                    continue
                raise
            self._forget_all_but(names)
            return index

    def _read(self, store: Store, key: bytes, names: list[str]) -> Index:
        with self._lock:
            last = self._last
        if set(last.objects) <= set(names):
            index, added = last.extended(names), [name for name in names if name not in set(last.objects)]
        else:  # a prune replaced some
            index, added = Index(objects=tuple(names)), names
        for name in added:
            with self._lock:
                packs = self._opened.get(name)
            if packs is None:
                packs = self._open(store, key, name)
            for pack, blobs in packs.items():
                index.add(pack, blobs)
            with self._lock:
                self._opened[name] = packs
        with self._lock:
            self._last = index
            self._opened = {name: self._opened[name] for name in names if name in self._opened}
        return index

    def _open(self, store: Store, key: bytes, name: str) -> dict[str, list[Blob]]:
        path = self._path(name)
        if path is not None and path.is_file():
            with contextlib.suppress(ValueError):  # a damaged copy: the store's object is read again
                return open_index(name, key, path.read_bytes())
        sealed = store.read_bytes(name)
        try:
            packs = open_index(name, key, sealed)
        except ValueError as error:  # Unauthentic included
            raise ValueError(f"the index object {name} is damaged: {error}") from error
        if path is not None:
            self._keep(path, sealed)
        return packs

    def _keep(self, path: Path, sealed: bytes) -> None:
        """A copy in the cache, written whole under a name of its own (mode 0600) then renamed, so that
        two readers caching the same object at once each write their own. A copy that cannot be
        written (a full disk, a file where its folder should be) is left out with a warning: the cache
        only spares reads of the store, and must not fail a backup."""
        partial: str | None = None
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with open(descriptor, "wb") as file:
                file.write(sealed)
            os.replace(partial, path)
        except OSError as error:
            if partial is not None:
                Path(partial).unlink(missing_ok=True)
            log.warning("the index cache keeps no copy of %s: %s", path.name, error)

    def _forget_all_but(self, names: Iterable[str]) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        kept = {name.removeprefix(INDEXES) for name in names}
        for path in self.folder.iterdir():
            if path.name not in kept and not path.name.startswith("."):  # not another reader's copy
                path.unlink(missing_ok=True)

    def _path(self, name: str) -> Path | None:
        return None if self.folder is None else self.folder / name.removeprefix(INDEXES)
