"""The marks a prune leaves on packs it found unused, and the lease that keeps two prunes apart.

A mark is an object `marks/NAME` naming packs that no backup needed when it was written; its time is
the store's, as the listing shows it. A prune deletes a marked pack only once the mark is older than
its grace period, and only if no backup needs the pack then either; a backup never relies on a marked
pack (`storage.vault`). Pack names are random and say nothing of the data, so a mark is plain JSON.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from backups_server.errors import ObjectMissing, StoreError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from backups_server.storage.store import Store

MARKS = "marks/"
LEASE = "locks/prune"
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


def take_lease(store: Store) -> None:
    """Take the prune's lease, or raise StoreError naming who holds it. A lease is taken over when its
    holder was a process of this machine that is gone (killed), or when it is LEASE_EXPIRES old."""
    content = json.dumps({"host": socket.gethostname(), "process": os.getpid()}).encode()
    if store.create(LEASE, content):
        return
    try:
        holder = json.loads(store.read_bytes(LEASE))
        held = f"by process {holder['process']} on {holder['host']}"
    except (ObjectMissing, ValueError, KeyError, TypeError):
        holder, held = {}, "by an unknown holder"
    listed = next((item for item in store.list(LEASE) if item.name == LEASE), None)
    expired = listed is not None and datetime.now(UTC) - listed.modified >= LEASE_EXPIRES
    if expired or _gone(holder):
        store.delete(LEASE)
        if store.create(LEASE, content):
            return
    raise StoreError(f"another prune is running on this store ({held}); try again once it ends")


def _gone(holder: dict[str, object]) -> bool:
    """Whether the lease's holder was a process of this machine that no longer runs."""
    process = holder.get("process")
    if holder.get("host") != socket.gethostname() or not isinstance(process, int):
        return False
    try:
        os.kill(process, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return process == os.getpid()


def release_lease(store: Store) -> None:
    store.delete(LEASE)
