"""Puts the repository's openapi.yaml inside the package, as `backups_server/openapi.yaml`, the default
of `--spec`: in the sdist, and so in the wheel built from it, or from the repository directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGED = "backups_server/openapi.yaml"


class SpecInside(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        spec = Path(self.root).parent / "openapi.yaml"
        if spec.is_file() and not Path(self.root, PACKAGED).is_file():  # not already there, as in an sdist
            build_data["force_include"][str(spec)] = PACKAGED
