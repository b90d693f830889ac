"""The keys of an encrypted store: a master key wrapped with age, opened by a passphrase or an identity."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyrage
import pytest
from pyrage import x25519

from backups_server.errors import KeysRefused
from backups_server.storage.folder import FolderStore
from backups_server.storage.keys import (
    MasterKey,
    Secret,
    add_wrapping,
    open_master_key,
    remove_wrapping,
    wrappings,
)
from backups_server.storage.sealing import Unauthentic, seal, unseal

if TYPE_CHECKING:
    from pathlib import Path


def test_a_wrapping_opens_with_its_passphrase_or_identity_only(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    master = MasterKey.new()
    identity, other = x25519.Identity.generate(), x25519.Identity.generate()
    by_passphrase = add_wrapping(store, master.wrap(passphrase="correct horse"))
    by_identity = add_wrapping(store, master.wrap(recipients=(str(identity.to_public()),)))

    opened, used = open_master_key(store, Secret(identities=(identity,)))
    assert (opened.derive(b"test"), used) == (master.derive(b"test"), by_identity)
    opened, used = open_master_key(store, Secret(passphrase="correct horse"))
    assert (opened.derive(b"test"), used) == (master.derive(b"test"), by_passphrase)
    listed = ", ".join(sorted((by_passphrase, by_identity)))
    with pytest.raises(KeysRefused, match=re.escape(f"none of the store's keys ({listed}) opens")):
        open_master_key(store, Secret(passphrase="wrong", identities=(other,)))
    assert [(w.name, w.kind) for w in wrappings(store)] == sorted(
        [(by_passphrase, "passphrase"), (by_identity, "x25519")]
    )


def test_a_secret_opens_each_wrapping_once_and_knows_the_one_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a wrapping costs a key derivation (a second of scrypt for a passphrase): a server checks
    its secret at start and opens the keys again for its first backup, which must not cost it twice."""
    store = FolderStore(tmp_path)
    identity = x25519.Identity.generate()
    master = MasterKey.new()
    secret = Secret(identities=(identity,))
    made = add_wrapping(store, secret.wrap(master))
    decrypted: list[bytes] = []

    def counted(wrapped: bytes, identities: list[x25519.Identity]) -> bytes:
        decrypted.append(wrapped)
        return bytes(real_decrypt(wrapped, identities))

    real_decrypt = pyrage.decrypt
    monkeypatch.setattr(pyrage, "decrypt", counted)
    for_the_maker = [open_master_key(store, secret) for _ in range(2)]
    another = Secret(identities=(identity,))
    for_another = [open_master_key(store, another) for _ in range(2)]

    for opened, used in for_the_maker + for_another:
        assert (opened.derive(b"test"), used) == (master.derive(b"test"), made)
    assert decrypted == [store.read_bytes(made)]


def test_a_wrapping_of_another_master_key_for_the_same_recipient_is_refused(tmp_path: Path) -> None:
    """age needs only a recipient's public key: whoever may write to the store can wrap a key of their
    own for it, which must not become the key new backups are sealed with."""
    store = FolderStore(tmp_path)
    identity = x25519.Identity.generate()
    recipient = (str(identity.to_public()),)
    genuine = add_wrapping(store, MasterKey.new().wrap(recipients=recipient))
    planted = add_wrapping(store, MasterKey.new().wrap(recipients=recipient))

    with pytest.raises(KeysRefused, match="hold different master keys") as refused:
        open_master_key(store, Secret(identities=(identity,)))
    assert genuine in str(refused.value)
    assert planted in str(refused.value)


def test_the_last_wrapping_cannot_be_removed(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    master = MasterKey.new()
    identity = x25519.Identity.generate()
    first = add_wrapping(store, master.wrap(recipients=(str(identity.to_public()),)))
    second = add_wrapping(store, master.wrap(recipients=(str(identity.to_public()),)))

    remove_wrapping(store, first)
    with pytest.raises(KeysRefused, match="last key"):
        remove_wrapping(store, second)
    assert [w.name for w in wrappings(store)] == [second]


def test_derived_keys_differ_by_purpose_and_keys_never_show() -> None:
    master = MasterKey.new()
    secret = Secret(passphrase="hunter2", identities=(x25519.Identity.generate(),))

    assert master.derive(b"page ids") != master.derive(b"manifests")
    assert "hunter2" not in repr(secret)
    assert "AGE-SECRET-KEY" not in repr(secret)
    assert repr(master) == "MasterKey(***)"


def test_a_sealed_value_opens_only_with_its_key_and_associated_data() -> None:
    key, other = MasterKey.new().derive(b"a"), MasterKey.new().derive(b"a")
    sealed = seal(key, b"page", b"packs/ab/1")
    flipped = bytes([sealed[0], *sealed[1:-1], sealed[-1] ^ 1])

    assert unseal(key, sealed, b"packs/ab/1") == b"page"
    for wrong in (
        (other, sealed, b"packs/ab/1"),
        (key, sealed, b"packs/ab/2"),
        (key, flipped, b"packs/ab/1"),
    ):
        with pytest.raises(Unauthentic):
            unseal(*wrong)
