"""The secret that opens an encrypted store, from the settings: `BACKUPS_PASSPHRASE`, a passphrase file, or
a file of age identities; else the passphrase file of the data folder, which a server creates for a new
store. Nothing here prints a passphrase or an identity."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyrage
from pyrage import x25519

from backups_server import config
from backups_server.errors import KeysRefused
from backups_server.storage.keys import KeyRing, Secret

if TYPE_CHECKING:
    from pathlib import Path

PASSPHRASE_VARIABLE = "BACKUPS_PASSPHRASE"  # noqa: S105  # the variable's name, not a passphrase


@dataclass(frozen=True)
class SecretSettings:
    """Where the secret comes from, as the command line and the environment say."""

    passphrase_file: Path | None
    identity_file: Path | None
    data_dir: Path

    def key_ring(self, store_url: str, *, create: bool = False) -> tuple[KeyRing | None, str]:
        """The key ring of the store at `store_url`, and where its secret came from, for the log. Without
        any setting, the data folder's passphrase file: with `create`, one is made if missing (for a
        new encrypted store); otherwise, there is no key ring. Raises KeysRefused for a secret that
        cannot be read, or a passphrase given both ways (which of the two is meant cannot be known)."""
        cache = config.index_cache(self.data_dir, store_url)
        passphrase = os.environ.get(PASSPHRASE_VARIABLE)
        if passphrase and self.passphrase_file:
            raise KeysRefused(
                f"the passphrase is given twice, by {PASSPHRASE_VARIABLE} and by the file "
                f"{self.passphrase_file}: give it one way only"
            )
        identities = read_identities(self.identity_file) if self.identity_file else ()
        origin = []
        if passphrase:
            origin.append(f"the passphrase from {PASSPHRASE_VARIABLE}")
        elif self.passphrase_file:
            passphrase = read_passphrase(self.passphrase_file)
            origin.append(f"the passphrase in {self.passphrase_file}")
        if identities:
            origin.append(f"the identities in {self.identity_file}")
        if not origin:
            default = self.data_dir / config.PASSPHRASE_FILE
            if create:
                default, created = config.generated_passphrase_file(self.data_dir)
                if created:
                    origin.append(f"a passphrase generated into {default}")
            if not default.is_file():
                return None, "no passphrase or identity"
            passphrase = read_passphrase(default)
            if not origin:
                origin.append(f"the passphrase in {default}")
        return KeyRing(Secret(passphrase, identities), cache), " and ".join(origin)


def _read_secret_file(path: Path, kind: str) -> str:
    """The text of a file that holds a secret; raises KeysRefused for one that cannot be read, or that
    other users may read or change (as ssh refuses such a private key): `kind` names it."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeysRefused(
                f"the {kind} {path} is open to other users (mode {stat.S_IMODE(mode):04o}): "
                f"make it readable by its owner only, with `chmod 600 {path}`"
            )
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise KeysRefused(f"cannot read the {kind} {path}: {error.strerror}") from None


def read_passphrase(path: Path) -> str:
    """The first line of the file; raises KeysRefused for one that cannot be read or is empty."""
    passphrase = next(iter(_read_secret_file(path, "passphrase file").splitlines()), "").strip()
    if not passphrase:
        raise KeysRefused(f"the passphrase file {path} is empty")
    return passphrase


def read_identities(path: Path) -> tuple[x25519.Identity, ...]:
    """The age X25519 identities of the file, one per line, `#` comments aside; raises KeysRefused."""
    lines = _read_secret_file(path, "identity file").splitlines()
    found = []
    for number, line in enumerate(lines, 1):
        if line.strip() and not line.startswith("#"):
            try:
                found.append(x25519.Identity.from_str(line.strip()))
            except pyrage.IdentityError:
                raise KeysRefused(f"line {number} of {path} is not an age X25519 identity") from None
    if not found:
        raise KeysRefused(f"the identity file {path} holds no identity")
    return tuple(found)
