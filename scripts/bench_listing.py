"""Benchmark listings of many backups: the work of GET /backups (`BackupService.list_backups`), cold
(the first listing of a new service, with nothing cached) and warm (the same service again),
against the floor of reading the same names without the server: a bare LIST of the manifests' keys
with boto3 on S3 (moto's server mode, in a child process), `os.walk` of the manifests' folders on a
folder store. The S3 requests of each listing are counted through botocore's event hooks.

The backups are written straight into the store's layout, a manifest and a few bytes of data each,
as a server writes them, one an hour. "Cold" starts with an empty cache in the server, not with
an empty page cache in the system. Cold listing, floor and warm listing take turns, `--runs` times
(the folder store of --backups three times as many); a ratio is the median of the ratios of each
listing to the floor next to it.

Targets, at 10,000 backups on both stores: warm <= 2x the floor, cold <= 10x the floor, and a warm
listing sends at most ceil(N/1000) + 2 S3 requests. The folder store is measured at 100,000 too, and
at 10,000 in format 2 (sealed manifests, each opened with the store's key on a cold listing).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from bench_report import Figure, arguments, at_most, ratio, run, seconds
from bench_runs import alternate, progress
from pyrage import x25519

from backups_server import __version__
from backups_server.engine.service import BackupService
from backups_server.storage.folder import FolderStore
from backups_server.storage.keys import KeyRing, Secret, create_master_key
from backups_server.storage.layout import (
    COPIES,
    MANIFESTS,
    PAGES,
    data_name,
    manifest_name,
    mark_format,
    sealed_manifest_name,
)
from backups_server.storage.records import BackupRecord, Manifest, SealedManifest
from backups_server.storage.s3 import S3Store
from backups_server.storage.store import Store
from backups_server.storage.vault import open_vault

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

RUNS = 7
QUICK_RUNS = 3
"""How many times more the folder store of --backups runs: its listings take a fraction of a second,
where a few runs leave the median to chance."""
TARGET_WARM = at_most(2.0)
TARGET_COLD = at_most(10.0)

START = 1_767_225_600_000_000  # 2026-01-01 00:00 UTC, in microseconds
HOUR = 3_600_000_000
DATA_BYTES = b"a few bytes standing for the compressed snapshot"
SEEDERS = 8

MOTO = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("http://%s:%d" % server.get_host_and_port(), flush=True)
sys.stdin.read()
server.stop()
"""
"""A moto server on a free port of 127.0.0.1 that says where it listens, and stops when its input closes."""


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument(
        "--backups", type=int, default=10_000, help="backups in each store (default: %(default)s)"
    )
    parser.add_argument(
        "--large",
        type=int,
        default=100_000,
        help="backups in the large folder store; 0 skips it (default: %(default)s)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=RUNS,
        help="runs of each listing and floor, in turn (default: %(default)s)",
    )
    return run("listing", parser.parse_args(), measure)


def measure(args: argparse.Namespace) -> Iterator[Figure]:
    with moto_endpoint() as endpoint:
        yield from in_own_process(bench_s3, endpoint, args.backups, args.runs)
    for count in (args.backups, args.large) if args.large else (args.backups,):
        with tempfile.TemporaryDirectory(prefix="bench-listing-") as scratch:
            targets = count == args.backups
            runs = args.runs * QUICK_RUNS if targets else args.runs
            yield from in_own_process(bench_folder, Path(scratch, "store"), count, runs, targets)
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as scratch:
        runs = args.runs * QUICK_RUNS
        yield from in_own_process(bench_folder, Path(scratch, "store"), args.backups, runs, True, True)


def in_own_process(bench: Callable[..., list[Figure]], *arguments: object) -> list[Figure]:
    """Run `bench` in a new process: as in a server, which has one store, nothing else is in its
    memory for the garbage collector to go through (such as botocore's models, for a folder store)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as process:
        return process.submit(bench, *arguments).result()


def bench_s3(endpoint: str, count: int, runs: int) -> list[Figure]:
    credentials = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, **credentials)
    client.create_bucket(Bucket="bench")
    store = S3Store("bench", "team/backups", client)
    with progress(f"Seeding S3 (moto) with {count:,} backups"):
        seed(store, count, SEEDERS)
    requests = sent_requests(client)

    def bare_list() -> int:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket="bench", Prefix=store.prefix + MANIFESTS
        )
        return sum(page.get("KeyCount", 0) for page in pages)

    return measure_store("S3", store, count, bare_list, runs=runs, targets=True, requests=requests)


def bench_folder(root: Path, count: int, runs: int, targets: bool, encrypted: bool = False) -> list[Figure]:
    store = FolderStore(root)
    keys = KeyRing(Secret(identities=(x25519.Identity.generate(),))) if encrypted else None
    with progress(f"Seeding {'an encrypted' if encrypted else 'a'} folder store with {count:,} backups"):
        seed(store, count, 1, keys)

    def walk() -> int:
        return sum(len(files) for _, _, files in os.walk(root / MANIFESTS))

    name = "folder, encrypted" if encrypted else "folder"
    return measure_store(name, store, count, walk, runs=runs, targets=targets, keys=keys)


def measure_store(
    name: str,
    store: Store,
    count: int,
    floor: Callable[[], int],
    *,
    runs: int,
    targets: bool,
    requests: Counter[str] | None = None,
    keys: KeyRing | None = None,
) -> list[Figure]:
    """A cold listing (by a new service, so with an empty cache), the floor, then a warm listing (by
    the same service again), in turn, so that each listing is next to the floor it is divided by;
    with `targets`, their ratios to the floor against the targets, and with `requests`, what the
    listings sent."""
    sent: dict[str, list[float]] = {"cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as scratch:
        services: list[BackupService] = []

        def listing(temperature: str) -> float:
            if temperature == "cold":
                services[:] = [
                    BackupService(
                        store=store,
                        database=Path(scratch, "never-read.sqlite"),  # a listing reads neither
                        work_dir=Path(scratch),
                        version=__version__,
                        device_name="bench",
                        keys=keys,
                    )
                ]
            before = sum(requests.values()) if requests is not None else 0
            elapsed = timed(lambda: len(services[0].list_backups()), count)
            if requests is not None:
                sent[temperature].append(sum(requests.values()) - before)
            return elapsed

        times = alternate(
            {
                "cold": lambda: listing("cold"),
                "floor": lambda: timed(floor, count),
                "warm": lambda: listing("warm"),
            },
            runs,
            label=f"Listings of {count:,} backups, {name}",
        )
    figures = [
        ratio(times, "warm", "floor", TARGET_WARM if targets else None),
        ratio(times, "cold", "floor", TARGET_COLD if targets else None),
        *seconds(times),
    ]
    if requests is not None:
        bound = at_most(math.ceil(count / 1000) + 2, each=True)
        figures.append(Figure("warm requests", "", tuple(sent["warm"]), bound if targets else None))
        figures.append(Figure("cold requests", "", tuple(sent["cold"])))
    return [replace(figure, name=f"{name} {count:,}: {figure.name}") for figure in figures]


def timed(work: Callable[[], int], expected: int) -> float:
    started = time.perf_counter()
    found = work()
    elapsed = time.perf_counter() - started
    if found != expected:
        raise SystemExit(f"listed {found} instead of {expected}")
    return elapsed


def seed(store: Store, count: int, writers: int, keys: KeyRing | None = None) -> None:
    """`count` backups an hour apart written into the store's layout, and its format marker: in format
    1, a manifest and a few bytes of data each; in format 2 given `keys`, a sealed manifest each (its
    pages are never read by a listing)."""
    if isinstance(store, S3Store):
        write = _s3_writer(store)
    elif isinstance(store, FolderStore):
        write = _folder_writer(store)
    else:
        raise TypeError(f"cannot seed {store!r}")
    if keys is not None:
        create_master_key(store, keys.secret)
        manifest_key = open_vault(store, keys).manifest_key
    mark_format(store, COPIES if keys is None else PAGES)
    sha256 = hashlib.sha256(DATA_BYTES).hexdigest()

    def seed_one(number: int) -> None:
        record = BackupRecord.new(__version__, START + number * HOUR, 4096, "bench", "LINUX")
        if keys is not None:
            sealed = SealedManifest(record, 4096, 1, sha256, (DATA_BYTES[:16],), 0)
            write(sealed_manifest_name(record.backup_id), sealed.seal(manifest_key))
            return
        data = data_name(record.backup_id)
        write(data, DATA_BYTES)
        write(manifest_name(record.backup_id), Manifest(record, data, sha256, len(DATA_BYTES)).to_bytes())

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(seed_one, range(count)))


def _s3_writer(store: S3Store) -> Callable[[str, bytes], None]:
    def write(name: str, content: bytes) -> None:
        store.client.put_object(Bucket=store.bucket, Key=store.prefix + name, Body=content)

    return write


def _folder_writer(store: FolderStore) -> Callable[[str, bytes], None]:
    """Plain writes: the store's own (temporary file, fsync, rename) would take minutes for 100,000."""

    def write(name: str, content: bytes) -> None:
        path = store.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    return write


def sent_requests(client: Any) -> Counter[str]:
    """The requests `client` sends from now on (retries included), by operation."""
    sent: Counter[str] = Counter()
    lock = threading.Lock()

    def count(event_name: str, **_: Any) -> None:
        with lock:
            sent[event_name.rsplit(".", 1)[-1]] += 1

    client.meta.events.register("before-send.s3", count)
    return sent


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """moto's S3 in a child process, so that it takes no CPU time from the listings measured here."""
    process = subprocess.Popen(
        [sys.executable, "-c", MOTO],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        if not endpoint:
            raise SystemExit("bench_listing: the moto server did not start")
        yield endpoint
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
