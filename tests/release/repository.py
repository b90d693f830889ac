"""A throwaway copy of this repository with its own git history, for tests that release from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import ROOT

from .index import PASSWORD, USERNAME, Index
from .specs import Change, load_spec, write_spec


def git(folder: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.strip()


@dataclass(frozen=True)
class Repository:
    root: Path

    @classmethod
    def copy_of_this_one(cls, into: Path) -> Repository:
        """The files of this working tree that git tracks or would track, committed in a new repository."""
        listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
        for name in filter(None, listed):
            if (ROOT / name).is_file():
                (into / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, into / name)
        git(into, "init", "--quiet", "--initial-branch=main")
        git(into, "config", "user.name", "Release test")
        git(into, "config", "user.email", "release-test@example.invalid")
        repository = cls(into)
        repository.commit("The repository as it is")
        return repository

    def commit(self, message: str) -> None:
        git(self.root, "add", "--all")
        git(self.root, "commit", "--quiet", "--message", message)

    def change_spec(self, *changes: Change) -> None:
        document = load_spec(self.root / "openapi.yaml")
        for change in changes:
            change(document)
        write_spec(document, self.root / "openapi.yaml")

    def script(
        self, name: str, *arguments: str, environment: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(self.root / "scripts" / name), *arguments],
            cwd=self.root,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )


EXAMPLES = "0"
"""Examples per operation of the gate's wire check in the releases of these tests: none, the gate's
Python API check is enough for what they change (the wire check is test_compat's subject)."""


def twine_environment(index: Index, home: Path, *, credentials: bool = True) -> dict[str, str]:
    """The environment of `make publish` for `index`: twine's settings, and a home without ~/.pypirc."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("TWINE_", "PUBLISH_"))
    }
    environment |= {"HOME": str(home), "TWINE_REPOSITORY_URL": index.url, "PUBLISH_INDEX_URL": index.simple}
    # uv keeps its cache where it was, so the package's dependencies need not be fetched again.
    environment.setdefault("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
    environment["COMPAT_EXAMPLES"] = EXAMPLES
    if credentials:
        environment |= {"TWINE_USERNAME": USERNAME, "TWINE_PASSWORD": PASSWORD}
    return environment
