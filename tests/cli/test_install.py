"""The command line is an extra: the library installs without click and rich, works without them, and
its command says what to install; the extra's ranges allow the versions the tests run with."""

from __future__ import annotations

import subprocess
import tomllib
from typing import TYPE_CHECKING

import pytest
from dist import environment
from packaging.requirements import Requirement

from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.timeout(180)  # the first test of a session builds the wheel; this one installs it

IMPORT_THE_LIBRARY = """
import importlib, importlib.util, pkgutil
import backups_api_client as package
names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    if not name.startswith(package.__name__ + ".cli."):
        importlib.import_module(name)
print(importlib.util.find_spec("click"), importlib.util.find_spec("rich"))
"""


def test_without_the_extra_the_library_works_and_the_command_says_what_to_install(
    wheel: Path, tmp_path: Path
) -> None:
    scripts = environment(tmp_path / "venv", str(wheel), constraints=ROOT / "requirements.txt")

    library = subprocess.run(
        [scripts / "python", "-I", "-c", IMPORT_THE_LIBRARY], capture_output=True, text=True, check=False
    )
    command = subprocess.run(
        [scripts / "backups-api", "backups", "list"], capture_output=True, text=True, check=False
    )

    assert (library.returncode, library.stdout) == (0, "None None\n"), library.stderr
    assert command.returncode == 1
    assert command.stderr == (
        "backups-api needs the packages of the cli extra (No module named 'click'); install them with:\n"
        "  pip install 'backups-api-client[cli]'\n"
    )


def test_the_extra_allows_the_pinned_versions() -> None:
    locked = dict(
        line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line
    )
    project = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text())["project"]
    extra = [Requirement(line) for line in project["optional-dependencies"]["cli"]]

    assert {requirement.name for requirement in extra} == {"click", "rich"}
    assert all(requirement.specifier.contains(locked[requirement.name]) for requirement in extra)
    assert project["scripts"] == {"backups-api": "backups_api_client.cli:main"}
