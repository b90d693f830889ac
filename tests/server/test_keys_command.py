"""`python -m backups_server keys list|add|remove` on a store a server made: a wrapping added for a new
passphrase opens the store once the first one is removed, and the last one cannot be removed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from tests.helpers import rows, seed_backup, server_command

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer, StoreUnderTest

NO_IDENTITY = {"BACKUPS_IDENTITY_FILE": ""}


def keys(store: StoreUnderTest, *arguments: str, **variables: str) -> tuple[int, str]:
    result = server_command(store, "keys", *arguments, **variables)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.timeout(180)  # seven commands, several of them deriving a passphrase's key with scrypt
def test_a_new_passphrase_replaces_the_first_wrapping(
    server: LiveServer, store: StoreUnderTest, tmp_path: Path
) -> None:
    with server.client() as client:
        backup = client.get_httpx_client().post("/backups/create").json()["id"]
    passphrase = tmp_path / "new-passphrase"
    passphrase.write_text("a new passphrase, long enough\n")
    passphrase.chmod(0o600)

    listed = keys(store, "list")
    first = listed[1].split()[0]
    added = keys(store, "add", "--new-passphrase-file", str(passphrase))
    removed = keys(store, "remove", first)
    with_identity = keys(store, "list")
    with_passphrase = keys(store, "list", **NO_IDENTITY, BACKUPS_PASSPHRASE_FILE=str(passphrase))
    last = keys(
        store,
        "remove",
        with_passphrase[1].split()[0],
        **NO_IDENTITY,
        BACKUPS_PASSPHRASE=passphrase.read_text().strip(),
    )
    restored = server_command(
        store,
        "restore",
        backup,
        "--to",
        str(tmp_path / "restored.sqlite"),
        **NO_IDENTITY,
        BACKUPS_PASSPHRASE_FILE=str(passphrase),
    )

    assert listed == (0, f"{first}  x25519  (the secret given opens it)\n")
    assert added[0] == 0
    assert added[1].startswith("Added keys/")
    assert added[1].endswith("  passphrase\n")
    assert removed[0] == 0
    assert with_identity[0] != 0
    assert "none of the store's keys" in with_identity[1]
    assert with_passphrase[0] == 0
    assert "passphrase  (the secret given opens it)" in with_passphrase[1]
    assert last[0] == 1
    assert "last key" in last[1]
    assert restored.returncode == 0, restored.stderr
    assert rows(tmp_path / "restored.sqlite") == rows(server.database)
    assert "a new passphrase" not in "".join(output for _, output in (added, removed, with_passphrase, last))


def test_a_format_1_store_has_no_keys(store: StoreUnderTest) -> None:
    seed_backup(store.store, datetime.now(UTC))
    status, said = keys(store, "list")
    assert status != 0
    assert "not encrypted" in said
