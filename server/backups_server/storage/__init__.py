"""Where the bytes live: the byte store (folder, S3), the layout and format, codecs, the listing cache."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from backups_server.storage.folder import FolderStore
from backups_server.storage.store import Store

S3_TIMEOUT = 10.0
"""Seconds an S3 request may wait to connect, to send, and for each read of the answer."""


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
        # boto3 is imported here: it is a sixth of the server's start, which a folder store never needs.
        from backups_server.storage.s3 import S3Store  # noqa: PLC0415

        return S3Store(parts.netloc, unquote(parts.path), timeout=timeout)
    raise ValueError(f"{url}: the store must be a file:// or s3:// URL")
