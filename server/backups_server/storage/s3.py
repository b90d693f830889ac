"""A store in an S3 bucket, under a prefix, through boto3's managed (multipart) transfers."""

from __future__ import annotations

import threading
from contextlib import closing, contextmanager
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import botocore.exceptions
from boto3.s3.transfer import TransferConfig

from backups_server.errors import ObjectMissing, StoreError, StoreRefused
from backups_server.storage import S3_TIMEOUT
from backups_server.storage.store import StoredObject, UnfinishedWrite

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_server.storage.store import Readable, Writable

CONFLICT_ATTEMPTS = 5
"""Tries of a conditional creation that S3 answers 409 (another conditional write of the name is
under way, and may yet fail): each asks again, until the object exists (412) or this one is stored."""

PART_SIZE = 8 * 1024 * 1024

S3_ATTEMPTS = 2
"""Tries of an S3 request, the first included: a store that stops answering fails a call within
about S3_ATTEMPTS timeouts, and an upload (which then aborts itself) in twice that."""


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

    def __init__(
        self, bucket: str, prefix: str = "", client: Any = None, *, timeout: float = S3_TIMEOUT
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client("s3", config=client_config(timeout))
        self.transfer_config = _transfer_config()

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def list(self, prefix: str) -> list[StoredObject]:
        found = []
        with _s3_errors(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    found.append(StoredObject(name, item["Size"], item["LastModified"], item["ETag"]))
        return found

    def read(self, name: str, sink: Writable) -> None:
        with _s3_errors(name):
            self.client.download_fileobj(self.bucket, self.prefix + name, sink, Config=self.transfer_config)

    def read_bytes(self, name: str) -> bytes:
        with _s3_errors(name):
            body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"]
            with closing(body):
                content: bytes = body.read()
                return content

    def read_range(self, name: str, start: int, length: int) -> bytes:
        with _s3_errors(name):
            wanted = f"bytes={start}-{start + length - 1}"
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name, Range=wanted)
            except botocore.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") == "InvalidRange":  # from its end on
                    return b""
                raise
            with closing(answer["Body"]) as body:
                content: bytes = body.read()
                return content

    def write(self, name: str, source: Readable, on_stored: Callable[[int], None] | None = None) -> None:
        with _s3_errors(name):
            self.client.upload_fileobj(
                source,
                self.bucket,
                self.prefix + name,
                Callback=_Tally(on_stored) if on_stored else None,
                Config=self.transfer_config,
            )

    def create(self, name: str, data: bytes) -> bool:
        with _s3_errors(name):
            for _ in range(CONFLICT_ATTEMPTS):
                try:
                    self.client.put_object(
                        Bucket=self.bucket, Key=self.prefix + name, Body=data, IfNoneMatch="*"
                    )
                    return True
                except botocore.exceptions.ClientError as error:
                    code = error.response.get("Error", {}).get("Code")
                    if code == "PreconditionFailed":
                        return False
                    if code != "ConditionalRequestConflict":
                        raise
            raise StoreError(f"{name}: {CONFLICT_ATTEMPTS} conditional writes in a row met another one")

    def delete(self, name: str) -> None:
        with _s3_errors(name):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def unfinished(self, prefix: str) -> tuple[UnfinishedWrite, ...]:
        found = []
        with _s3_errors(prefix):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    name = upload["Key"][len(self.prefix) :]
                    found.append(UnfinishedWrite(name, upload["Initiated"], upload["UploadId"]))
        return tuple(found)

    def abort(self, write: UnfinishedWrite) -> None:
        with _s3_errors(write.name):
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
def _s3_errors(name: str) -> Iterator[None]:
    """Turn the failures of boto3 into StoreError and ObjectMissing."""
    try:
        yield
    except StoreError:
        raise
    except botocore.exceptions.ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey"):
            raise ObjectMissing(name) from error
        raise StoreError(f"{name}: {error}") from error
    except (OSError, botocore.exceptions.BotoCoreError) as error:
        raise StoreError(f"{name}: {error}") from error
