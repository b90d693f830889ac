"""The keys of an encrypted store: one random master key, kept in the store wrapped with age.

Each wrapping is an object `keys/ID`: the master key encrypted with age (pyrage) for a passphrase
(scrypt) or for X25519 recipients. Several may exist; adding or removing one re-encrypts nothing
else, and the last one cannot be removed. Every key the store's data is encrypted with is derived
from the master key with HKDF-SHA256, one per purpose, so no derived key opens another's data.
Nothing here logs or prints a key, a passphrase or an identity, and their reprs hide them.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyrage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyrage import x25519

from backups_server.errors import KeysRefused

if TYPE_CHECKING:
    from pathlib import Path

    from backups_server.storage.store import Store

KEYS = "keys/"
FIRST_WRAPPING = f"{KEYS}{'0' * 16}"
"""The name of a new store's first wrapping, in the pattern of the others (KEYS and 16 hex digits)."""
MASTER_BYTES = 32
DERIVED_BYTES = 32
CONTEXT = b"backups-api store format 2: "
"""What every derivation's info starts with, so that keys derived here serve this format only."""


class MasterKey:
    """The key every other key of a store is derived from."""

    __slots__ = ("_material",)

    def __init__(self, material: bytes) -> None:
        if len(material) != MASTER_BYTES:
            raise ValueError(f"a master key has {MASTER_BYTES} bytes")
        self._material = material

    def __repr__(self) -> str:
        return "MasterKey(***)"

    @classmethod
    def new(cls) -> MasterKey:
        return cls(secrets.token_bytes(MASTER_BYTES))

    def wrap(self, *, passphrase: str | None = None, recipients: tuple[str, ...] = ()) -> bytes:
        """The key encrypted with age for a passphrase, or for X25519 recipients (`age1...`)."""
        if passphrase is not None:
            wrapped: bytes = pyrage.passphrase.encrypt(self._material, passphrase)
            return wrapped
        try:
            wrapped = pyrage.encrypt(self._material, [x25519.Recipient.from_str(r) for r in recipients])
        except (ValueError, pyrage.RecipientError) as error:
            raise KeysRefused(f"not an age X25519 recipient: {error}") from None
        return wrapped

    def derive(self, purpose: bytes) -> bytes:
        """The key of one purpose (`b"page ids"`, `b"pack " + name`...), with HKDF-SHA256."""
        return HKDF(
            algorithm=hashes.SHA256(), length=DERIVED_BYTES, salt=None, info=CONTEXT + purpose
        ).derive(self._material)


@dataclass(frozen=True)
class Secret:
    """What opens a store's master key: a passphrase, age identities, or both."""

    passphrase: str | None = field(default=None, repr=False)
    identities: tuple[x25519.Identity, ...] = field(default=(), repr=False)
    _opened: dict[bytes, bytes | None] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What each wrapping opened to: a passphrase takes a second per wrapping (scrypt), and a command
    checks the secret at start before its work opens the keys again."""

    def __bool__(self) -> bool:
        return self.passphrase is not None or bool(self.identities)

    def opens(self, wrapped: bytes) -> bytes | None:
        """The wrapped key, if this secret opens it."""
        if wrapped not in self._opened:
            self._opened[wrapped] = self._open(wrapped)
        return self._opened[wrapped]

    def _open(self, wrapped: bytes) -> bytes | None:
        try:
            if wrapped_for_passphrase(wrapped):
                return (
                    None if self.passphrase is None else pyrage.passphrase.decrypt(wrapped, self.passphrase)
                )
            return pyrage.decrypt(wrapped, list(self.identities)) if self.identities else None
        except pyrage.DecryptError:
            return None

    def wrap(self, master: MasterKey) -> bytes:
        """The master key of a new store wrapped for this secret: its passphrase, else its identities.
        The secret then knows what the wrapping holds without opening it."""
        if self.passphrase is not None:
            wrapped = master.wrap(passphrase=self.passphrase)
        else:
            wrapped = master.wrap(recipients=tuple(str(identity.to_public()) for identity in self.identities))
        self._opened[wrapped] = master._material
        return wrapped


@dataclass(frozen=True)
class KeyRing:
    """How a server opens an encrypted store's keys, and wraps the master key of a store it creates.

    Attributes:
        secret: What opens the store's master key, and what a new store's master key is wrapped for.
        cache: Where the server keeps its copies of the store's index objects.
    """

    secret: Secret
    cache: Path | None = None


@dataclass(frozen=True)
class Wrapping:
    """One wrapping of the master key in the store: its object, and what it is wrapped for."""

    name: str
    kind: str
    """`passphrase`, or `x25519` for age recipients."""


def wrapped_for_passphrase(wrapped: bytes) -> bool:
    """Whether an age file is encrypted for a passphrase (its header's stanza is scrypt's)."""
    return b"\n-> scrypt " in wrapped.split(b"\n---", 1)[0]


def wrappings(store: Store) -> list[Wrapping]:
    """The wrappings of the store's master key, by name."""
    found = []
    for item in sorted(store.list(KEYS), key=lambda item: item.name):
        kind = "passphrase" if wrapped_for_passphrase(store.read_bytes(item.name)) else "x25519"
        found.append(Wrapping(item.name, kind))
    return found


def create_master_key(store: Store, secret: Secret) -> bool:
    """Make a new store's master key, wrapped for `secret` as its first wrapping, unless the store has
    one by that name: whether it did. Servers creating one store at once all try that name, and only
    one succeeds."""
    return store.create(FIRST_WRAPPING, secret.wrap(MasterKey.new()))


def add_wrapping(store: Store, wrapped: bytes) -> str:
    """Store a new wrapping of the master key; its name."""
    name = f"{KEYS}{secrets.token_hex(8)}"
    store.write(name, io.BytesIO(wrapped))
    return name


def open_master_key(store: Store, secret: Secret) -> tuple[MasterKey, str]:
    """The master key, opened by `secret`, and the wrapping that opened it; raises KeysRefused."""
    listed = store.list(KEYS)
    opened: dict[bytes, list[str]] = {}
    for item in sorted(listed, key=lambda item: item.name):
        material = secret.opens(store.read_bytes(item.name))
        if material is not None:
            opened.setdefault(material, []).append(item.name)
    if len(opened) > 1:
        # A wrapping anyone could add (age needs only a recipient's public key) must not choose the key.
        every = ", ".join(name for names in opened.values() for name in names)
        raise KeysRefused(f"the keys {every} open with the secret given but hold different master keys")
    if opened:
        [(material, names)] = opened.items()
        try:
            return MasterKey(material), names[0]
        except ValueError:
            raise KeysRefused(f"{', '.join(names)} does not hold a master key") from None
    if not listed:
        raise KeysRefused("the store has no keys: it is not an encrypted store, or its keys were removed")
    listed_names = ", ".join(sorted(item.name for item in listed))
    raise KeysRefused(
        f"none of the store's keys ({listed_names}) opens with the passphrase or identity given: "
        "the secret is not one of theirs, or they are damaged"
    )


def remove_wrapping(store: Store, name: str) -> None:
    """Remove one wrapping; refuses the last, which would leave the store's data unreadable."""
    names = {item.name for item in store.list(KEYS)}
    if name not in names:
        raise KeysRefused(f"the store has no key {name}")
    if names == {name}:
        raise KeysRefused(f"{name} is the store's last key: add another before removing it")
    store.delete(name)
