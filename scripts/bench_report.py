"""The figures a benchmark measures, their targets, and how they are shown and stored.

A figure is every run of one measure (a time, a ratio, a memory size); what counts is the median of
its runs, and min and max say how far the runs spread. How far the median itself may be off is its
interval: two runs of the runs from the middle that hold the true median with 95 % confidence
(`median_interval`). A target bounds the median, or every run for bounds that no single run may
break (a memory ceiling, a request count).

Each benchmark script yields its figures to `run`, which prints them as a table, or writes them as
JSON for `make bench` (scripts/bench.py) to gather into one table and one results file.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

Results = Mapping[str, Sequence["Figure"]]
"""The figures of each benchmark, by the benchmark's name."""


@dataclass(frozen=True)
class Target:
    """A bound on a figure's median, or on each of its runs with `each`."""

    bound: float
    direction: Literal["<=", ">="] = "<="
    each: bool = False

    def met(self, runs: Sequence[float]) -> bool:
        values = runs if self.each else [statistics.median(runs)]
        if self.direction == "<=":
            return all(value <= self.bound for value in values)
        return all(value >= self.bound for value in values)

    def show(self, unit: str) -> str:
        sign = "≤" if self.direction == "<=" else "≥"
        return f"{sign} {show(self.bound, unit, exact=True)}" + (" each" if self.each else "")


def at_most(bound: float, *, each: bool = False) -> Target:
    return Target(bound, "<=", each)


@dataclass(frozen=True)
class Figure:
    """One measure of a benchmark over its runs; a benchmark that failed has a figure named
    "error" with no runs and what went wrong."""

    name: str
    unit: str
    """One of "s", "x" (a ratio), "MiB", "KiB", "%" (a fraction, shown as a percentage), "" (a count)."""
    runs: tuple[float, ...]
    target: Target | None = None
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def uncertainty(self) -> float | None:
        """How far the true median may lie from the median, as a share of it: the farther end of
        `median_interval`; None for fewer than 2 runs or a median of 0."""
        if len(self.runs) < 2 or self.median == 0:
            return None
        low, high = median_interval(self.runs)
        return max(self.median - low, high - self.median) / abs(self.median)

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None for a figure without a target."""
        if self.error is not None:
            return False
        return None if self.target is None else self.target.met(self.runs)

    def to_json(self) -> dict[str, Any]:
        spread: dict[str, float | None] = {}
        if self.runs:
            low, high = median_interval(self.runs)
            spread = {"median": self.median, "min": min(self.runs), "max": max(self.runs)}
            spread |= {"median_low": low, "median_high": high, "uncertainty": self.uncertainty}
        return {**asdict(self), **spread, "met": self.met}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figure:
        target = Target(**data["target"]) if data["target"] is not None else None
        return cls(data["name"], data["unit"], tuple(data["runs"]), target, data["error"])


CONFIDENCE = 0.95


def median_interval(runs: Sequence[float]) -> tuple[float, float]:
    """An interval holding the true median with at least CONFIDENCE, whatever the runs' distribution:
    the k-th smallest and the k-th largest run, for the largest k that keeps the confidence (the
    sign test's: each run falls below the median with probability 1/2). Below 6 runs no such pair
    exists, and it is the smallest and largest run (with 1 - 2/2ⁿ: 94 % for 5)."""
    ordered, count = sorted(runs), len(runs)

    def beyond(k: int) -> float:
        """The chance that the median lies beyond the k-th run from either end."""
        return 2 * sum(math.comb(count, below) for below in range(k)) / 2.0**count

    k = 1
    while k < (count + 1) // 2 and beyond(k + 1) <= 1 - CONFIDENCE:
        k += 1
    return ordered[k - 1], ordered[count - k]


def failure(error: BaseException | str) -> Figure:
    """The figure of a benchmark that failed: what stopped it."""
    if isinstance(error, SystemExit):  # what a benchmark raises to stop with a message
        error = str(error.code)
    elif isinstance(error, BaseException):
        error = f"{type(error).__name__}: {error}"
    return Figure("error", "", (), error=error)


def seconds(times: Mapping[str, Sequence[float]]) -> Iterator[Figure]:
    """A figure of each side's times."""
    for name, runs in times.items():
        yield Figure(name, "s", tuple(runs))


def ratio(
    times: Mapping[str, Sequence[float]], over: str, under: str, target: Target | None = None
) -> Figure:
    """The ratio of two sides' times, run by run: each run of `over` over the run of `under` it
    alternated with, so that what slowed both runs of a pair cancels out."""
    pairs = zip(times[over], times[under], strict=True)
    return Figure(f"{over} / {under}", "x", tuple(a / b for a, b in pairs), target)


def show(value: float, unit: str, *, exact: bool = False) -> str:
    """`value` in `unit`: as it is written when `exact` (a target), else to three significant digits
    (a count in full)."""
    shown = value * 100 if unit == "%" else value
    if exact:
        number = f"{shown:,}"
    elif unit == "" and value == int(value):
        number = f"{shown:,.0f}"
    else:
        number = f"{shown:,.{max(0, 2 - math.floor(math.log10(abs(shown)))) if shown else 0}f}"
    if unit == "%":
        return f"{'' if number.startswith('-') else '+'}{number}%"
    return f"{number} {unit}" if unit in ("s", "MiB", "KiB") else f"{number}{unit}"


def passed(results: Results) -> bool:
    """Whether every benchmark ran and met every target."""
    return all(figure.met is not False for figures in results.values() for figure in figures)


def table(results: Results, title: str, notes: Mapping[str, str] | None = None) -> Table:
    """Every figure of every benchmark: its median, how far the true median may lie from it (`±`, of
    the median, at 95 %), its min and max, its target, and whether it is met; `notes` go under the
    name of their benchmark."""
    grid = Table(title=title, title_justify="left", title_style="bold")
    grid.add_column("benchmark")
    grid.add_column("figure")
    for column in ("runs", "median", "±", "min", "max", "target"):
        grid.add_column(column, justify="right")
    grid.add_column("")
    for benchmark, figures in results.items():
        heading = Text(benchmark, style="bold")
        if notes is not None and benchmark in notes:
            heading.append(f"\n{notes[benchmark]}", style="dim")
        for number, figure in enumerate(figures):
            first = heading if number == 0 else Text("")
            if figure.error is not None:
                grid.add_row(first, Text(f"error: {figure.error}", style="red"), *[""] * 6, verdict(figure))
                continue
            uncertainty = "" if figure.uncertainty is None else f"{figure.uncertainty * 100:.1f}%"
            values = (figure.median, min(figure.runs), max(figure.runs))
            median, least, most = (show(value, figure.unit) for value in values)
            target = figure.target.show(figure.unit) if figure.target is not None else ""
            row = (str(len(figure.runs)), median, uncertainty, least, most, target)
            grid.add_row(first, figure.name, *row, verdict(figure))
        grid.add_section()
    return grid


def print_table(results: Results, title: str, notes: Mapping[str, str] | None = None) -> None:
    """Print the table of `results` on standard output: as wide as the terminal, or 120 columns
    when it is a file (the default there would be 80)."""
    console = Console()
    if not console.is_terminal:
        console.width = 120
    console.print(table(results, title, notes))


def verdict(figure: Figure) -> Text:
    if figure.error is not None:
        return Text("ERROR", style="bold red")
    if figure.met is None:
        return Text("")
    return Text("met", style="green") if figure.met else Text("MISSED", style="bold red")


def write_figures(path: Path, figures: Sequence[Figure]) -> None:
    path.write_text(json.dumps([figure.to_json() for figure in figures], indent=2) + "\n")


def read_figures(path: Path) -> list[Figure]:
    return [Figure.from_json(data) for data in json.loads(path.read_text())]


def results_to_json(results: Results) -> dict[str, list[dict[str, Any]]]:
    return {name: [figure.to_json() for figure in figures] for name, figures in results.items()}


def results_from_json(data: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, list[Figure]]:
    return {name: [Figure.from_json(figure) for figure in figures] for name, figures in data.items()}


def arguments(description: str | None) -> argparse.ArgumentParser:
    """The command line of a benchmark script, which adds its own options: --figures."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--figures",
        type=Path,
        metavar="FILE",
        help="write the figures to FILE as JSON instead of printing them",
    )
    return parser


def run(
    name: str, args: argparse.Namespace, measure: Callable[[argparse.Namespace], Iterator[Figure]]
) -> int:
    """Run the benchmark `name`: collect the figures `measure` yields (and what stopped it, if it
    failed), then print them, or write them to the file of --figures. The exit code is 1 when a
    target is missed or the benchmark failed."""
    figures: list[Figure] = []
    try:
        for figure in measure(args):
            figures.append(figure)
    except (Exception, SystemExit) as error:
        if not isinstance(error, SystemExit):
            traceback.print_exc()
        figures.append(failure(error))
    if args.figures is not None:
        write_figures(args.figures, figures)
    else:
        print_table({name: figures}, f"Benchmark {name}")
    return 0 if passed({name: figures}) else 1
