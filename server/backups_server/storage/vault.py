"""An encrypted, deduplicated store of pieces: the pages of databases, and the lists that order them.

A piece's id is a keyed BLAKE3 hash of its bytes (16 bytes, the key derived from the store's master
key), so an id says nothing of what it names. A piece the store holds already, whichever backup wrote
it, is never written again: `VaultWriter` writes only what the index lacks, into packs, and says
which packs it relied on, so that a backup can tell whether a prune has marked one since
(`storage.marks`). `VaultReader` gives pieces back in any order, each checked against its id, reading
each blob with one ranged read and keeping the last few opened.
"""

from __future__ import annotations

import io
from collections import OrderedDict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, NamedTuple

import blake3

from backups_server.errors import Failure, KeysRefused, ObjectMissing
from backups_server.storage.index import IndexCache, write_index
from backups_server.storage.keys import open_master_key
from backups_server.storage.marks import marked_packs
from backups_server.storage.packs import (
    ID_BYTES,
    TARGET_SIZE,
    PackWriter,
    Piece,
    compress,
    new_pack_name,
    open_blob,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

    from backups_server.storage.index import Index, Location
    from backups_server.storage.keys import KeyRing, MasterKey
    from backups_server.storage.packs import Blob
    from backups_server.storage.store import Store

BATCH_BYTES = 256 * 1024
"""The bytes of pieces compressed together in one blob: zstd finds much more to share in a batch of
pages than in one page (1.76 times against 1.39 on a typical database)."""
COMPRESSING = 2
"""Batches compressed at once, on threads of their own."""
OPEN_BLOBS = 32
"""Blobs a reader keeps opened: pages that follow each other mostly share a few blobs."""
READ_RUN = 2 * 1024 * 1024
"""The most a reader reads at once: a blob and those that follow it in its pack."""


class DamagedPiece(Failure):
    """A piece whose bytes do not hash to its id, or whose blob or index object does not open or is
    gone: what the job that met it is told, naming the object."""


class Vault:
    """A store's pieces, opened with its master key."""

    def __init__(self, store: Store, master: MasterKey, cache: IndexCache) -> None:
        self.store = store
        self._ids_key = master.derive(b"piece ids")
        self._index_key = master.derive(b"index")
        self.manifest_key = master.derive(b"manifests")
        self._master = master
        self._cache = cache

    def piece_id(self, data: bytes | memoryview) -> bytes:
        return blake3.blake3(data, key=self._ids_key).digest(length=ID_BYTES)

    def pack_key(self, pack: str) -> bytes:
        return self._master.derive(b"pack " + pack.encode())

    def index(self) -> Index:
        """The store's index, as its index objects say now; raises DamagedPiece for a damaged one."""
        try:
            return self._cache.load(self.store, self._index_key)
        except ValueError as error:
            raise DamagedPiece(str(error)) from error

    def write_index(self, packs: dict[str, list[Blob]]) -> tuple[str, int]:
        name, size = write_index(self.store, self._index_key, packs)
        self._cache.remember(name, packs)
        return name, size

    def unusable(self, packs: Collection[str]) -> frozenset[str]:
        """Those of `packs` a backup must not rely on: marked by a prune, or no longer in the index."""
        indexed, marked = self.index().packs, marked_packs(self.store)
        return frozenset(pack for pack in packs if pack not in indexed or pack in marked)


class VaultWriter:
    """Adds pieces to a store, writing only those it lacks: batched, compressed on threads of their
    own, sealed into packs, each pack stored once full. `finish` stores the last pack and an index
    object for the packs written. `on_stored(n)` gets the bytes stored so far, after each object."""

    def __init__(self, vault: Vault, index: Index, on_stored: Callable[[int], None] = lambda _: None) -> None:
        self._vault = vault
        self._index = index
        self._on_stored = on_stored
        self._batch: list[tuple[bytes, bytes | memoryview]] = []
        self._batch_bytes = 0
        self._batched: set[bytes] = set()
        self._compressing: deque[Future[tuple[bytes, tuple[Piece, ...]]]] = deque()
        self._threads = ThreadPoolExecutor(max_workers=COMPRESSING, thread_name_prefix="compress")
        self._pack: PackWriter | None = None
        self.packs: dict[str, list[Blob]] = {}
        self.stored_bytes = 0
        """What this writer added to the store, in bytes."""
        self._relied_on: set[str] = set()

    @property
    def relied_on(self) -> frozenset[str]:
        """The packs holding the pieces added: those written, and those of the index that had them."""
        return frozenset(self._relied_on | self.packs.keys())

    def add(self, data: bytes) -> bytes:
        """The id of a piece, which the store holds once `finish` returns."""
        return self.add_all((data,))[0]

    def add_all(self, pieces: Sequence[bytes | memoryview]) -> list[bytes]:
        """The ids of `pieces`, each added as `add` adds it, in fewer steps. A view is kept until the
        piece is compressed, sparing a copy of each page."""
        ids = list(map(self._vault.piece_id, pieces))
        for piece_id, location, data in zip(ids, map(self._index.find, ids), pieces, strict=True):
            if location is not None:
                self._relied_on.add(location.pack)
            elif piece_id not in self._batched:
                self._batched.add(piece_id)
                self._batch.append((piece_id, data))
                self._batch_bytes += len(data)
                if self._batch_bytes >= BATCH_BYTES:
                    self._submit_batch()
        return ids

    def finish(self) -> dict[str, list[Blob]]:
        """Store what is pending, then an index object for the packs written; the packs."""
        try:
            self._submit_batch()
            while self._compressing:
                self._pack_next()
            self._store_pack()
        finally:
            self._threads.shutdown(cancel_futures=True)
        if self.packs:
            _, size = self._vault.write_index(self.packs)
            self._stored(size)
        return self.packs

    def abandon(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)

    def _submit_batch(self) -> None:
        if not self._batch:
            return
        self._compressing.append(self._threads.submit(compress, self._batch))
        self._batch, self._batch_bytes = [], 0
        while len(self._compressing) > COMPRESSING or (self._compressing and self._compressing[0].done()):
            self._pack_next()

    def _pack_next(self) -> None:
        compressed, pieces = self._compressing.popleft().result()
        if self._pack is None:
            name = new_pack_name()
            self._pack = PackWriter(name, self._vault.pack_key(name))
        self._pack.add(compressed, pieces)
        if self._pack.size >= TARGET_SIZE:
            self._store_pack()

    def _store_pack(self) -> None:
        if self._pack is None:
            return
        pack, self._pack = self._pack, None
        data = pack.finish()
        self._vault.store.write(pack.name, io.BytesIO(data))
        self.packs[pack.name] = pack.blobs
        self._stored(len(data))

    def _stored(self, count: int) -> None:
        self.stored_bytes += count
        self._on_stored(self.stored_bytes)


class _OpenedBlob(NamedTuple):
    batch: bytes
    """The blob's pieces, decompressed."""
    pieces: dict[bytes, Piece]
    """Where each is in `batch`, by its id."""


class VaultReader:
    """Gives back pieces by id, each checked against its id; raises DamagedPiece, naming the object."""

    def __init__(self, vault: Vault, index: Index) -> None:
        self._vault = vault
        self._index = index
        self._opened: OrderedDict[tuple[str, int], _OpenedBlob] = OrderedDict()
        self._run: tuple[str, int, bytes] = ("", 0, b"")
        """The last run of sealed blobs read: its pack, its offset there, its bytes."""
        self._places: tuple[str, dict[int, int]] = ("", {})
        """The place of each blob of the pack read last, by its offset."""
        self.read_bytes = 0
        """The bytes read from the store so far."""

    def piece(self, piece_id: bytes) -> bytes:
        location = self._index.find(piece_id)
        if location is None:
            raise DamagedPiece(f"the piece {piece_id.hex()} is in no pack of the store")
        opened = self._blob(location)
        place = opened.pieces[piece_id]
        data = opened.batch[place.offset : place.offset + place.length]
        if self._vault.piece_id(data) != piece_id:
            raise DamagedPiece(f"a piece of {location.pack} does not match its id {piece_id.hex()}")
        return data

    def _blob(self, location: Location) -> _OpenedBlob:
        key = (location.pack, location.blob.offset)
        opened = self._opened.get(key)
        if opened is not None:
            self._opened.move_to_end(key)
            return opened
        blob = location.blob
        try:
            batch = open_blob(
                location.pack, self._vault.pack_key(location.pack), blob, self._sealed(location)
            )
        except ObjectMissing as error:
            raise DamagedPiece(f"the pack {location.pack} is no longer in the store") from error
        except ValueError as error:
            raise DamagedPiece(
                f"a blob of {location.pack} is damaged or was tampered with: {error}"
            ) from error
        opened = self._opened[key] = _OpenedBlob(batch, {piece.id: piece for piece in blob.pieces})
        if len(self._opened) > OPEN_BLOBS:
            self._opened.popitem(last=False)
        return opened

    def _sealed(self, location: Location) -> bytes:
        """A blob's sealed bytes: from the last run read, if it holds them, else from a new run, read
        with one ranged read: the blob and those that follow it in its pack, up to READ_RUN bytes
        (pages that follow each other mostly lie in blobs that do)."""
        pack, blob = location.pack, location.blob
        run_pack, run_start, run = self._run
        if pack != run_pack or not run_start <= blob.offset <= run_start + len(run) - blob.length:
            end = blob.offset + blob.length
            for following in self._following(pack, blob):
                if following.offset != end or following.offset + following.length - blob.offset > READ_RUN:
                    break
                end = following.offset + following.length
            run = self._vault.store.read_range(pack, blob.offset, end - blob.offset)
            self._run = pack, blob.offset, run
            self.read_bytes += len(run)
            run_start = blob.offset
        return run[blob.offset - run_start : blob.offset - run_start + blob.length]

    def _following(self, pack: str, blob: Blob) -> list[Blob]:
        """The blobs after `blob` in its pack, in order."""
        blobs = self._index.packs[pack]
        if self._places[0] != pack:
            self._places = pack, {each.offset: number for number, each in enumerate(blobs)}
        return blobs[self._places[1][blob.offset] + 1 :]


def open_vault(store: Store, keys: KeyRing | None) -> Vault:
    """The vault of an encrypted store, its master key opened with `keys`; raises KeysRefused."""
    if keys is None:
        raise KeysRefused("the store is encrypted: give its passphrase, or an identity that opens it")
    master, _ = open_master_key(store, keys.secret)
    return Vault(store, master, IndexCache(keys.cache))
