"""What a store's immutable objects hold, each read once per process, found through live listings."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from backups_server.errors import ObjectMissing

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from backups_server.storage.store import StoredObject

T = TypeVar("T")

_UNREAD: Any = object()


class ListingCache(Generic[T]):
    """Objects read from a store, each kept under everything a listing says of it: name, size,
    modification time and ETag.

    The caller always lists the store itself, so what another server adds or deletes shows at
    once; the cache only spares reading again what the listing shows unchanged. An object
    replaced under the same name lists differently, so it is read again, and an object that the
    latest listing no longer shows is forgotten.
    """

    def __init__(self, read: Callable[[str], T], *, readers: int) -> None:
        self._read = read
        self._readers = readers
        self._lock = threading.Lock()
        self._entries: dict[StoredObject, T] = {}

    def contents(self, listing: Iterable[StoredObject]) -> list[T]:
        """What each listed object holds, in the listing's order: from the cache, or read now,
        `readers` at a time. Objects deleted since the listing are left out."""
        with self._lock:
            known = self._entries
        listed = [(item, known.get(item, _UNREAD)) for item in listing]
        read = self._read_all([item for item, content in listed if content is _UNREAD])
        entries: dict[StoredObject, T] = {}
        for item, content in listed:
            if content is not _UNREAD:
                entries[item] = content
            elif item in read:
                entries[item] = read[item]
        with self._lock:
            self._entries = entries
        return list(entries.values())

    def _read_all(self, items: list[StoredObject]) -> dict[StoredObject, T]:
        """Each of the readers reads its share of `items` in turn; after a failure, the others stop
        at their next object."""
        if not items:
            return {}
        readers = min(self._readers, len(items))
        failed = threading.Event()

        def read_share(share: list[StoredObject]) -> list[tuple[StoredObject, T]]:
            contents = []
            for item in share:
                if failed.is_set():
                    break
                try:
                    contents.append((item, self._read(item.name)))
                except ObjectMissing:
                    continue
                except BaseException:
                    failed.set()
                    raise
            return contents

        with ThreadPoolExecutor(readers, thread_name_prefix="listing-read") as pool:
            shares = pool.map(read_share, [items[start::readers] for start in range(readers)])
            return {item: content for share in shares for item, content in share}
