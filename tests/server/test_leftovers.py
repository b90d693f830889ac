"""The store's leftovers (S3's unfinished multipart uploads included) go by a sweep that runs
periodically, not only at start; test_crash.py shows what a restart removes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from backups_server.storage.layout import MANIFESTS, data_name, older_data_name
from backups_server.storage.s3 import S3Store
from tests.helpers import eventually, writes_under_way

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
