"""The scratch folder, where snapshots are taken: it belongs to one server process at a time.

The process holds a lock on the folder (flock) for as long as it runs, so whatever is in the folder
when a process takes it was left by an earlier one that died (snapshots of a backup killed
half-way), and is removed at once, whatever its age.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class ScratchInUse(Exception):
    def __init__(self, folder: Path) -> None:
        super().__init__(f"the scratch folder {folder} belongs to another running server")


@contextmanager
def claimed(folder: Path) -> Iterator[list[str]]:
    """Lock `folder` for this process while the block runs, after emptying it; gives what it removed.

    Raises ScratchInUse when another process holds it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lock = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScratchInUse(folder) from None
        removed = []
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry.name)
        yield removed
    finally:
        os.close(lock)
