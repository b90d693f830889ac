"""The server's package: it pins what it reaches into to the versions the tests ran with, and its
version is the API's, the spec's info.version, which the client's package has too."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

import pytest
import yaml
from packaging.requirements import Requirement

import backups_server
from backups_server._version import spec_version
from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

PINNED = ("connexion", "starlette")
"""The server overrides connexion internals and imports starlette's warning class beside it."""


def test_the_server_pins_connexion_and_starlette_to_the_tested_versions() -> None:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    locked = dict(line.split("==") for line in lines if "==" in line)
    build = tomllib.loads((ROOT / "server" / "pyproject.toml").read_text())["tool"]["hatch"]
    dependencies = build["metadata"]["hooks"]["custom"]["dependencies"]
    required = {item.name: str(item.specifier) for item in map(Requirement, dependencies)}

    assert {name: required[name] for name in PINNED} == {name: f"=={locked[name]}" for name in PINNED}


def test_the_server_has_the_version_of_its_spec() -> None:
    version = yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"]

    assert backups_server.__version__ == version


@pytest.mark.parametrize("written", ["2.3.4", "'2.3.4'", '"2.3.4"'])
def test_the_version_is_read_from_the_info_of_any_spec(tmp_path: Path, written: str) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo:\n  title: Backups API\n\n  description: |\n    version: 9.9.9 is not it\n"
        f"  version: {written}\npaths: {{}}\n"
    )

    assert spec_version(spec) == "2.3.4"
    assert yaml.safe_load(spec.read_text())["info"]["version"] == "2.3.4"
