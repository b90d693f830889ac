"""Compare two results files of `make bench` side by side: the machines and commits they were
measured on, then each figure's median in both (± how far the true median may lie from it, at 95 %),
the change in percent, and whether each meets its target. A change that the runs' spread cannot
explain (the two medians' 95 % intervals do not overlap) is colored: green or red for a figure with
a target (better or worse), yellow for the others.

    scripts/bench_compare.py .bench/BEFORE.json [.bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench import RESULTS
from bench_report import Figure, median_interval, results_from_json, show, verdict
from rich.console import Console
from rich.table import Table
from rich.text import Text


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before", type=Path, help="the results before the change")
    parser.add_argument(
        "after", type=Path, nargs="?", default=RESULTS / "results.json", help="after it (default: the last)"
    )
    args = parser.parse_args()
    before, after = (json.loads(path.read_text()) for path in (args.before, args.after))
    console = Console()
    if not console.is_terminal:
        console.width = 120
    console.print(machines(before, after, args.before.name, args.after.name))
    console.print(figures(before, after))
    return 0


def machines(before: dict[str, Any], after: dict[str, Any], *names: str) -> Table:
    """The commit, the time and the machine facts of both."""
    grid = Table(title="Measured on", title_justify="left", title_style="bold")
    grid.add_column("")
    grid.add_column(f"A: {names[0]}", overflow="fold")
    grid.add_column(f"B: {names[1]}", overflow="fold")
    for fact in ("commit", "started", "duration_seconds"):
        grid.add_row(fact, fact_text(before.get(fact)), fact_text(after.get(fact)))
    for fact in dict.fromkeys([*before["machine"], *after["machine"]]):
        grid.add_row(fact, *(fact_text(document["machine"].get(fact)) for document in (before, after)))
    return grid


def fact_text(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key} {fact_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(map(fact_text, value))
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def figures(before: dict[str, Any], after: dict[str, Any]) -> Table:
    """Each figure of either, matched by benchmark and name, in the order of the later one."""
    olds, news = (results_from_json(document["benchmarks"]) for document in (before, after))
    grid = Table(title="Medians", title_justify="left", title_style="bold")
    grid.add_column("benchmark", style="bold")
    grid.add_column("figure")
    for column in ("median A", "median B", "change", "target"):
        grid.add_column(column, justify="right")
    grid.add_column("A")
    grid.add_column("B")
    for benchmark in dict.fromkeys([*news, *olds]):
        old = {figure.name: figure for figure in olds.get(benchmark, [])}
        new = {figure.name: figure for figure in news.get(benchmark, [])}
        for number, name in enumerate(dict.fromkeys([*new, *old])):
            a, b = old.get(name), new.get(name)
            some = b if b is not None else a
            assert some is not None
            target = some.target.show(some.unit) if some.target is not None else ""
            grid.add_row(
                benchmark if number == 0 else "",
                name,
                median(a),
                median(b),
                change(a, b),
                target,
                verdict(a) if a is not None else Text("—"),
                verdict(b) if b is not None else Text("—"),
            )
        grid.add_section()
    return grid


def median(figure: Figure | None) -> str:
    if figure is None:
        return "—"
    if figure.error is not None:
        return "error"
    uncertainty = "" if figure.uncertainty is None else f" ±{figure.uncertainty * 100:.1f}%"
    return show(figure.median, figure.unit) + uncertainty


def change(before: Figure | None, after: Figure | None) -> Text:
    """The change of the median in percent, colored when the runs' spread cannot explain it."""
    if before is None or after is None or not before.runs or not after.runs or before.median == 0:
        return Text("")
    moved = after.median / before.median - 1
    (low_before, high_before), (low_after, high_after) = map(median_interval, (before.runs, after.runs))
    style = ""
    if high_after < low_before or high_before < low_after:
        target = after.target or before.target
        if target is None:
            style = "yellow"
        else:
            style = "green" if (moved < 0) == (target.direction == "<=") else "red"
    return Text(f"{moved:+.1%}", style=style)


if __name__ == "__main__":
    sys.exit(main())
