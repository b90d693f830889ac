"""Start and stop the real package index of the release tests (tests/release/pypi_index.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
LISTENING = "listening on "
USERNAME = "publisher"
PASSWORD = "index-secret-5b1e"


@dataclass(frozen=True)
class Index:
    url: str
    """Where twine uploads (pypiserver takes uploads at its root)."""
    packages: Path
    """The folder the index serves its files from."""

    @property
    def simple(self) -> str:
        return f"{self.url}simple/"


def _wait_listening(process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> str:
    """The URL the index writes to its log once it listens, polled until its simple index answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the index exited with status {process.returncode}:\n{log.read_text()}")
        found = [line for line in log.read_text().splitlines() if line.startswith(LISTENING)]
        if found:
            url = found[0].removeprefix(LISTENING).strip()
            try:
                with urllib.request.urlopen(f"{url}simple/", timeout=1):
                    return url
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.05)
    raise RuntimeError(f"the index did not answer within {timeout} s:\n{log.read_text()}")


@contextmanager
def running_index(folder: Path) -> Iterator[Index]:
    """A pypiserver on 127.0.0.1 with upload authentication, stopped on exit whatever happens."""
    packages = folder / "packages"
    packages.mkdir(parents=True)
    log = folder / "index.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-u",
                "-m",
                "tests.release.pypi_index",
                str(packages),
                str(folder / "htpasswd"),
                USERNAME,
            ],
            cwd=ROOT,
            env={**os.environ, "INDEX_PASSWORD": PASSWORD},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Index(_wait_listening(process, log), packages)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
