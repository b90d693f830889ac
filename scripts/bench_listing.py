"""Benchmark listings of many backups: the work of GET /backups (`BackupService.list_backups`), cold
(the first listing of a server process) and warm (every one after), against the floor of reading
the same names without the server: a bare LIST of the manifests' keys with boto3 on S3 (moto's
server mode, in a child process), `os.walk` of the manifests' folders on a folder store. The S3
requests of each listing are counted through botocore's event hooks.

The backups are written straight into the store's layout, a manifest and a few bytes of data each,
as a server writes them, one an hour. "Cold" starts with an empty cache in the server, not with
an empty page cache in the system.

Targets, at 10,000 backups on both stores: warm <= 2x the floor, cold <= 10x the floor, and a warm
listing sends at most ceil(N/1000) + 2 S3 requests. The folder store is measured at 100,000 too.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from backups_server import __version__
from backups_server.engine.service import BackupService
from backups_server.storage.folder import FolderStore
from backups_server.storage.layout import FORMAT, FORMAT_OBJECT, MANIFESTS, data_name, manifest_name
from backups_server.storage.records import BackupRecord, Manifest
from backups_server.storage.s3 import S3Store
from backups_server.storage.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TARGET_WARM = 2.0
TARGET_COLD = 10.0

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


@dataclass(frozen=True)
class Figures:
    store: str
    backups: int
    floor: float
    warm: float
    cold: float
    warm_requests: int | None = None
    cold_requests: int | None = None


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
        "--rounds",
        type=int,
        default=5,
        help="warm listings and floors timed, interleaved (default: %(default)s)",
    )
    args = parser.parse_args()

    results = []
    with moto_endpoint() as endpoint:
        results.append(in_own_process(bench_s3, endpoint, args.backups, args.rounds))
    for count in (args.backups, args.large) if args.large else (args.backups,):
        with tempfile.TemporaryDirectory(prefix="bench-listing-") as scratch:
            results.append(in_own_process(bench_folder, Path(scratch, "store"), count, args.rounds))
    return report(results, args.backups, args.rounds)


def in_own_process(bench: Callable[..., Figures], *arguments: object) -> Figures:
    """Run `bench` in a new process: as in a server, which has one store, nothing else is in its
    memory for the garbage collector to go through (such as botocore's models, for a folder store)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as process:
        return process.submit(bench, *arguments).result()


def bench_s3(endpoint: str, count: int, rounds: int) -> Figures:
    credentials = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, **credentials)
    client.create_bucket(Bucket="bench")
    store = S3Store("bench", "team/backups", client)
    seeding(f"S3 (moto) with {count:,} backups", lambda: seed(store, count, SEEDERS))
    requests = sent_requests(client)

    def bare_list() -> int:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket="bench", Prefix=store.prefix + MANIFESTS
        )
        return sum(page.get("KeyCount", 0) for page in pages)

    return measure("S3 (moto)", store, count, bare_list, rounds=rounds, requests=requests)


def bench_folder(root: Path, count: int, rounds: int) -> Figures:
    store = FolderStore(root)
    seeding(f"a folder store with {count:,} backups", lambda: seed(store, count, 1))

    def walk() -> int:
        return sum(len(files) for _, _, files in os.walk(root / MANIFESTS))

    return measure("folder", store, count, walk, rounds=rounds)


def measure(
    name: str,
    store: Store,
    count: int,
    floor: Callable[[], int],
    *,
    rounds: int,
    requests: Counter[str] | None = None,
) -> Figures:
    """The floor, a cold listing (a new service, so an empty cache), then warm listings and floors in turn."""
    print(f"  timing {name} with {count:,} backups...", flush=True)
    floors = [timed(floor, count)]
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as scratch:
        service = BackupService(
            store=store,
            database=Path(scratch, "never-read.sqlite"),  # a listing reads neither
            work_dir=Path(scratch),
            version=__version__,
            device_name="bench",
        )
        sent = sum(requests.values()) if requests is not None else 0
        cold = timed(lambda: len(service.list_backups()), count)
        cold_requests = sum(requests.values()) - sent if requests is not None else None
        warms, warm_requests = [], 0
        for _ in range(rounds):
            floors.append(timed(floor, count))
            sent = sum(requests.values()) if requests is not None else 0
            warms.append(timed(lambda: len(service.list_backups()), count))
            warm_requests = max(warm_requests, sum(requests.values()) - sent if requests is not None else 0)
    return Figures(
        name,
        count,
        statistics.median(floors),
        statistics.median(warms),
        cold,
        warm_requests if requests is not None else None,
        cold_requests,
    )


def timed(work: Callable[[], int], expected: int) -> float:
    started = time.perf_counter()
    found = work()
    elapsed = time.perf_counter() - started
    if found != expected:
        raise SystemExit(f"bench_listing: listed {found} instead of {expected}")
    return elapsed


def seed(store: Store, count: int, writers: int) -> None:
    """`count` backups an hour apart written into the store's layout, and its format marker."""
    if isinstance(store, S3Store):
        write = _s3_writer(store)
    elif isinstance(store, FolderStore):
        write = _folder_writer(store)
    else:
        raise TypeError(f"cannot seed {store!r}")
    write(FORMAT_OBJECT, f'{{"format": {FORMAT}}}\n'.encode())

    def seed_one(number: int) -> None:
        record = BackupRecord.new(__version__, START + number * HOUR, 4096, "bench", "LINUX")
        data = data_name(record.backup_id)
        manifest = Manifest(record, data, hashlib.sha256(DATA_BYTES).hexdigest(), len(DATA_BYTES))
        write(data, DATA_BYTES)
        write(manifest_name(record.backup_id), manifest.to_bytes())

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


def seeding(what: str, seed_it: Callable[[], None]) -> None:
    print(f"Seeding {what}...", end=" ", flush=True)
    started = time.perf_counter()
    seed_it()
    print(f"{time.perf_counter() - started:.0f} s", flush=True)


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


def report(results: list[Figures], count: int, rounds: int) -> int:
    print(f"\nListings, warm: median of {rounds}; cold: the first listing of a new server process")
    columns = f"{'floor':>8} {'warm':>8} {'ratio':>6} {'cold':>8} {'ratio':>6}"
    print(f"  {'store':10} {'backups':>8} {columns}  S3 requests")
    for figures in results:
        warm, cold = figures.warm / figures.floor, figures.cold / figures.floor
        requests = (
            ""
            if figures.warm_requests is None
            else f"{figures.warm_requests:,} warm, {figures.cold_requests:,} cold"
        )
        line = f"  {figures.store:10} {figures.backups:>8,} {figures.floor:>7.2f}s"
        line += f" {figures.warm:>7.2f}s {warm:>5.2f}x {figures.cold:>7.2f}s {cold:>5.2f}x  {requests}"
        print(line.rstrip())
    print("  floor: a bare LIST of the manifests' keys with boto3 (S3), os.walk of their folders (folder)")
    checks = []
    for figures in results:
        if figures.backups != count:
            continue
        checks.append(
            (f"{figures.store} warm <= {TARGET_WARM}x floor", figures.warm <= TARGET_WARM * figures.floor)
        )
        checks.append(
            (f"{figures.store} cold <= {TARGET_COLD}x floor", figures.cold <= TARGET_COLD * figures.floor)
        )
        if figures.warm_requests is not None:
            bound = math.ceil(count / 1000) + 2
            checks.append((f"{figures.store} warm requests <= {bound}", figures.warm_requests <= bound))
    for check, met in checks:
        print(f"  target: {check:36} {'met' if met else 'MISSED'}")
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
