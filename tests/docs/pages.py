"""Reading the generated API reference (generated/docs/) the way the tests need it."""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "generated" / "docs"
PACKAGE = "backups_api_client"

# A fenced block is ```python, followed by words of its info string: `stream` marks the examples of
# the stream() form.
FENCE = re.compile(r"^```python(?P<info>[^\n]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
SECTION = re.compile(r"^## (?P<name>\w+)\n", re.MULTILINE)


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
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text()
        for block in FENCE.finditer(text):
            line = text.count("\n", 0, block.start()) + 1
            found.append(Example(page.name, line, block["code"], "stream" in block["info"].split()))
    return found


def sections(text: str) -> dict[str, str]:
    """The `## <name>` sections of a page, by name, each up to the next one."""
    starts = list(SECTION.finditer(text))
    ends = [start.start() for start in starts[1:]] + [len(text)]
    return {start["name"]: text[start.end() : end] for start, end in zip(starts, ends, strict=True)}


def missing_functions(example: Example) -> list[str]:
    """The `module.function` calls of the example on operation modules that have no such function."""
    tree = ast.parse(example.code)
    modules = {
        alias.asname or alias.name: importlib.import_module(f"{node.module}.{alias.name}")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{PACKAGE}.api.")
        for alias in node.names
    }
    return [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
        if not hasattr(modules[node.value.id], node.attr)
    ]


def table_names(text: str) -> list[str]:
    """The bold first cells of a page's table rows: the fields of a model, the members of an enum."""
    return re.findall(r"^\| \*\*(\w+)\*\*", text, re.MULTILINE)
