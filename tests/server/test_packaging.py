"""The server's package pins what it reaches into to the versions the tests ran with."""

from __future__ import annotations

import tomllib

import yaml
from packaging.requirements import Requirement

import backups_server
from tests.helpers import ROOT

PINNED = ("connexion", "starlette")
"""The server overrides connexion internals and imports starlette's warning class beside it."""


def test_the_server_pins_connexion_and_starlette_to_the_tested_versions() -> None:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    locked = dict(line.split("==") for line in lines if "==" in line)
    project = tomllib.loads((ROOT / "server" / "pyproject.toml").read_text())["project"]
    required = {item.name: str(item.specifier) for item in map(Requirement, project["dependencies"])}

    assert {name: required[name] for name in PINNED} == {name: f"=={locked[name]}" for name in PINNED}


def test_the_server_requires_the_client_of_its_own_version() -> None:
    """It reads the API's words from the client's models, which its spec generates."""
    project = tomllib.loads((ROOT / "server" / "pyproject.toml").read_text())["project"]
    required = {item.name: str(item.specifier) for item in map(Requirement, project["dependencies"])}
    version = yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"]

    assert required["backups-api-client"] == f"=={version}"


def test_the_server_has_the_version_of_the_client_it_requires() -> None:
    """One version rule and one compatibility gate decide both packages, published together."""
    version = yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"]

    assert backups_server.__version__ == version
