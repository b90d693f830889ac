"""`make fuzz`: schemathesis against a live reference server, every phase and every check.

The server runs on 127.0.0.1 with a temporary sample database and folder store, and is stopped
whatever happens. The settings are in schemathesis.toml, the hooks in tests/fuzz/hooks.py; the
JUnit report goes to reports/fuzz-junit.xml. The seed is fixed unless FUZZ_SEED is set; any
argument is passed on to `schemathesis run` (e.g. `--max-examples 50`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sample_database import create_sample_database

from backups_server.launcher import ServerProcess, running_server

ROOT = Path(__file__).resolve().parent.parent
HOOKS = "tests.fuzz.hooks"


def schemathesis(
    spec: Path, server: ServerProcess, events: Path, *options: str, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """`schemathesis run` of `spec` against `server`, with the project's settings and hooks, its
    events written to `events` (NDJSON; `options` may ask for more reports, with `--report`)."""
    if "--report" not in options:
        options = ("--report", "ndjson", *options)
    command = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(ROOT / "schemathesis.toml"),
        "run", str(spec),
        "--url", server.base_url,
        "--report-ndjson-path", str(events),
        *options,
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=ROOT, env=hooks_environment(server), capture_output=capture, text=True, check=False
    )


def scenarios(ndjson: Path) -> Iterator[dict[str, Any]]:
    """The recorder of each scenario schemathesis finished, from its event log."""
    with ndjson.open(encoding="utf-8") as events:
        for line in events:
            finished = json.loads(line).get("ScenarioFinished")
            if finished is not None:
                yield finished["recorder"]


def case_counts(ndjson: Path) -> Counter[tuple[str, str]]:
    """How many test cases ran, by phase and by generation mode, from schemathesis' event log."""
    seen: set[str] = set()
    counts: Counter[tuple[str, str]] = Counter()
    for recorder in scenarios(ndjson):
        for case_id, recorded in recorder.get("cases", {}).items():
            meta = recorded["value"].get("meta") or {}
            if case_id not in seen and meta:
                seen.add(case_id)
                counts[meta["phase"]["name"], meta["generation"]["mode"]] += 1
    return counts


def print_counts(counts: Counter[tuple[str, str]]) -> None:
    print("\nTest cases by phase (positive / negative):")
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        positive, negative = counts[phase, "positive"], counts[phase, "negative"]
        print(f"  {phase:<9} {positive + negative:>6}  ({positive} / {negative})")


@contextmanager
def fuzzed_server(data_dir: Path, *, spec: Path | None = None) -> Iterator[ServerProcess]:
    """A server on a one-row sample database and a folder store in data_dir, serving spec if given."""
    database = data_dir / "database.sqlite"
    create_sample_database(database, rows=1)
    settings = {
        "BACKUPS_DATABASE": str(database),
        "BACKUPS_STORE": (data_dir / "store").as_uri(),
        "BACKUPS_LOG_LEVEL": "warning",
        **({"BACKUPS_SPEC": str(spec)} if spec else {}),
    }
    with running_server(data_dir / "server", environment=settings) as server:
        yield server


def hooks_environment(server: ServerProcess) -> dict[str, str]:
    """The environment of a schemathesis run against server, with the project's hooks."""
    return {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "FUZZ_API_KEY": server.api_key}


def main() -> int:
    seed = os.environ.get("FUZZ_SEED")
    with tempfile.TemporaryDirectory(prefix="backups-fuzz-") as scratch:
        data_dir = Path(scratch)
        with fuzzed_server(data_dir) as server:
            print(f"Fuzzing the server on {server.base_url} (log: a temporary file, shown on failure)")
            result = schemathesis(
                ROOT / "openapi.yaml",
                server,
                data_dir / "events.ndjson",
                "--report", "junit,ndjson",
                "--report-junit-path", str(ROOT / "reports" / "fuzz-junit.xml"),
                *(["--seed", seed] if seed else []),
                *sys.argv[1:],
            )  # fmt: skip
            if result.returncode != 0:
                print(f"\nThe server's log:\n{server.log_tail(200)}")
        if (data_dir / "events.ndjson").exists():
            print_counts(case_counts(data_dir / "events.ndjson"))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
