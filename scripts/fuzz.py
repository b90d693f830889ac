"""`make fuzz`: schemathesis against a live reference server, every phase and every check.

The server runs on 127.0.0.1 with a temporary sample database and folder store, holding the jobs
followed as event streams for a moment so that the stateful phase can cancel them, and is stopped
whatever happens. The settings are in schemathesis.toml, the hooks in tests/fuzz/hooks.py; the
JUnit report goes to reports/fuzz-junit.xml. The seed is fixed unless FUZZ_SEED is set; any argument
is passed on to `schemathesis run` (e.g. `--max-examples 50`).

Once schemathesis is done, its event log and its report say what the run reached: the statuses
each operation answered, and the links the stateful phase followed. The run fails when an
operation never answered a documented success, or when schemathesis warns that an operation was
mostly refused its valid data (missing test data, or data the server rejects that the spec allows).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from codegen.spec import operations, resolve
from rich.console import Console
from rich.table import Table
from sample_database import create_sample_database
from schemathesis.generation.stateful import STATEFUL_TESTS_LABEL

from backups_server.launcher import ServerProcess, running_server

ROOT = Path(__file__).resolve().parent.parent
HOOKS = "tests.fuzz.hooks"

HOLD_STREAMED = 0.5
"""Seconds the server holds each job followed as an event stream (BACKUPS_HOLD_STREAMED)."""
FOLLOW_STREAMS = 0.1
"""Seconds the stateful phase follows the stream of a creation or a restoration (FUZZ_FOLLOW_STREAMS,
read by tests/fuzz/hooks.py): less than the hold, so the links from it reach its job while it still
waits; ten times the slowest start of a stream measured here (8 ms)."""

REFUSED_DATA_WARNINGS = ("missing_test_data", "validation_mismatch")
"""schemathesis' warnings that an operation was mostly refused its valid data: the run fails on them."""


def schemathesis(
    spec: Path,
    server: ServerProcess,
    events: Path,
    *options: str,
    capture: bool = False,
    hooks_settings: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`schemathesis run` of `spec` against `server`, with the project's settings and hooks (given
    `hooks_settings` in their environment), its events written to `events` (NDJSON; `options` may ask
    for more reports, with `--report`)."""
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
        command,
        cwd=ROOT,
        env=hooks_environment(server, **(hooks_settings or {})),
        capture_output=capture,
        text=True,
        check=False,
    )


def scenarios(ndjson: Path) -> Iterator[dict[str, Any]]:
    """The recorder of each scenario schemathesis finished, from its event log."""
    with ndjson.open(encoding="utf-8") as events:
        for line in events:
            finished = json.loads(line).get("ScenarioFinished")
            if finished is not None:
                yield finished["recorder"]


@dataclass
class Run:
    """What a run did, from schemathesis' event log: each test case counts once."""

    cases: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Test cases by phase and generation mode."""
    statuses: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    """The statuses each operation answered ("POST /backups/create"), with their counts."""
    links: set[str] = field(default_factory=set)
    """The links the stateful phase followed, as schemathesis names them."""

    @classmethod
    def read(cls, ndjson: Path) -> Run:
        run, seen = cls(), set[str]()
        for recorder in scenarios(ndjson):
            for case_id, recorded in recorder.get("cases", {}).items():
                if case_id not in seen:
                    seen.add(case_id)
                    run.add(recorder["label"], recorded, recorder.get("interactions", {}).get(case_id))
        return run

    def add(self, label: str, recorded: dict[str, Any], interaction: dict[str, Any] | None) -> None:
        case = recorded["value"]
        meta = case.get("meta")
        if meta:
            self.cases[meta["phase"]["name"], meta["generation"]["mode"]] += 1
        response = (interaction or {}).get("response")
        if response:  # a unit phase's scenario is its operation's, whatever method a case tries
            operation = f"{case['method']} {case['path']}" if label == STATEFUL_TESTS_LABEL else label
            self.statuses[operation][response["status_code"]] += 1
        transition = recorded.get("transition")
        if transition and recorded.get("is_transition_applied"):
            self.links.add(transition["id"])


@dataclass
class Contract:
    """What the spec promises that a run should reach."""

    successes: dict[str, set[int]]
    """The documented success statuses of each operation, in the spec's order."""
    links: set[str]
    """Every link the spec declares, named as schemathesis names the links it follows."""

    @classmethod
    def read(cls, spec: Path) -> Contract:
        document = yaml.safe_load(spec.read_text(encoding="utf-8"))
        by_id = {
            operation["operationId"]: (f"{method.upper()} {path}", operation)
            for path, method, operation in operations(document)
        }
        successes: dict[str, set[int]] = {}
        links: set[str] = set()
        for label, operation in by_id.values():
            successes[label] = set()
            for status, response in operation.get("responses", {}).items():
                if str(status).startswith("2"):
                    successes[label].add(int(status))
                for name, link in resolve(document, response).get("links", {}).items():
                    target, _ = by_id[resolve(document, link)["operationId"]]
                    links.add(f"{label} -> [{status}] {name} -> {target}")
        return cls(successes, links)


def print_counts(counts: Counter[tuple[str, str]]) -> None:
    print("\nTest cases by phase (positive / negative):")
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        positive, negative = counts[phase, "positive"], counts[phase, "negative"]
        print(f"  {phase:<9} {positive + negative:>6}  ({positive} / {negative})")


def print_statuses(console: Console, run: Run, contract: Contract) -> list[str]:
    """The table of the statuses each operation answered; returns the operations that never
    answered a documented success (shown in red; a documented success in green)."""
    codes = sorted({code for counts in run.statuses.values() for code in counts})
    table = Table(title="Statuses answered, by operation, in every phase (green: a documented success)")
    table.add_column("operation")
    for code in codes:
        table.add_column(str(code), justify="right")
    unreached = []
    for operation, successes in contract.successes.items():
        counts = run.statuses.get(operation, Counter())
        reached = any(counts[code] for code in successes)
        if not reached:
            unreached.append(operation)
        cells = [_cell(counts[code], success=code in successes) for code in codes]
        table.add_row(operation if reached else f"[red]{operation}[/]", *cells)
    wide = console.measure(table, options=console.options.update_width(1000)).maximum
    console.width = max(console.width, wide)  # a row per line, even in a narrow terminal or a log
    console.print(table)
    return unreached


def _cell(count: int, *, success: bool) -> str:
    if not count:
        return ""
    return f"[green]{count}[/]" if success else str(count)


def print_links(console: Console, run: Run, contract: Contract) -> None:
    followed = contract.links & run.links
    share = len(followed) / len(contract.links) if contract.links else 1.0
    console.print(
        f"Links the spec declares, followed in the stateful phase: {len(followed)} / "
        f"{len(contract.links)} ({share:.0%})"
    )
    for link in sorted(contract.links - followed):
        console.print(f"  not followed: {link}", soft_wrap=True)


def refused_data_warnings(report: Path) -> dict[str, list[str]]:
    """The operations of each warning that the run fails on, from schemathesis' JSON report."""
    warnings: dict[str, list[str]] = json.loads(report.read_text(encoding="utf-8"))["warnings"]
    return {kind: warnings[kind] for kind in REFUSED_DATA_WARNINGS if warnings.get(kind)}


@contextmanager
def fuzzed_server(
    data_dir: Path, *, spec: Path | None = None, hold_streamed: float = 0.0
) -> Iterator[ServerProcess]:
    """A server on a one-row sample database and a folder store in data_dir, serving spec if given,
    holding the jobs followed as event streams `hold_streamed` seconds."""
    database = data_dir / "database.sqlite"
    create_sample_database(database, rows=1)
    settings = {
        "BACKUPS_DATABASE": str(database),
        "BACKUPS_STORE": (data_dir / "store").as_uri(),
        "BACKUPS_LOG_LEVEL": "warning",
        "BACKUPS_HOLD_STREAMED": str(hold_streamed),
        **({"BACKUPS_SPEC": str(spec)} if spec else {}),
    }
    with running_server(data_dir / "server", environment=settings) as server:
        yield server


def hooks_environment(server: ServerProcess, **settings: str) -> dict[str, str]:
    """The environment of a schemathesis run against server, with the project's hooks and `settings`."""
    return {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "FUZZ_API_KEY": server.api_key, **settings}


def report(events: Path, json_report: Path) -> int:
    """Print what the run reached; 1 when it fails the run, else 0."""
    console = Console()
    run, contract = Run.read(events), Contract.read(ROOT / "openapi.yaml")
    print_counts(run.cases)
    console.print()
    unreached = print_statuses(console, run, contract)
    print_links(console, run, contract)
    failures = [f"{operation} never answered a documented success" for operation in unreached]
    for kind, warned in refused_data_warnings(json_report).items():
        failures += [f"{operation}: schemathesis warns of {kind.replace('_', ' ')}" for operation in warned]
    for failure in failures:
        console.print(f"[red]FAILED[/] {failure}")
    return 1 if failures else 0


def main() -> int:
    seed = os.environ.get("FUZZ_SEED")
    with tempfile.TemporaryDirectory(prefix="backups-fuzz-") as scratch:
        data_dir = Path(scratch)
        events, json_report = data_dir / "events.ndjson", data_dir / "report.json"
        with fuzzed_server(data_dir, hold_streamed=HOLD_STREAMED) as server:
            print(f"Fuzzing the server on {server.base_url} (log: a temporary file, shown on failure)")
            result = schemathesis(
                ROOT / "openapi.yaml",
                server,
                events,
                "--report", "junit,ndjson,json",
                "--report-junit-path", str(ROOT / "reports" / "fuzz-junit.xml"),
                "--report-json-path", str(json_report),
                *(["--seed", seed] if seed else []),
                *sys.argv[1:],
                hooks_settings={"FUZZ_FOLLOW_STREAMS": str(FOLLOW_STREAMS)},
            )  # fmt: skip
            if result.returncode != 0:
                print(f"\nThe server's log:\n{server.log_tail(200)}")
        if not (events.exists() and json_report.exists()):
            return result.returncode or 1
        return report(events, json_report) or result.returncode


if __name__ == "__main__":
    sys.exit(main())
