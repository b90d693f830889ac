"""The marks a prune leaves on packs it found unused, and the lease that keeps two prunes apart.

A mark is an object `marks/NAME` naming packs that no backup needed when it was written; its time is
the store's, as the listing shows it. A prune deletes a marked pack only once the mark is older than
its grace period, and only if no backup needs the pack then either; a backup never relies on a marked
pack (`storage.vault`). Pack names are random and say nothing of the data, so a mark is plain JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from backups_server.errors import ObjectMissing, StoreError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from backups_server.storage.store import Store

MARKS = "marks/"
LEASE = "locks/prune"
TAKEOVERS = "locks/takeovers/"
"""Claims on prune leases being taken over: one a lease, named after its content, for as long as the
takeover lasts. A prune killed then leaves one, forgotten after LEASE_EXPIRES."""
LEASE_EXPIRES = timedelta(hours=6)
"""A lease this old is taken over: the prune that held it has died."""


@dataclass(frozen=True)
class Mark:
    name: str
    marked: datetime
    packs: frozenset[str]


def write_mark(store: Store, packs: Iterable[str]) -> str:
    """Store a mark of `packs`; its name."""
    name = f"{MARKS}{secrets.token_hex(16)}"
    store.create(name, json.dumps({"packs": sorted(packs)}).encode())
    return name


def read_marks(store: Store) -> list[Mark]:
    """Every mark of the store, oldest first; raises StoreError, naming a mark that does not read."""
    marks = []
    for item in store.list(MARKS):
        try:
            packs = json.loads(store.read_bytes(item.name))["packs"]
        except ObjectMissing:
            continue  # removed by the prune that processed it
        except (ValueError, KeyError, TypeError) as error:
            raise StoreError(f"{item.name} is not a mark of packs: {error}") from error
        marks.append(Mark(item.name, item.modified, frozenset(packs)))
    return sorted(marks, key=lambda mark: mark.marked)


def marked_packs(store: Store) -> frozenset[str]:
    """Every pack some mark names: what a backup must not rely on."""
    return frozenset().union(*(mark.packs for mark in read_marks(store)))


def _this_machine() -> str:
    """This machine and PID namespace (process ids name processes only within one): the boot's id
    and the namespace's where Linux says them, else the host's name."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return socket.gethostname()
    return f"{boot} {namespace}"


MACHINE = _this_machine()
_held: set[str] = set()
"""The tokens of the leases this process holds."""
_lock = threading.Lock()


def take_lease(store: Store) -> str:
    """Take the prune's lease, or raise StoreError naming who holds it; the lease's token, which
    `release_lease` takes. A lease is taken over when its holder is gone (`_gone`), or when it is
    LEASE_EXPIRES old. Of the prunes that find one lease to take over, one does: each first creates
    a claim on that lease (only one creation of a name succeeds), and the lease is deleted only if
    it is still the one found, so that a prune slower to claim it never deletes the new holder's."""
    token = secrets.token_hex(16)
    content = json.dumps(
        {"host": socket.gethostname(), "process": os.getpid(), "machine": MACHINE, "token": token}
    ).encode()
    with _lock:
        _held.add(token)  # before it is stored: a prune of this process never takes it for gone
    taken = False
    try:
        taken = _take(store, content)
        if not taken:
            holder = _describe(store)
            raise StoreError(f"another prune is running on this store ({holder}); try again once it ends")
        return token
    finally:
        if not taken:
            with _lock:
                _held.discard(token)


def _take(store: Store, content: bytes) -> bool:
    if store.create(LEASE, content):
        return True
    try:
        found = store.read_bytes(LEASE)
    except ObjectMissing:  # given back since
        return store.create(LEASE, content)
    _forget_old_claims(store)
    listed = next((item for item in store.list(LEASE) if item.name == LEASE), None)
    expired = listed is not None and datetime.now(UTC) - listed.modified >= LEASE_EXPIRES
    claim = f"{TAKEOVERS}{hashlib.sha256(found).hexdigest()}"
    if not (expired or _gone(_holder(found))) or not store.create(claim, b""):
        return False
    try:
        with contextlib.suppress(ObjectMissing):
            if store.read_bytes(LEASE) == found:  # still the lease found, not one taken anew since
                store.delete(LEASE)
        return store.create(LEASE, content)
    finally:
        store.delete(claim)


def _describe(store: Store) -> str:
    try:
        holder = _holder(store.read_bytes(LEASE))
    except ObjectMissing:
        holder = {}
    if {"process", "host"} <= holder.keys():
        return f"by process {holder['process']} on {holder['host']}"
    return "by an unknown holder"


def release_lease(store: Store, token: str) -> None:
    """Give the lease back, unless another prune has taken it over since (after LEASE_EXPIRES)."""
    with _lock:
        _held.discard(token)
    try:
        holder = _holder(store.read_bytes(LEASE))
    except ObjectMissing:
        return
    if holder.get("token") == token:
        store.delete(LEASE)


def _holder(content: bytes) -> dict[str, object]:
    try:
        holder = json.loads(content)
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _gone(holder: dict[str, object]) -> bool:
    """Whether the lease's holder was a process of this machine that no longer holds it: one that no
    longer runs, or this one, holding no such lease (a prune of it that was stopped, or an earlier
    process that had its id). Containers that share a host name are not one machine: each has its
    own PID namespace, where another's process ids mean nothing. A lease of another machine, or of
    an earlier version (no `machine`), is taken over only once expired."""
    process = holder.get("process")
    if holder.get("machine") != MACHINE or not isinstance(process, int):
        return False
    if process == os.getpid():
        with _lock:
            return holder.get("token") not in _held
    try:
        os.kill(process, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it runs, as another user
        pass
    return False


def _forget_old_claims(store: Store) -> None:
    now = datetime.now(UTC)
    for item in store.list(TAKEOVERS):
        if now - item.modified >= LEASE_EXPIRES:
            store.delete(item.name)
