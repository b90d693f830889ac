"""What a command shows: for people, with rich, or for scripts, as JSON (``--json``).

For people: a table for a list (an array of models, or a model whose one required field is one), the
fields of a single model, and for a stream either a live progress bar, when the API declares which
fields of the events say how much is done (bytes done and in all, with the bytes per second and the
time left, when the events carry them; else the percentage and the time left), or one line per event. For scripts:
the answer's body as JSON, and for a stream the data of each event as one line of JSON (NDJSON),
flushed as it arrives; the data of a failure event too, before the error.

Results go to standard output; the progress bar and the messages to standard error.
"""

import datetime
import enum
import json
import os
import sys
from collections.abc import Iterator
from contextlib import suppress
from typing import Any, Protocol, TextIO

import attrs
from rich.console import Console, RenderableType
from rich.filesize import decimal
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .. import errors
from ..streaming import Stream
from ..types import Unset
from . import _definitions

UNBOUNDED = 100_000
"""The width of output that is not for a terminal: wide enough to never wrap a table."""
ADDITIONAL = "additional_properties"
"""The attribute of a model that holds the fields its schema does not name."""


class Output(Protocol):
    def result(self, value: Any) -> None:
        """Show what an operation answered."""

    def follow(self, events: Stream[Any], progress: _definitions.Progress) -> None:
        """Show the events of a stream as they arrive, until its end."""


def console(stream: TextIO) -> Console:
    """A rich console on a standard stream. Output that is not for a terminal is never wrapped nor
    cut to a width, unless COLUMNS sets one."""
    wide = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(file=stream, highlight=False, width=UNBOUNDED if wide else None)


def report(message: str, *, error: bool = True) -> None:
    """A message on standard error: an error, or what follows from one."""
    prefix = Text("Error: ", style="bold red") if error else Text()
    console(sys.stderr).print(prefix + Text(message))


def as_json(value: Any) -> Any:
    """A result, or an event's item, as JSON has it."""
    if is_model(value):
        return value.to_dict()
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value


class ForScripts:
    """``--json``: one JSON value per line on standard output."""

    def __init__(self, stdout: TextIO | None = None) -> None:
        self._stdout = stdout or sys.stdout

    def result(self, value: Any) -> None:
        if value is not None:
            self._write(as_json(value))

    def follow(self, events: Stream[Any], progress: _definitions.Progress) -> None:
        try:
            for item in events:
                self._write(as_json(item))
        except errors.StreamFailed as failure:
            with suppress(ValueError):
                self._write(json.loads(failure.event.data))
            raise

    def _write(self, value: Any) -> None:
        self._stdout.write(json.dumps(value) + "\n")
        self._stdout.flush()


class DoneColumn(ProgressColumn):
    """How much is done: the bytes done and in all once the events say, else the percentage."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("in_bytes"):
            return Text(f"{task.percentage:>3.0f}%", style="progress.percentage")
        return Text(f"{decimal(int(task.completed))}/{decimal(int(task.total or 0))}", style="progress.download")


class SpeedColumn(ProgressColumn):
    """The bytes done per second, once the events say how many bytes are done."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("in_bytes") or task.speed is None:
            return Text("")
        return Text(f"{decimal(int(task.speed))}/s", style="progress.data.speed")


class ForPeople:
    """Tables, fields and a progress bar, with rich; `label` names the progress bar."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._stdout = console(sys.stdout)
        self._stderr = console(sys.stderr)

    def result(self, value: Any) -> None:
        if value is None:
            return
        items = listing(value)
        if items == []:
            report("No items.", error=False)
        else:
            self._stdout.print(render(value) if items is None else table(items))

    def follow(self, events: Stream[Any], progress: _definitions.Progress) -> None:
        if progress.percentage is None and progress.done_bytes is None:
            for item in events:
                self._stdout.print(Text(line(item)))
            return
        last = None
        columns = (TextColumn("{task.description}"), BarColumn(), DoneColumn(), SpeedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=self._stderr) as bar:
            task = bar.add_task(self._label, total=100, in_bytes=False)
            try:
                for last in events:
                    done, total = number(last, progress.done_bytes), number(last, progress.total_bytes)
                    if done is not None and total:
                        if not bar.tasks[0].fields["in_bytes"]:
                            bar.reset(task, total=total, in_bytes=True)
                        bar.update(task, completed=done, total=total)
                    elif (
                        not bar.tasks[0].fields["in_bytes"]
                        and (percent := number(last, progress.percentage)) is not None
                    ):
                        bar.update(task, completed=percent)
            except errors.StreamFailed:
                bar.update(task, description=f"{self._label}: failed")
                raise
        if last is not None:
            self.result(last)


def number(item: Any, field: str | None) -> float | None:
    """The number in a field of an event's data; None when the event does not say."""
    data = as_json(item)
    value = data.get(field) if field and isinstance(data, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def is_model(value: Any) -> bool:
    return attrs.has(type(value)) and hasattr(value, "to_dict")


def fields(model: Any) -> Iterator[tuple[str, Any]]:
    """The attributes of a model and their values, then the fields its schema does not name."""
    for attribute in attrs.fields(type(model)):
        if attribute.name != ADDITIONAL:
            yield attribute.name, getattr(model, attribute.name)
    yield from getattr(model, ADDITIONAL, {}).items()


def required(model: Any) -> list[Any]:
    """The values of the attributes a model requires."""
    return [getattr(model, a.name) for a in attrs.fields(type(model)) if a.default is attrs.NOTHING]


def empty(value: Any) -> bool:
    return value is None or isinstance(value, Unset)


def label(name: str) -> str:
    return name.rstrip("_").replace("_", " ")


def listing(value: Any) -> list[Any] | None:
    """The items of a list to show as a table: an array of models, or the array a model requires and
    nothing else."""
    if isinstance(value, list) and all(is_model(item) for item in value):
        return value
    if is_model(value):
        values = required(value)
        if len(values) == 1 and isinstance(values[0], list) and all(is_model(item) for item in values[0]):
            return values[0]
    return None


def cell(value: Any) -> str:
    """A value on one line, for a person."""
    if empty(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if is_model(value):
        shown = required(value) or [item for _, item in fields(value)]
        return " ".join(cell(item) for item in shown if not empty(item))
    if isinstance(value, list):
        return ", ".join(cell(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={cell(item)}" for key, item in value.items())
    return str(value)


def table(items: list[Any]) -> Table:
    """One row per item, one column per attribute that some item has a value for; a value too wide
    for the terminal is folded onto more lines, never cut."""
    names = [name for name, _ in fields(items[0])]
    shown = [name for name in names if any(not empty(dict(fields(item)).get(name)) for item in items)]
    grid = Table(box=None, pad_edge=False, header_style="bold")
    for name in shown:
        grid.add_column(label(name).upper(), overflow="fold")
    for item in items:
        values = dict(fields(item))
        grid.add_row(*(Text(cell(values.get(name))) for name in shown))
    return grid


def render(value: Any) -> RenderableType:
    """A model as its fields, one per line, nested models indented; anything else as text."""
    if not is_model(value):
        return Text("\n".join(map(cell, value)) if isinstance(value, list) else cell(value))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()

    def add(model: Any, depth: int) -> None:
        for name, item in fields(model):
            if empty(item):
                continue
            grid.add_row(Text("  " * depth + label(name)), Text("" if is_model(item) else cell(item)))
            if is_model(item):
                add(item, depth + 1)

    add(value, 0)
    return grid


def line(item: Any) -> str:
    """An event's item on one line: ``name=value`` pairs (logfmt) for a model."""
    if not is_model(item):
        return cell(item)
    pairs = ((label(name).replace(" ", "_"), cell(value)) for name, value in fields(item) if not empty(value))
    return " ".join(f"{name}={quoted(text)}" for name, text in pairs)


def quoted(text: str) -> str:
    return json.dumps(text) if not text or any(c in text for c in ' ="\\') else text
