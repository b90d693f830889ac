"""Build the wheels and sdists of the client and of the server, check them, and prove each wheel
works on its own.

Nothing is built when generated/ differs from a fresh generation: a stale package is never built.
Each wheel is installed with its extras into a fresh virtual environment (the server's beside the
client's, which it requires), which then holds nothing but the packages and their declared
dependencies; every module of the package is imported there, and each command it installs runs
(`--help`). The tests build and install the wheels with the same functions.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import NamedTuple

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "generated"
SERVER = ROOT / "server"
DIST = ROOT / "dist"

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
modules = pkgutil.walk_packages(package.__path__, package.__name__ + ".")
names = [m.name for m in modules if not m.name.endswith(".__main__")]  # those run when imported
for name in names:
    importlib.import_module(name)
print(f"imported {len(names) + 1} modules of {package.__name__} from {package.__file__}")
"""


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("$", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], check=True, env=env)


def reproducible_env() -> dict[str, str]:
    """Pin archive timestamps to the last commit, so the same tree builds the same files."""
    env = dict(os.environ)
    commit_time = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    env.setdefault("SOURCE_DATE_EPOCH", commit_time or "315532800")
    return env


def generation_is_current() -> bool:
    """Whether generated/ is what the spec and templates produce (the drift check prints why not)."""
    check = [sys.executable, str(ROOT / "scripts" / "generate.py"), "--check"]
    return subprocess.run(check, check=False).returncode == 0


def distributions(outdir: Path, project: Path = PROJECT) -> list[Path]:
    """The wheel and sdist of `project` (the client's by default), built into `outdir` (emptied first)
    and checked with twine."""
    shutil.rmtree(outdir, ignore_errors=True)
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", outdir, project, env=reproducible_env())
    artifacts = sorted(outdir.iterdir())
    run(sys.executable, "-m", "twine", "check", "--strict", *artifacts)
    return artifacts


def fresh_python(directory: Path) -> Path:
    """The python of a new, empty virtual environment in `directory`."""
    venv.create(directory, with_pip=False)
    return directory / "bin" / "python"


def pip_install(python: Path) -> list[str]:
    """The command that installs into the environment of `python`: uv's `pip install`, which needs no
    pip in that environment and takes a fraction of pip's time. Modules are compiled as pip compiles
    them, so that each command started there does not compile them again."""
    return [find_uv_bin(), "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]


def environment(directory: Path, *requirements: str, constraints: Path | None = None) -> Path:
    """A fresh virtual environment in `directory` with `requirements` installed (pinned by the
    `constraints` file, if given); its folder of scripts."""
    python = fresh_python(directory)
    options = ["--constraint", str(constraints)] if constraints else []
    run(*pip_install(python), *options, *requirements)
    return python.parent


def with_extras(wheel: Path) -> str:
    """The requirement of the wheel with every extra it offers."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = (name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        extras = Parser().parsestr(archive.read(metadata).decode()).get_all("Provides-Extra") or []
    return f"{wheel}[{','.join(extras)}]" if extras else str(wheel)


def console_scripts(wheel: Path) -> list[str]:
    """The names of the commands the wheel installs."""
    with zipfile.ZipFile(wheel) as archive:
        names = [name for name in archive.namelist() if name.endswith(".dist-info/entry_points.txt")]
        entry_points = configparser.ConfigParser()
        for name in names:
            entry_points.read_string(archive.read(name).decode())
    return list(entry_points["console_scripts"]) if entry_points.has_section("console_scripts") else []


def check(wheel: Path, *beside: Path) -> None:
    """Install the wheel with its extras into a fresh virtual environment (with the wheels `beside`,
    which it requires), import every module of the package there, and run each of its commands with
    --help."""
    package = wheel.name.split("-")[0]
    with tempfile.TemporaryDirectory(prefix="wheel-check-") as scratch:
        scripts = environment(Path(scratch) / "venv", with_extras(wheel), *map(str, beside))
        run(scripts / "python", "-I", "-c", IMPORT_EVERY_MODULE, package)
        for command in console_scripts(wheel):
            run(scripts / command, "--help")


class Built(NamedTuple):
    """The wheel and sdist of each package, in the same folder."""

    client: list[Path]
    server: list[Path]


def build(outdir: Path = DIST) -> Built:
    """The checked wheels and sdists of the client and the server in `outdir`, each wheel proven to
    work on its own."""
    with tempfile.TemporaryDirectory(prefix="dist-") as scratch:
        made = [distributions(Path(scratch, "client")), distributions(Path(scratch, "server"), SERVER)]
        shutil.rmtree(outdir, ignore_errors=True)
        outdir.mkdir(parents=True)
        client, server = (
            [Path(shutil.copy2(artifact, outdir)) for artifact in artifacts] for artifacts in made
        )
    check(_wheel(client))
    check(_wheel(server), _wheel(client))
    return Built(client, server)


def _wheel(artifacts: list[Path]) -> Path:
    (wheel,) = (artifact for artifact in artifacts if artifact.suffix == ".whl")
    return wheel


def main() -> int:
    if not generation_is_current():
        print("refused: generated/ is stale; run `make generate` first")
        return 1
    built = build()
    print("built:", *(artifact.name for artifact in [*built.client, *built.server]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
