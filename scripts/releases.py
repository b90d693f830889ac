"""The releases of the client package in git: the tags `vX.Y.Z`, and the spec and project of one."""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a spec and the project generated from it."""

    spec: Path
    project: Path
    label: str

    @property
    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = YAML(typ="safe").load(self.spec)
        return document

    @property
    def version(self) -> Version:
        return Version(str(self.document["info"]["version"]))

    @property
    def package(self) -> str:
        (init,) = self.project.glob("*/__init__.py")
        return init.parent.name


def git(*arguments: str, root: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def release_tags(root: Path = ROOT) -> dict[str, Version]:
    """Release tags `vX.Y.Z` in the history of HEAD, by name."""
    found = {}
    for tag in git("tag", "--list", "v*", "--merged", "HEAD", root=root).splitlines():
        try:
            found[tag] = Version(tag.removeprefix("v"))
        except InvalidVersion:
            continue
    return found


def last_release(root: Path = ROOT) -> str | None:
    """The newest release tag in the history of HEAD; one on HEAD counts only when the tree differs."""
    clean = not git("status", "--porcelain", root=root)
    on_head = set(git("tag", "--points-at", "HEAD", root=root).splitlines()) if clean else set()
    tags = {tag: version for tag, version in release_tags(root).items() if tag not in on_head}
    return max(tags, key=tags.__getitem__, default=None)


def checkout(tag: str, into: Path, root: Path = ROOT) -> Side:
    """The spec and generated project of a release tag, extracted into `into`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", tag, "openapi.yaml", "generated"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return Side(into / "openapi.yaml", into / "generated", tag)
