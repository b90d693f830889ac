"""The prune's lease: one prune at a time on a store, a lease given back only by its holder, and taken
over only from a holder that is gone, or after LEASE_EXPIRES, by one prune."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from backups_server.errors import StoreError
from backups_server.storage.folder import FolderStore
from backups_server.storage.marks import LEASE, LEASE_EXPIRES, MACHINE, TAKEOVERS, release_lease, take_lease

if TYPE_CHECKING:
    from pathlib import Path


def lease(process: int, machine: str = MACHINE, token: str = "theirs") -> bytes:
    return json.dumps(
        {"host": socket.gethostname(), "process": process, "machine": machine, "token": token}
    ).encode()


def ended_process() -> int:
    """The id of a process of this machine that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def aged(store: FolderStore, name: str) -> None:
    """Make the object look LEASE_EXPIRES old and a minute more to the store's listing."""
    then = time.time() - LEASE_EXPIRES.total_seconds() - 60
    os.utime(store.root / name, (then, then))


@pytest.fixture
def store(tmp_path: Path) -> FolderStore:
    return FolderStore(tmp_path / "store")


def test_a_lease_held_keeps_every_other_prune_out_until_it_is_given_back(store: FolderStore) -> None:
    token = take_lease(store)

    with pytest.raises(
        StoreError, match=rf"another prune is running on this store \(by process {os.getpid()} on "
    ):
        take_lease(store)
    release_lease(store, token)
    assert store.list(LEASE) == []
    release_lease(store, take_lease(store))


def test_a_lease_taken_over_since_is_not_given_back_by_its_first_holder(store: FolderStore) -> None:
    token = take_lease(store)
    store.delete(LEASE)
    store.create(LEASE, lease(1, machine="another machine"))

    release_lease(store, token)

    assert store.read_bytes(LEASE) == lease(1, machine="another machine")


def test_the_lease_of_a_process_of_this_machine_that_ended_is_taken_over(store: FolderStore) -> None:
    store.create(LEASE, lease(ended_process()))

    token = take_lease(store)

    assert json.loads(store.read_bytes(LEASE))["token"] == token
    assert store.list(TAKEOVERS) == []  # the claim lasts as long as the takeover


def test_a_lease_this_process_left_and_no_longer_holds_is_taken_over(store: FolderStore) -> None:
    store.create(LEASE, lease(os.getpid()))  # as a prune of this process stopped before giving it back

    token = take_lease(store)

    assert json.loads(store.read_bytes(LEASE))["token"] == token


def test_a_lease_of_a_process_of_the_same_host_name_and_id_in_another_pid_namespace_is_left(
    store: FolderStore,
) -> None:
    theirs = lease(os.getpid(), machine="the same boot, pid:[4026532000]")  # a container of one name
    store.create(LEASE, theirs)

    with pytest.raises(StoreError, match="another prune is running"):
        take_lease(store)
    assert store.read_bytes(LEASE) == theirs


def test_a_lease_of_an_unknown_holder_is_taken_over_once_expired(store: FolderStore) -> None:
    store.create(LEASE, b"not a lease")
    with pytest.raises(StoreError, match=r"\(by an unknown holder\)"):
        take_lease(store)

    aged(store, LEASE)
    token = take_lease(store)

    assert json.loads(store.read_bytes(LEASE))["token"] == token


def test_of_the_prunes_taking_over_one_lease_one_does(store: FolderStore) -> None:
    stale = lease(ended_process())
    store.create(LEASE, stale)
    store.create(f"{TAKEOVERS}{hashlib.sha256(stale).hexdigest()}", b"")  # another prune's claim on it

    with pytest.raises(StoreError, match="another prune is running"):
        take_lease(store)
    assert store.read_bytes(LEASE) == stale


def test_claims_are_forgotten_once_no_prune_can_still_be_deciding(store: FolderStore) -> None:
    old, recent = f"{TAKEOVERS}{'0' * 64}", f"{TAKEOVERS}{'1' * 64}"
    store.create(old, b"")
    store.create(recent, b"")
    aged(store, old)
    store.create(LEASE, lease(1, machine="another machine"))

    with pytest.raises(StoreError):
        take_lease(store)

    assert [item.name for item in store.list(TAKEOVERS)] == [recent]


def test_a_takeover_deletes_only_the_lease_it_found(tmp_path: Path) -> None:
    newer = lease(1, machine="another machine", token="newer")

    class GivenBackAndTakenMeanwhile(FolderStore):
        """The stale lease is given back and another prune takes the lease just as this one claims it."""

        def create(self, name: str, data: bytes) -> bool:
            created = super().create(name, data)
            if name.startswith(TAKEOVERS):
                self.delete(LEASE)
                super().create(LEASE, newer)
            return created

    store = GivenBackAndTakenMeanwhile(tmp_path / "store")
    store.create(LEASE, lease(ended_process()))

    with pytest.raises(StoreError, match="another prune is running"):
        take_lease(store)
    assert store.read_bytes(LEASE) == newer
