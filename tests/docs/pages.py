"""Reading the generated API reference (generated/docs/) the way the tests need it."""

from __future__ import annotations

import ast
import importlib
import re

from docs_examples import Example

PACKAGE = "backups_api_client"
SECTION = re.compile(r"^## (?P<name>\w+)\n", re.MULTILINE)


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
