"""Run every benchmark, each in a process of its own and whatever the earlier ones found, then print
one table of every figure against its target, and write the results as JSON: the machine's facts,
the commit, and every run of every figure, in .bench/results.json and in a file of their own in
.bench/ named after the time and the commit (for `make bench-compare`).

Exits 1 when a target is missed or a benchmark failed, once everything is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import zstandard
from bench_report import Figure, failure, passed, print_table, read_figures, results_to_json
from bench_runs import CONSOLE

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / ".bench"
BENCHMARKS = ("client", "jobs", "backup", "restore", "pages", "listing")
"""The benchmarks, scripts/bench_NAME.py, in the order they run."""
BUSY = 0.1
"""Cores other processes may keep busy on average before a run is said to be on a busy machine."""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "benchmarks", nargs="*", metavar="NAME", help=f"run these only: {', '.join(BENCHMARKS)}"
    )
    chosen = parser.parse_args().benchmarks or BENCHMARKS
    if unknown := set(chosen) - set(BENCHMARKS):
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")

    started, clock, cpu = datetime.now(UTC), time.perf_counter(), cpu_seconds()
    facts = machine()
    measured = commit()
    results: dict[str, list[Figure]] = {}
    others: dict[str, float | None] = {}
    for number, name in enumerate(chosen, 1):
        CONSOLE.rule(f"{name} ({number} of {len(chosen)})", align="left")
        before, began = cpu_seconds(), time.perf_counter()
        results[name] = benchmark(name)
        others[name] = others_cores(before, cpu_seconds(), time.perf_counter() - began)
    duration = time.perf_counter() - clock
    others["whole run"] = whole = others_cores(cpu, cpu_seconds(), duration)

    title = (
        f"make bench: {measured}, {duration // 60:.0f} min {duration % 60:.0f} s on {os.cpu_count()} cores"
    )
    if whole is not None:
        title += f"; other processes kept {whole:.2f} cores busy (others: during each benchmark)"
    notes = {name: f"others: {cores:.2f} cores" for name, cores in others.items() if cores is not None}
    print_table(results, title, notes)
    path = write_results(
        {
            "commit": measured,
            "started": started.isoformat(timespec="seconds"),
            "duration_seconds": round(duration),
            "machine": {**facts, "load_average_after": os.getloadavg(), "other_processes_cores": others},
            "benchmarks": results_to_json(results),
        },
        f"{started:%Y%m%d-%H%M%S}-{measured[:12]}.json",
    )
    CONSOLE.print(f"Results: {path.relative_to(ROOT)}, and {RESULTS.relative_to(ROOT)}/results.json")
    if busy := [name for name in results if (others[name] or 0) > BUSY]:
        CONSOLE.print(
            f"[yellow]Other processes kept the machine busy during {', '.join(busy)}: "
            "their medians may move more than 3 % from run to run.[/]"
        )
    return 0 if passed(results) else 1


def benchmark(name: str) -> list[Figure]:
    """The figures of scripts/bench_NAME.py, or what stopped it before it reported them."""
    script = Path(__file__).with_name(f"bench_{name}.py")
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        figures = Path(scratch, "figures.json")
        returncode = subprocess.run([sys.executable, script, "--figures", figures], check=False).returncode
        if figures.exists():
            return read_figures(figures)
    return [failure(f"{script.name} stopped with exit status {returncode} before reporting its figures")]


def cpu_seconds() -> tuple[float, float] | None:
    """The CPU seconds every process has used since boot, and those of this one and of its children
    that ended (the benchmarks, and what they started); None without /proc/stat."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return None
    user, nice, system, _, _, irq, softirq = map(int, stat.read_text().split(maxsplit=8)[1:8])
    everyone = (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    usages = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return everyone, sum(usage.ru_utime + usage.ru_stime for usage in usages)


def others_cores(
    before: tuple[float, float] | None, after: tuple[float, float] | None, duration: float
) -> float | None:
    """How many cores other processes than the benchmarks kept busy on average, between two
    `cpu_seconds()`: what makes medians move between two runs (shown under each benchmark's name)."""
    if before is None or after is None:
        return None
    return max(0.0, (after[0] - before[0]) - (after[1] - before[1])) / duration


def machine() -> dict[str, Any]:
    """What the figures depend on besides the code: the machine, and the versions of what the
    server and the hand-written recipes it is compared with run on."""
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        "system": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlite3_command": version("sqlite3"),
        "zstd": ".".join(map(str, zstandard.ZSTD_VERSION)),
        "zstd_command": version("zstd"),
        "load_average_before": os.getloadavg(),
    }


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else platform.processor()


def version(command: str) -> str | None:
    """The version `command --version` prints, or None when it is not installed."""
    if shutil.which(command) is None:
        return None
    output = subprocess.run([command, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\d+\.\d+\.\d+", output)
    return found[0] if found else None


def commit() -> str:
    """The commit measured, with "+changes" when the working tree differs from it."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    if head.returncode != 0:
        return "unknown"
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True, check=True)
    return head.stdout.strip() + ("+changes" if status.stdout.strip() else "")


def write_results(document: dict[str, Any], name: str) -> Path:
    """Write the results into .bench/, in a file of their own and as results.json; returns the first."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(document, indent=2) + "\n")
    shutil.copyfile(path, RESULTS / "results.json")
    return path


if __name__ == "__main__":
    sys.exit(main())
