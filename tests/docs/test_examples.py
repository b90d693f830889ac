"""Every Python example of the generated API reference compiles, calls functions that exist, and runs
against the live reference server.

An example is a ```python block of generated/docs/*.md; ```python stream marks the stream() form.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from docs_examples import Example, examples, run

from .conftest import LiveServer
from .pages import missing_functions


def example_cases() -> list[Any]:
    return [pytest.param(example, id=example.id) for example in examples()]


def test_the_docs_have_examples() -> None:
    assert any(not example.streaming for example in examples())


@pytest.mark.parametrize("example", example_cases())
def test_example_compiles(example: Example) -> None:
    compile(example.code, example.id, "exec")


@pytest.mark.parametrize("example", example_cases())
def test_example_calls_functions_that_exist(example: Example) -> None:
    assert missing_functions(example) == []


@pytest.mark.parametrize("example", example_cases())
def test_example_runs_against_the_live_server(
    example: Example, live_server: LiveServer, tmp_path: Path
) -> None:
    done = run([example], sys.executable, live_server.url, live_server.api_key, tmp_path)
    assert done.returncode == 0, f"{example.id} failed:\n{done.stderr}"
    *printed, last = done.stdout.splitlines()
    assert last == f"example {example.id}: ok"
    assert "".join(printed).strip(), f"{example.id} printed nothing"
