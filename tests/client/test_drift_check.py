"""`scripts/generate.py --check`, CI's guarantee that generated/ is what the spec and templates make."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

CHANGED = "backups_api_client/client.py"
ADDED = "backups_api_client/api/backups/hand_written.py"
MISSING = "docs/Backup.md"


def check(output: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "scripts" / "generate.py"), "--check", "--output", str(output)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_drift_check_names_every_changed_added_and_missing_file(tmp_path: Path) -> None:
    output = tmp_path / "generated"
    shutil.copytree(ROOT / "generated", output, ignore=shutil.ignore_patterns("__pycache__"))
    assert check(output).returncode == 0

    with (output / CHANGED).open("a") as edited:
        edited.write("# edited by hand\n")
    (output / ADDED).write_text("VALUE = 1\n")
    (output / MISSING).unlink()

    result = check(output)

    assert result.returncode == 1
    named = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert named == sorted([CHANGED, ADDED, MISSING])
    assert "Run `make generate`" in result.stderr
