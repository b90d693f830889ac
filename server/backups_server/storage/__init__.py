"""Where the bytes live: the byte store (folder, S3), the layout and format, codecs, the listing cache."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import boto3

from backups_server.storage.folder import FolderStore
from backups_server.storage.s3 import S3_TIMEOUT, S3Store, client_config
from backups_server.storage.store import Store


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
