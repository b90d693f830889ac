"""The package's build: its spec and its version.

- The repository's openapi.yaml goes inside the package, as `backups_server/openapi.yaml`, the default
  of `--spec`: in the sdist, and so in the wheel built from it, or from the repository directly.
- The version is the spec's `info.version`, and the client required is the client of that version
  (`backups_server/_version.py`, read by path), beside the dependencies listed in pyproject.toml.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface

PACKAGE = "backups_server"
PACKAGED = f"{PACKAGE}/openapi.yaml"
CLIENT = "backups-api-client"


class SpecInside(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        spec = Path(self.root).parent / "openapi.yaml"
        if spec.is_file() and not Path(self.root, PACKAGED).is_file():  # not already there, as in an sdist
            build_data["force_include"][str(spec)] = PACKAGED


class SpecVersion(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        metadata["version"] = version = spec_version(Path(self.root))
        metadata["dependencies"] = [f"{CLIENT}=={version}", *self.config["dependencies"]]


def spec_version(root: Path) -> str:
    """The `info.version` of the spec the package at `root` is built with."""
    versions = _by_path(root / PACKAGE / "_version.py")
    version: str = versions.spec_version(versions.spec_path(root / PACKAGE))
    return version


def _by_path(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{PACKAGE}_build_version", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
