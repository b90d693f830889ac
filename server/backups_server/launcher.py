"""Run the server in a child process on 127.0.0.1: for the demo, benchmarks and tests.

The child binds port 0, so the system gives it a free port that nothing can take in between, and
prints the address it got; the launcher reads it from the child's log.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backups_server.config import LISTENING

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path


class ServerDidNotStart(RuntimeError):
    pass


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    api_key: str
    log: Path
    log_start: int
    """Where this process's output starts in `log`, which earlier servers may have written to."""
    listening_on: str | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        if self.listening_on is None:
            raise RuntimeError("the server has not said where it listens yet; call wait_ready() first")
        return self.listening_on

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the server says where it listens and `/.well-known/health` answers there;
        raises ServerDidNotStart if the process exits or `timeout` passes first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.listening_on = self.listening_on or self._announced_address()
            if self.listening_on is not None and self._healthy():
                return
            try:
                self.process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise ServerDidNotStart(
                f"the server exited with status {self.process.returncode}:\n{self.log_tail()}"
            )
        raise ServerDidNotStart(f"the server did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the server to stop (SIGTERM: running backups finish first), then wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash or a power cut would."""
        self.process.kill()
        self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _announced_address(self) -> str | None:
        with self.log.open("rb") as log:
            log.seek(self.log_start)
            for line in log:
                if line.startswith(LISTENING.encode()) and line.endswith(b"\n"):
                    return line[len(LISTENING) :].decode().strip()
        return None

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/.well-known/health", timeout=1) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False


def spawn(
    data_dir: Path,
    *,
    api_key: str | None = None,
    environment: Mapping[str, str] | None = None,
    module: str = "backups_server",
    wrapper: Sequence[str] = (),
    command: Sequence[str | Path] | None = None,
    cwd: Path | None = None,
) -> ServerProcess:
    """Start `python -m backups_server serve` on `data_dir` and any free port, with `environment`
    over the current one, less its BACKUPS_* variables, and run by the command `wrapper` if given
    (such as `prlimit --nofile=1024`). Its output goes to DATA_DIR/server.log.

    `module` runs another module in its place: one that wraps the server's command line, as the
    tests do to hold a store at a chosen point; `command` runs another command altogether (such as
    the `backups-server serve` of an installed package), in `cwd` if given."""
    api_key = api_key or secrets.token_urlsafe(24)
    child_environment = {name: value for name, value in os.environ.items() if not name.startswith("BACKUPS_")}
    child_environment |= {
        "BACKUPS_DATA_DIR": str(data_dir),
        "BACKUPS_HOST": "127.0.0.1",
        "BACKUPS_PORT": "0",
        "BACKUPS_API_KEY": api_key,
        "PYTHONUNBUFFERED": "1",
        **(environment or {}),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    with log.open("ab") as output:
        start = output.seek(0, os.SEEK_END)
        process = subprocess.Popen(  # noqa: S603 (the module and the wrapper are the caller's own)
            [*wrapper, *(command or (sys.executable, "-m", module, "serve"))],
            env=child_environment,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return ServerProcess(process, api_key, log, start)


@contextmanager
def running_server(
    data_dir: Path, *, api_key: str | None = None, environment: Mapping[str, str] | None = None
) -> Iterator[ServerProcess]:
    """A started and ready server, stopped on exit."""
    server = spawn(data_dir, api_key=api_key, environment=environment)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
