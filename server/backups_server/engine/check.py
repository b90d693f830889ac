"""Verification of a store without restoring anything: its structure, and with `read_share`, its bytes.

The structure of an encrypted store: every manifest opens, every list of page ids it names opens and
has the backup's page count, every page is in a pack the index names, and every pack the index names
is in the store. Reading data (all packs, or a random share of them, as restic's `--read-data-subset`)
reads each pack whole and checks what a restoration would: its table of contents is the one the
index holds, every blob opens (authenticated), every piece hashes to its id. In a store of whole
copies, each manifest's data object is there with its size, and read, it has its SHA-256 and
decompresses to the backup's size, as a restoration checks.
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backups_server.engine.pages import split_ids
from backups_server.errors import ObjectMissing, RestoreError
from backups_server.storage.codecs import unpack
from backups_server.storage.layout import DATA, MANIFESTS, backup_of, is_manifest
from backups_server.storage.packs import PACKS, open_blob, open_table, sealed_table
from backups_server.storage.records import Manifest, SealedManifest
from backups_server.storage.sealing import Unauthentic
from backups_server.storage.vault import DamagedPiece, VaultReader

if TYPE_CHECKING:
    from backups_server.engine.catalog import Catalog
    from backups_server.storage.index import Index
    from backups_server.storage.packs import Blob
    from backups_server.storage.store import Store
    from backups_server.storage.vault import Vault


@dataclass
class Checked:
    """What a check found: each problem names the object."""

    backups: int = 0
    objects: int = 0
    """The packs, or the data objects of whole copies, that the backups rely on."""
    stored_bytes: int = 0
    read: int = 0
    read_bytes: int = 0
    unindexed: int = 0
    """Packs no index names: left by interrupted backups, removed by the next prune."""
    problems: list[str] = field(default_factory=list)


def check_store(
    catalog: Catalog, vault: Vault | None, *, read_share: float = 0.0, chooser: random.Random | None = None
) -> Checked:
    """Check the store of `catalog`, encrypted if `vault` is given; read `read_share` (0 to 1) of its
    packs or data objects, chosen at random."""
    checked = Checked()
    store = catalog.store
    manifests = catalog.manifests()
    checked.backups = len(manifests)
    listed = {manifest.backup_id for manifest in manifests}
    for item in store.list(MANIFESTS):
        if is_manifest(item.name) and backup_of(item.name) not in listed:
            checked.problems.append(f"{item.name} does not open: damaged, or sealed under another key")
    if vault is None:
        _check_copies(store, [m for m in manifests if isinstance(m, Manifest)], checked, read_share, chooser)
    else:
        _check_pages(
            vault, [m for m in manifests if isinstance(m, SealedManifest)], checked, read_share, chooser
        )
    return checked


def _chosen(names: list[str], share: float, chooser: random.Random | None) -> list[str]:
    count = min(len(names), math.ceil(len(names) * share))
    return sorted((chooser or random.SystemRandom()).sample(sorted(names), count))


def _check_pages(
    vault: Vault,
    manifests: list[SealedManifest],
    checked: Checked,
    read_share: float,
    chooser: random.Random | None,
) -> None:
    try:
        index = vault.index()
    except DamagedPiece as error:
        checked.problems.append(str(error))
        return
    stored = {item.name: item.size for item in vault.store.list(PACKS)}
    checked.unindexed = len(stored.keys() - index.packs.keys())
    for pack in sorted(index.packs.keys() - stored.keys()):
        checked.problems.append(f"the index names {pack}, which the store does not hold")
    reader = VaultReader(vault, index)
    relied_on: set[str] = set()
    for manifest in manifests:
        relied_on |= _check_backup(reader, index, manifest, checked)
    checked.objects = len(relied_on & stored.keys())
    checked.stored_bytes = sum(stored[pack] for pack in relied_on & stored.keys())
    for pack in _chosen(sorted(index.packs.keys() & stored.keys()), read_share, chooser):
        _read_pack(vault, pack, index.packs[pack], checked)


def _check_backup(reader: VaultReader, index: Index, manifest: SealedManifest, checked: Checked) -> set[str]:
    """Check that every page of the backup is in a pack; the packs it relies on."""
    packs, pages, missing = set(), 0, 0
    try:
        for listed in manifest.lists:
            ids = split_ids(reader.piece(listed))
            for piece_id in (listed, *ids):
                location = index.find(piece_id)
                if location is None:
                    missing += 1
                else:
                    packs.add(location.pack)
            pages += len(ids)
    except DamagedPiece as error:
        checked.problems.append(f"backup {manifest.backup_id}: {error}")
        return packs
    if missing:
        checked.problems.append(f"backup {manifest.backup_id}: {missing} of its pages are in no pack")
    if pages != manifest.page_count:
        checked.problems.append(
            f"backup {manifest.backup_id}: its lists name {pages} pages, not {manifest.page_count}"
        )
    return packs


def _read_pack(vault: Vault, pack: str, blobs: list[Blob], checked: Checked) -> None:
    try:
        data = vault.store.read_bytes(pack)
    except ObjectMissing:
        checked.problems.append(f"{pack} is no longer in the store")
        return
    checked.read += 1
    checked.read_bytes += len(data)
    key = vault.pack_key(pack)
    try:
        if open_table(pack, key, sealed_table(data)) != blobs:
            checked.problems.append(f"{pack}: its table of contents is not the one the index holds")
            return
        for blob in blobs:
            batch = open_blob(pack, key, blob, data[blob.offset : blob.offset + blob.length])
            for piece in blob.pieces:
                if vault.piece_id(batch[piece.offset : piece.offset + piece.length]) != piece.id:
                    checked.problems.append(f"{pack}: a piece does not match its id {piece.id.hex()}")
                    return
    except (Unauthentic, ValueError) as error:
        checked.problems.append(f"{pack} is damaged or was tampered with: {error or 'it does not open'}")


def _check_copies(
    store: Store,
    manifests: list[Manifest],
    checked: Checked,
    read_share: float,
    chooser: random.Random | None,
) -> None:
    stored = {item.name: item for prefix in (DATA, MANIFESTS) for item in store.list(prefix)}
    by_data = {manifest.data: manifest for manifest in manifests}
    for manifest in manifests:
        found = stored.get(manifest.data)
        if found is None:
            checked.problems.append(
                f"backup {manifest.backup_id}: its data {manifest.data} is not in the store"
            )
            del by_data[manifest.data]
        elif found.size != manifest.stored_bytes:
            checked.problems.append(
                f"{manifest.data} has {found.size} bytes, not the {manifest.stored_bytes} of its manifest"
            )
    checked.objects = len(by_data)
    checked.stored_bytes = sum(manifest.stored_bytes for manifest in by_data.values())
    for name in _chosen(list(by_data), read_share, chooser):
        try:
            problem = _read_copy(store, by_data[name])
        except ObjectMissing:
            checked.problems.append(f"{name} is no longer in the store")
            continue
        checked.read += 1
        checked.read_bytes += stored[name].size
        if problem is not None:
            checked.problems.append(problem)


def _read_copy(store: Store, manifest: Manifest) -> str | None:
    """What reading a whole copy as a restoration does finds wrong with it, if anything."""
    name, size = manifest.data, manifest.record.size
    try:
        with open(os.devnull, "wb") as discarded:
            unpacked = unpack(store, name, discarded, size, label=manifest.backup_id)
    except RestoreError as error:
        return f"{name} does not decompress to its backup: {error}"
    if unpacked.sha256 != manifest.sha256:
        return f"{name} does not have the SHA-256 of its manifest: it is damaged"
    if unpacked.written != size:
        return f"{name} decompresses to {unpacked.written} bytes, not the {size} of its backup"
    return None
