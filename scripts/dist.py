"""Build the client's wheel and sdist, check them, and prove the wheel works on its own.

Nothing is built when generated/ differs from a fresh generation: a stale package is never built.
The wheel is installed into a fresh virtual environment, which then holds nothing but the
package and its declared dependencies, and every module of the package is imported there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "generated"
DIST = ROOT / "dist"

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
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


def build() -> list[Path]:
    """The checked wheel and sdist in dist/, built from generated/."""
    shutil.rmtree(DIST, ignore_errors=True)
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", DIST, PROJECT, env=reproducible_env())
    artifacts = sorted(DIST.iterdir())
    run(sys.executable, "-m", "twine", "check", "--strict", *artifacts)

    (wheel,) = DIST.glob("*.whl")
    package = wheel.name.split("-")[0]
    with tempfile.TemporaryDirectory(prefix="wheel-check-") as scratch:
        env_dir = Path(scratch) / "venv"
        venv.create(env_dir, with_pip=True)
        python = env_dir / "bin" / "python"
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
        run(python, "-I", "-c", IMPORT_EVERY_MODULE, package)
    return artifacts


def main() -> int:
    if not generation_is_current():
        print("refused: generated/ is stale; run `make generate` first")
        return 1
    print("built:", *(artifact.name for artifact in build()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
