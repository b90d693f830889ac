"""The store's leftovers (S3's unfinished multipart uploads included) go by a sweep that runs
periodically, not only at start; test_crash.py shows what a restart removes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from backups_server.storage.index import INDEXES
from backups_server.storage.layout import MANIFESTS, data_name, older_data_name
from backups_server.storage.packs import PACKS
from backups_server.storage.s3 import S3Store
from tests.helpers import eventually, partial_of, writes_under_way

if TYPE_CHECKING:
    from tests.helpers import ServerFactory, StoreUnderTest

both_stores = pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)


@both_stores
def test_leftovers_are_swept_periodically_not_only_at_start(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    start_server(environment={"BACKUPS_LEFTOVER_AGE": "0", "BACKUPS_SWEEP_INTERVAL": "0.2"})
    store.store.write(older_data_name("1.0.0_1"), io.BytesIO(b"interrupted"))
    if isinstance(store.store, S3Store):
        s3 = store.store
        s3.client.create_multipart_upload(Bucket=s3.bucket, Key=s3.prefix + data_name("1.0.0_2"))

    assert eventually(lambda: store.store.list(MANIFESTS) == [] and writes_under_way(store) == [])


@both_stores
def test_unfinished_writes_of_packs_and_index_objects_are_swept_and_finished_ones_stay(
    start_server: ServerFactory, store: StoreUnderTest
) -> None:
    finished, unfinished = f"{PACKS}ee/{'e' * 32}", [f"{PACKS}ff/{'f' * 32}", f"{INDEXES}{'a' * 32}"]
    store.store.write(finished, io.BytesIO(b"a pack"))
    for name in unfinished:
        if isinstance(store.store, S3Store):
            s3 = store.store
            s3.client.create_multipart_upload(Bucket=s3.bucket, Key=s3.prefix + name)
        else:
            store.store.write(partial_of(name), io.BytesIO(b"half a pack"))
    assert len([*store.store.unfinished(PACKS), *store.store.unfinished(INDEXES)]) == 2

    start_server(environment={"BACKUPS_LEFTOVER_AGE": "0", "BACKUPS_SWEEP_INTERVAL": "0.2"})

    assert eventually(lambda: [*store.store.unfinished(PACKS), *store.store.unfinished(INDEXES)] == [])
    assert [item.name for item in store.store.list(PACKS)] == [finished]
