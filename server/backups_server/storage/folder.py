"""A store in a local folder: objects are files, written through a temporary file, fsync and rename."""

from __future__ import annotations

import io
import os
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from backups_server.errors import ObjectMissing, StoreError
from backups_server.storage.store import StoredObject, UnfinishedWrite, copy_stream, fsync_path

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from backups_server.storage.store import Readable, Writable


class FolderStore:
    """Objects are files under a root folder; writes go through a temporary file, fsync and rename.

    An interrupted write leaves a hidden `.NAME.*.partial` file beside the object: not an object, but
    an unfinished write (as an S3 multipart upload is), which `unfinished` finds and `abort` removes.
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
        return [
            stored
            for name, entry in self._files(prefix)
            if not _partial(name) and (stored := _stored_file(name, entry))
        ]

    def _files(self, prefix: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
        """Walks the folders under the prefix's folder; files and folders that vanish meanwhile
        (renamed or deleted by a write or a delete running at the same time) are skipped."""
        head = prefix.rpartition("/")[0]
        pending = [(str(self._path(head) if head else self.root), head + "/" if head else "")]
        with _file_errors(prefix):
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
                    elif name.startswith(prefix):
                        yield name, entry

    def read(self, name: str, sink: Writable) -> None:
        with _file_errors(name), self._path(name).open("rb") as file:
            copy_stream(file, sink)

    def read_bytes(self, name: str) -> bytes:
        with _file_errors(name):
            return self._path(name).read_bytes()

    def read_range(self, name: str, start: int, length: int) -> bytes:
        with _file_errors(name), self._path(name).open("rb") as file:
            file.seek(start)
            return file.read(length)

    def write(self, name: str, source: Readable, on_stored: Callable[[int], None] | None = None) -> None:
        path = self._path(name)
        with _file_errors(name):
            os.replace(_partial_copy(path, source, on_stored), path)
            fsync_path(path.parent)

    def create(self, name: str, data: bytes) -> bool:
        path = self._path(name)
        with _file_errors(name):
            partial = _partial_copy(path, io.BytesIO(data))
            try:
                os.link(partial, path)  # fails if the name exists, unlike a rename
            except FileExistsError:
                return False
            finally:
                partial.unlink(missing_ok=True)
            fsync_path(path.parent)
            return True

    def delete(self, name: str) -> None:
        path = self._path(name)
        with _file_errors(name):
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
        partials = (_stored_file(name, entry) for name, entry in self._files(prefix) if _partial(name))
        return tuple(UnfinishedWrite(file.name, file.modified, file.name) for file in partials if file)

    def abort(self, write: UnfinishedWrite) -> None:
        with _file_errors(write.token):
            self._path(write.token).unlink()

    def check(self) -> None:
        """A folder store is created on first use."""


def _partial(name: str) -> bool:
    """Whether a file is what an unfinished write leaves, `.NAME.*.partial`."""
    base = name.rpartition("/")[2]
    return base.startswith(".") and base.endswith(".partial")


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


@contextmanager
def _file_errors(name: str) -> Iterator[None]:
    """Turn the failures of the file system into StoreError and ObjectMissing."""
    try:
        yield
    except StoreError:
        raise
    except FileNotFoundError as error:
        raise ObjectMissing(name) from error
    except OSError as error:
        raise StoreError(f"{name}: {error}") from error


def _partial_copy(path: Path, source: Readable, on_stored: Callable[[int], None] | None = None) -> Path:
    """What `source` yields, written and synced to a `.partial` file beside `path` (an unfinished
    write until it takes its name); removed if the copy fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial", delete=False
    ) as partial:
        try:
            copy_stream(source, partial, on_stored)
            partial.flush()
            os.fsync(partial.fileno())
        except BaseException:
            Path(partial.name).unlink(missing_ok=True)
            raise
    return Path(partial.name)
