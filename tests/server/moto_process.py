"""An S3 endpoint in a process of its own (moto's server mode): a test can stop it (SIGSTOP) to make
the store stall, as a store that stops answering would, and can start it with settings of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

SERVE = """
import signal
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("http://%s:%d" % server.get_host_and_port(), flush=True)
signal.pause()
"""


@dataclass
class MotoProcess:
    process: subprocess.Popen[str]
    endpoint: str

    @contextmanager
    def stalled(self) -> Iterator[None]:
        """The endpoint accepts connections and answers nothing while the block runs."""
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)


@contextmanager
def moto_process(environment: Mapping[str, str] | None = None) -> Iterator[MotoProcess]:
    """moto's server on a free port of 127.0.0.1, with `environment` over the current one; it is
    resumed and stopped when the block ends, whatever happened."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE],
        env=os.environ | dict(environment or {}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        if not endpoint:
            raise RuntimeError(f"moto's server exited with status {process.wait()}")
        yield MotoProcess(process, endpoint)
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
