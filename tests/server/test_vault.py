"""The vault of an encrypted store: pieces come back as they were added, and a piece whose bytes do
not hash to the id it was asked for is refused, even from a pack that opens with the right key."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from backups_server.storage.folder import FolderStore
from backups_server.storage.index import Index, IndexCache
from backups_server.storage.keys import MasterKey
from backups_server.storage.vault import DamagedPiece, Vault, VaultReader, VaultWriter

if TYPE_CHECKING:
    from pathlib import Path


def test_pieces_come_back_as_added_and_each_only_under_its_own_id(tmp_path: Path) -> None:
    vault = Vault(FolderStore(tmp_path / "store"), MasterKey.new(), IndexCache(None))
    writer = VaultWriter(vault, Index())
    pages = [os.urandom(4096) for _ in range(2)]
    first, second = (writer.add(page) for page in pages)
    writer.finish()
    index = vault.index()
    swapped = Index()
    for pack, blobs in index.packs.items():
        ids = {first: second, second: first}
        swapped.add(
            pack,
            [
                blob._replace(
                    pieces=tuple(piece._replace(id=ids.get(piece.id, piece.id)) for piece in blob.pieces),
                )
                for blob in blobs
            ],
        )

    assert [VaultReader(vault, index).piece(piece_id) for piece_id in (first, second)] == pages
    with pytest.raises(DamagedPiece, match="does not match its id"):
        VaultReader(vault, swapped).piece(first)
