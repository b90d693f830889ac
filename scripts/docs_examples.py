"""The Python examples of the generated API reference (generated/docs/*.md) and of the package's README,
and how one is run
against a live server: by the docs tests with the package of the tree, by `make publish` with the
package installed from the index."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from openapi_python_client.strings import snake_case

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "generated" / "docs"
PAGES = (ROOT / "generated" / "README.md", *sorted(DOCS.glob("*.md")))

# A fenced block is ```python, followed by words of its info string: `stream` marks the examples of
# the stream() form.
FENCE = re.compile(r"^```python(?P<info>[^\n]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    """One Python code block of the docs."""

    page: str
    line: int
    code: str
    streaming: bool

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for block in FENCE.finditer(text):
            line = text.count("\n", 0, block.start()) + 1
            found.append(Example(page.name, line, block["code"], "stream" in block["info"].split()))
    return found


RUNNER = """
import runpy, sys
for labelled in sys.argv[1:]:
    label, _, path = labelled.partition("=")
    runpy.run_path(path, run_name="__main__")
    print(f"example {label}: ok", flush=True)
"""
"""Runs each example file given as `ID=PATH` in turn, in a namespace of its own, and says so; the first
that fails stops it, with its traceback."""


def run(
    examples: Sequence[Example], python: str, url: str, key: str, folder: Path
) -> subprocess.CompletedProcess[str]:
    """Run examples in turn, in one interpreter `python` isolated from the caller's PYTHONPATH, against
    the server at `url`; the examples read the URL and the key from <TITLE>_URL and <TITLE>_KEY, named
    after the API's title as the templates name them."""
    title = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))["info"]["title"]
    prefix = snake_case(title).upper()
    labelled = []
    for number, example in enumerate(examples):
        script = folder / f"example-{number}.py"
        script.write_text(example.code)
        labelled.append(f"{example.id}={script}")
    environment = {**os.environ, f"{prefix}_URL": url, f"{prefix}_KEY": key}
    return subprocess.run(
        [python, "-I", "-c", RUNNER, *labelled],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60 + 30 * len(examples),
        check=False,
    )
