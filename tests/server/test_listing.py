"""Listings at scale: manifests read once per process, the store's LIST always live, the format
marker read again every few seconds, and servers sharing a store seeing each other's backups."""

from __future__ import annotations

import io
import json
import logging
import math
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from backups_api_client.api.backups import (
    backups_create_new_backup,
    backups_delete_specific_backup,
    backups_snapshot,
)
from backups_api_client.models import Backup, Backups, SeededBackup
from backups_server.engine.catalog import FORMAT_RECHECK, Catalog
from backups_server.errors import NotAManifest, ObjectMissing, StoreTooNew
from backups_server.storage.cache import ListingCache
from backups_server.storage.layout import FORMAT, FORMAT_OBJECT, MANIFESTS, is_manifest, manifest_name
from backups_server.storage.s3 import S3Store
from backups_server.storage.store import StoredObject
from tests.helpers import seed_backup

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_api_client import AuthenticatedClient
    from backups_server.storage.store import Store
    from tests.helpers import ServerFactory, StoreUnderTest

both_stores = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)

START = datetime(2026, 3, 1, tzinfo=UTC)


def seed(store: Store, count: int) -> list[str]:
    """`count` backups an hour apart, newest first."""
    with ThreadPoolExecutor(8) as pool:
        made = pool.map(lambda hours: seed_backup(store, START + timedelta(hours=hours)), range(count))
        return list(made)[::-1]


def listed(catalog: Catalog) -> list[str]:
    return [manifest.backup_id for manifest in catalog.manifests()]


@contextmanager
def s3_requests(store: S3Store) -> Iterator[Counter[str]]:
    """The requests the store's client sends meanwhile (retries included), by operation."""
    requests: Counter[str] = Counter()
    lock = threading.Lock()

    def count(event_name: str, **_: Any) -> None:
        with lock:
            requests[event_name.rsplit(".", 1)[-1]] += 1

    store.client.meta.events.register("before-send.s3", count)
    try:
        yield requests
    finally:
        store.client.meta.events.unregister("before-send.s3", count)


class Reads:
    """A store, and the names read from it in one request (manifests, the format marker)."""

    def __init__(self, store: Store, before_read: Callable[[str], None] = lambda _: None) -> None:
        self.store = store
        self.names: list[str] = []
        self._before_read = before_read

    def read_bytes(self, name: str) -> bytes:
        self.names.append(name)
        self._before_read(name)
        return self.store.read_bytes(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.mark.parametrize("store", ["s3"], indirect=True)
def test_a_warm_listing_costs_the_list_requests_alone(store: StoreUnderTest) -> None:
    assert isinstance(store.store, S3Store)
    count = 5
    made = seed(store.store, count)
    now = 100.0
    catalog = Catalog(store.store, monotonic=lambda: now)

    with s3_requests(store.store) as cold:
        assert listed(catalog) == made
    with s3_requests(store.store) as warm:
        assert listed(catalog) == made
    now += FORMAT_RECHECK
    with s3_requests(store.store) as recheck:
        assert listed(catalog) == made

    assert cold == {"ListObjectsV2": 1, "GetObject": count + 1}  # each manifest, and the format marker
    assert warm == {"ListObjectsV2": 1}
    assert recheck == {"ListObjectsV2": 1, "GetObject": 1}
    assert len(store.store.list(MANIFESTS)) == count  # so a LIST page holds 1000 backups
    assert recheck.total() <= math.ceil(count / 1000) + 2


def test_the_format_marker_holds_for_a_few_seconds(store: StoreUnderTest) -> None:
    made = seed(store.store, 1)
    now = 100.0
    catalog = Catalog(store.store, monotonic=lambda: now)
    assert listed(catalog) == made

    store.store.write(
        FORMAT_OBJECT, io.BytesIO(json.dumps({"format": FORMAT + 1}).encode())
    )  # a newer server
    now += FORMAT_RECHECK - 0.1
    assert listed(catalog) == made
    now += 0.1

    with pytest.raises(StoreTooNew):
        catalog.manifests()


@both_stores
def test_a_deleted_manifest_disappears_from_a_cached_listing(store: StoreUnderTest) -> None:
    newest, deleted, oldest = seed(store.store, 3)
    reads = Reads(store.store)
    catalog = Catalog(reads)
    assert listed(catalog) == [newest, deleted, oldest]
    read_cold = len(reads.names)

    store.store.delete(manifest_name(deleted))

    assert listed(catalog) == [newest, oldest]
    assert len(reads.names) == read_cold


@both_stores
def test_a_manifest_that_cannot_be_read_is_left_out_and_logged_once(
    store: StoreUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    newest, damaged, oldest = seed(store.store, 3)
    store.store.write(manifest_name(damaged), io.BytesIO(b"{not json"))
    catalog = Catalog(store.store)

    with caplog.at_level(logging.WARNING, "backups_server"):
        assert listed(catalog) == listed(catalog) == [newest, oldest]
    with pytest.raises(NotAManifest, match=re.escape(f"{manifest_name(damaged)} is not a manifest")):
        catalog.manifests(every=True)

    assert caplog.text.count(f"{manifest_name(damaged)} is not a manifest") == 1
    assert "listings leave it out, and the keep policy stops at it" in caplog.text


@both_stores
def test_a_manifest_replaced_under_the_same_name_is_read_again(store: StoreUnderTest) -> None:
    (backup_id,) = seed(store.store, 1)
    name = manifest_name(backup_id)
    reads = Reads(store.store)
    catalog = Catalog(reads)
    assert catalog.manifests()[0].record.device_name == "test-device"

    replaced = store.store.read_bytes(name).replace(b'"test-device"', b'"same-length"')
    assert len(replaced) == len(store.store.read_bytes(name))
    store.store.write(name, io.BytesIO(replaced))

    assert catalog.manifests()[0].record.device_name == "same-length"
    assert reads.names.count(name) == 2


@pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)
def test_a_cold_listing_reads_manifests_concurrently_within_a_bound(store: StoreUnderTest) -> None:
    """As many reads at once as the store serves in parallel: one for a folder, ten for S3."""
    readers = store.store.concurrent_reads
    seed(store.store, 3 * readers)
    together = threading.Barrier(readers, timeout=30)  # broken unless that many reads run at once
    running = {"now": 0, "most": 0}
    lock = threading.Lock()

    def wait_for_the_others(name: str) -> None:
        if is_manifest(name):
            with lock:
                running["now"] += 1
                running["most"] = max(running["most"], running["now"])
            together.wait()
            with lock:
                running["now"] -= 1

    catalog = Catalog(Reads(store.store, wait_for_the_others))

    assert len(catalog.manifests()) == 3 * readers
    assert running["most"] == readers


def test_the_cache_forgets_what_a_listing_no_longer_shows_and_skips_what_vanished() -> None:
    reads: list[str] = []

    def read(name: str) -> str:
        reads.append(name)
        if name == "vanished":
            raise ObjectMissing(name)
        return name.upper()

    cache = ListingCache(read, readers=1)
    first, second, vanished = (
        StoredObject(name, 1, START, "etag") for name in ("first", "second", "vanished")
    )

    assert cache.contents([first, second, vanished]) == ["FIRST", "SECOND"]
    assert cache.contents([second]) == ["SECOND"]
    assert cache.contents([first, second]) == ["FIRST", "SECOND"]
    assert cache.contents([second, StoredObject("second", 1, START, "other etag")]) == ["SECOND", "SECOND"]
    assert reads == ["first", "second", "vanished", "first", "second"]


def create(client: AuthenticatedClient) -> str:
    backup = backups_create_new_backup.sync(client=client, body=SeededBackup())
    assert isinstance(backup, Backup), backup
    return backup.id


def listing(client: AuthenticatedClient) -> list[str]:
    backups = backups_snapshot.sync(client=client)
    assert isinstance(backups, Backups), backups
    return [backup.id for backup in backups.iterable]


@both_stores
def test_servers_sharing_a_store_see_what_the_others_make_and_delete(start_server: ServerFactory) -> None:
    first, second = start_server(), start_server()
    with first.client() as one, second.client() as other:
        assert listing(other) == []

        made_by_one = create(one)
        assert listing(other) == [made_by_one]
        made_by_other = create(other)
        assert listing(one) == listing(other) == [made_by_other, made_by_one]

        backups_delete_specific_backup.sync_detailed(made_by_one, client=one)
        assert listing(other) == [made_by_other]
