"""The server's subpackages import only downward: api, runtime, engine, storage, then errors; the
command line and its settings sit above them all."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import backups_server

PACKAGE = Path(backups_server.__file__).parent
LAYERS = ["api", "runtime", "engine", "storage", "errors"]
"""From the top down; a module at the package's top (cli, config, launcher) may import any."""


def layer(module: str) -> int | None:
    """The rank of a module of the package, from the top; None for a module above the layers."""
    part = module.removeprefix("backups_server.").split(".")[0]
    return LAYERS.index(part) if part in LAYERS else None


def imports(path: Path, module: str) -> set[str]:
    """The modules of the package that a file (of `module`) imports, at run time or for type
    checking, relative imports included."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            source = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if source.startswith("backups_server"):
                found |= {f"{source}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("backups_server")}
    return found


def test_no_subpackage_imports_one_above_it() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        own = layer(module)
        if own is None:
            continue
        for imported in imports(path, module):
            other = layer(imported)
            if other is None or other < own:
                upward.append(f"{module} imports {imported}")

    assert upward == []


def test_every_subpackage_says_what_it_holds() -> None:
    for name in LAYERS[:-1]:
        docstring = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
        assert docstring
        assert "\n" not in docstring.strip()
