"""The command line as people install it: the client's wheel, built once per test run with the
functions `make dist` uses, installed with its `cli` extra into a fresh virtual environment, pinned
to requirements.txt; every test runs its `backups-api` script as a process.

- `installed`: the folder of scripts of that environment.
- `backups_api`: runs `backups-api` against the test's `server` (BACKUPS_API_URL, BACKUPS_API_KEY).
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from dist import distributions, environment
from filelock import FileLock

from tests.helpers import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.helpers import LiveServer

COMMAND = "backups-api"
SECONDS = 60
"""The longest any command of these tests may run."""


@pytest.fixture(scope="session")
def wheel(run_folder: Path) -> Path:
    """The client's wheel, built once per test run, by whichever worker needs it first."""
    with FileLock(run_folder / "dist.lock"):
        dist = run_folder / "dist"
        if not dist.is_dir():
            distributions(dist)
        (built,) = dist.glob("*.whl")
        return built


@pytest.fixture(scope="session")
def installed(wheel: Path, run_folder: Path) -> Path:
    """The folder of scripts of a virtual environment with the wheel and its extra, made once per run."""
    with FileLock(run_folder / "cli.lock"):
        venv = run_folder / "cli-venv"
        if not (venv / "bin" / COMMAND).is_file():
            environment(venv, f"{wheel}[cli]", constraints=ROOT / "requirements.txt")
        return venv / "bin"


@dataclass
class CommandLine:
    """`backups-api` of the installed wheel, with the settings in its environment."""

    scripts: Path
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def command(self) -> list[str]:
        return [str(self.scripts / COMMAND)]

    def environment(self, **changes: str | None) -> dict[str, str]:
        """The process's environment: this one's, less any BACKUPS_API_* variable and the terminal's size
        (a test runner's workers may set one), with the settings and `changes` (None removes one)."""
        base = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("BACKUPS_API_") and name not in ("COLUMNS", "LINES")
        }
        merged: dict[str, str | None] = {**base, **self.settings, **changes}
        return {name: value for name, value in merged.items() if value is not None}

    def __call__(
        self, *arguments: str, input: str | None = None, **changes: str | None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.command, *arguments],
            env=self.environment(**changes),
            input=input,
            capture_output=True,
            text=True,
            timeout=SECONDS,
            check=False,
        )

    @contextmanager
    def running(
        self, *arguments: str, input: str = "", **changes: str | None
    ) -> Iterator[subprocess.Popen[str]]:
        """The command running for the length of the block, with `input` as its standard input, its
        output read through pipes as it comes; killed at the end if it is still running."""
        with subprocess.Popen(
            [*self.command, *arguments],
            env=self.environment(**changes),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            try:
                assert process.stdin is not None
                process.stdin.write(input)
                process.stdin.close()
                yield process
            finally:
                if process.poll() is None:
                    process.kill()


@pytest.fixture
def backups_api(installed: Path, server: LiveServer) -> CommandLine:
    return CommandLine(installed, {"BACKUPS_API_URL": server.url, "BACKUPS_API_KEY": server.api_key})
