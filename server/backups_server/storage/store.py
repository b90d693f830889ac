"""Where backups live: one small interface, a folder implementation and an S3 implementation.

Object names are relative, `/`-separated paths such as `backups/ID/manifest.json`. Everything
above this module works with `Store` only and never learns which implementation it has.
"""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from urllib.parse import unquote, urlsplit

import boto3
import botocore.config
import botocore.exceptions
from boto3.s3.transfer import TransferConfig

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

COPY_CHUNK = 1024 * 1024
PART_SIZE = 8 * 1024 * 1024

S3_TIMEOUT = 10.0
"""Seconds an S3 request may wait to connect, to send, and for each read of the answer."""
S3_ATTEMPTS = 2
"""Tries of an S3 request, the first included: a store that stops answering fails a call within
about S3_ATTEMPTS timeouts, and an upload (which then aborts itself) in twice that."""


class StoreError(Exception):
    """The store could not carry out an operation (unreachable, refused, out of space...)."""


class ObjectMissing(StoreError, LookupError):
    """There is no object with this name."""


class StoreRefused(StoreError):
    """The store as configured cannot be used: no such bucket, credentials refused or missing."""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class StoredObject(NamedTuple):
    """An object as a listing shows it. Any write of the object changes `etag`. (A named tuple,
    since listings make and caches hash thousands of them.)"""

    name: str
    size: int
    modified: datetime
    etag: str
    """S3's ETag; for a folder store, the file's inode and modification time in nanoseconds, as web
    servers make ETags of files (a write renames a new file into place, so a new inode)."""


@dataclass(frozen=True)
class UnfinishedWrite:
    """A write that started and never finished, and is not an object (an S3 multipart upload)."""

    name: str
    started: datetime
    token: str
    """What the store needs to abort it."""


class Store(Protocol):
    """List, read, write and delete whole objects; bytes always flow as streams."""

    concurrent_reads: int
    """How many small objects are best read at once: what the store serves in parallel."""

    def list(self, prefix: str) -> list[StoredObject]:
        """Every object whose name starts with `prefix`."""
        ...

    def read(self, name: str, sink: Writable) -> None:
        """Write the object's bytes into `sink`; raises ObjectMissing."""
        ...

    def read_bytes(self, name: str) -> bytes:
        """The whole object, in one request: for small objects such as manifests; raises ObjectMissing."""
        ...

    def write(self, name: str, source: Readable, on_stored: Callable[[int], None] | None = None) -> None:
        """Store everything `source` yields until EOF; the object appears whole or not at all.

        `on_stored`, if given, is called with the number of bytes stored so far as they are, from
        any thread.
        """
        ...

    def delete(self, name: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    def unfinished(self, prefix: str) -> tuple[UnfinishedWrite, ...]:
        """The unfinished writes under `prefix` that are not listed as objects."""
        ...

    def abort(self, write: UnfinishedWrite) -> None:
        """Abort an unfinished write and free what it holds."""
        ...

    def check(self) -> None:
        """Raise StoreRefused if the store cannot be used as configured, StoreError if it cannot
        be reached now."""
        ...


def open_store(url: str, *, timeout: float = S3_TIMEOUT) -> Store:
    """The store a URL names: `file:///path/to/folder` or `s3://bucket/prefix`; an S3 store's
    requests time out after `timeout` seconds."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{url}: a file:// store must be a local path")
        return FolderStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"{url}: an s3:// store needs a bucket, as in s3://bucket/prefix")
        return S3Store(parts.netloc, unquote(parts.path), boto3.client("s3", config=client_config(timeout)))
    raise ValueError(f"{url}: the store must be a file:// or s3:// URL")


class FolderStore:
    """Objects are files under a root folder; writes go through a temporary file, fsync and rename.

    An interrupted write leaves a hidden `.NAME.*.partial` file beside the object; it is listed
    like any other object, so the caller can recognise and delete it like any other leftover.
    """

    concurrent_reads = 1
    """A small file is read from the disk's cache quicker than threads would hand its read over."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"FolderStore({str(self.root)!r})"

    def _path(self, name: str) -> Path:
        relative = PurePosixPath(name)
        if relative.is_absolute() or not relative.parts or ".." in relative.parts:
            raise ObjectMissing(name)
        return self.root.joinpath(*relative.parts)

    def list(self, prefix: str) -> list[StoredObject]:
        """Walks the folders under the prefix's folder; files and folders that vanish meanwhile
        (renamed or deleted by a write or a delete running at the same time) are skipped."""
        head = prefix.rpartition("/")[0]
        pending = [(str(self._path(head) if head else self.root), head + "/" if head else "")]
        found = []
        with _store_errors(prefix):
            while pending:
                folder, relative = pending.pop()
                try:
                    entries = list(os.scandir(folder))
                except (FileNotFoundError, NotADirectoryError):
                    continue
                for entry in entries:
                    name = relative + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, name + "/"))
                    elif name.startswith(prefix) and (stored := _stored_file(name, entry)):
                        found.append(stored)
        return found

    def read(self, name: str, sink: Writable) -> None:
        with _store_errors(name), self._path(name).open("rb") as file:
            _copy(file, sink)

    def read_bytes(self, name: str) -> bytes:
        with _store_errors(name):
            return self._path(name).read_bytes()

    def write(self, name: str, source: Readable, on_stored: Callable[[int], None] | None = None) -> None:
        path = self._path(name)
        with _store_errors(name):
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=path.parent, prefix=f".{path.name}.", suffix=".partial", delete=False
            ) as partial:
                try:
                    _copy(source, partial, on_stored)
                    partial.flush()
                    os.fsync(partial.fileno())
                except BaseException:
                    Path(partial.name).unlink(missing_ok=True)
                    raise
            os.replace(partial.name, path)
            fsync_path(path.parent)

    def delete(self, name: str) -> None:
        path = self._path(name)
        with _store_errors(name):
            try:
                path.unlink()
            except FileNotFoundError:
                return
            fsync_path(path.parent)
        folder = path.parent
        while folder != self.root:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent

    def unfinished(self, prefix: str) -> tuple[UnfinishedWrite, ...]:
        return ()  # an interrupted write leaves a `.partial` file, listed as an object

    def abort(self, write: UnfinishedWrite) -> None:
        raise ObjectMissing(write.name)

    def check(self) -> None:
        """A folder store is created on first use."""


class S3Store:
    """Objects in an S3 bucket under a prefix, through boto3's managed (multipart) transfers.

    The endpoint and credentials come from boto3's standard sources (AWS_ENDPOINT_URL,
    AWS_ACCESS_KEY_ID, AWS_PROFILE, ...). A PUT, single or multipart, is atomic on S3, so an
    interrupted write leaves no object behind, only an incomplete multipart upload: `unfinished`
    lists those, and `abort` frees them.

    Every request has connect and read timeouts and S3_ATTEMPTS tries, so a store that stops
    answering fails the calls on it instead of holding them.
    """

    concurrent_reads = 10
    """As many as botocore's default connection pool holds, so concurrent reads never wait for a
    connection or open throwaway ones."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client("s3", config=client_config())
        self.transfer_config = _transfer_config()

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def list(self, prefix: str) -> list[StoredObject]:
        found = []
        with _store_errors(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    found.append(StoredObject(name, item["Size"], item["LastModified"], item["ETag"]))
        return found

    def read(self, name: str, sink: Writable) -> None:
        with _store_errors(name):
            self.client.download_fileobj(self.bucket, self.prefix + name, sink, Config=self.transfer_config)

    def read_bytes(self, name: str) -> bytes:
        with _store_errors(name):
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"]
            with closing(body):
                content: bytes = body.read()
                return content

    def write(self, name: str, source: Readable, on_stored: Callable[[int], None] | None = None) -> None:
        with _store_errors(name):
            self.client.upload_fileobj(
                source,
                self.bucket,
                self.prefix + name,
                Callback=_Tally(on_stored) if on_stored else None,
                Config=self.transfer_config,
            )

    def delete(self, name: str) -> None:
        with _store_errors(name):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def unfinished(self, prefix: str) -> tuple[UnfinishedWrite, ...]:
        found = []
        with _store_errors(prefix):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    name = upload["Key"][len(self.prefix) :]
                    found.append(UnfinishedWrite(name, upload["Initiated"], upload["UploadId"]))
        return tuple(found)

    def abort(self, write: UnfinishedWrite) -> None:
        with _store_errors(write.name):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.prefix + write.name, UploadId=write.token
            )

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except botocore.exceptions.ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            if code in ("404", "NoSuchBucket"):
                raise StoreRefused(f"the bucket {self.bucket} does not exist") from error
            if code in ("400", "401", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"):
                raise StoreRefused(
                    f"the store refused the credentials for the bucket {self.bucket}"
                ) from error
            raise StoreError(f"the bucket {self.bucket}: {error}") from error
        except botocore.exceptions.NoCredentialsError as error:
            raise StoreRefused("no credentials for the store were found") from error
        except (OSError, botocore.exceptions.BotoCoreError) as error:
            raise StoreError(f"the bucket {self.bucket}: {error}") from error


def _stored_file(name: str, entry: os.DirEntry[str]) -> StoredObject | None:
    """The listing's view of a file, or None when it is not a file or no longer there."""
    try:
        if not entry.is_file():
            return None
        stat = entry.stat()
    except FileNotFoundError:
        return None
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    return StoredObject(name, stat.st_size, modified, f"{stat.st_ino:x}-{stat.st_mtime_ns:x}")


def _copy(source: Readable, target: Writable, on_stored: Callable[[int], None] | None = None) -> None:
    """Copy `source` into `target` by chunks; `on_stored` gets the count copied after each."""
    stored = 0
    while chunk := source.read(COPY_CHUNK):
        target.write(chunk)
        stored += len(chunk)
        if on_stored:
            on_stored(stored)


class _Tally:
    """Adds up the byte counts boto3 reports from its transfer threads (negative when a part is
    sent again) and passes the running total on, one count at a time."""

    def __init__(self, on_stored: Callable[[int], None]) -> None:
        self._on_stored = on_stored
        self._lock = threading.Lock()
        self._total = 0

    def __call__(self, count: int) -> None:
        with self._lock:
            self._total += count
            self._on_stored(self._total)


def client_config(timeout: float = S3_TIMEOUT) -> botocore.config.Config:
    """Timeouts and bounded, backed-off retries for every S3 request (boto3's defaults wait 60 s per
    read, with more tries: minutes for a store that stops answering)."""
    return botocore.config.Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"mode": "standard", "max_attempts": S3_ATTEMPTS},
    )


def _transfer_config() -> TransferConfig:
    """Parts of 8 MiB, two in flight and two waiting at most: memory stays bounded whatever the
    object's size (boto3's defaults let a stream buffer ten parts and more)."""
    config = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=2)
    config.max_in_memory_upload_chunks = config.max_in_memory_download_chunks = 2
    return config


@contextmanager
def _store_errors(name: str) -> Iterator[None]:
    """Turn the failures of the file system and of boto3 into StoreError and ObjectMissing."""
    try:
        yield
    except StoreError:
        raise
    except FileNotFoundError as error:
        raise ObjectMissing(name) from error
    except botocore.exceptions.ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey"):
            raise ObjectMissing(name) from error
        raise StoreError(f"{name}: {error}") from error
    except (OSError, botocore.exceptions.BotoCoreError) as error:
        raise StoreError(f"{name}: {error}") from error


def fsync_path(path: Path, *, missing_ok: bool = False) -> None:
    """fsync a file or a folder, by its path."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
