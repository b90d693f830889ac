"""Variations of openapi.yaml and the projects generated from them, for the release tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.helpers import ROOT

Change = Callable[[dict[str, Any]], None]


def load_spec(path: Path) -> Any:
    return YAML().load(path)


def write_spec(document: Any, path: Path) -> None:
    """Written in round-trip mode: keys keep their order, so only the change differs."""
    yaml = YAML()
    yaml.width = 4096
    with path.open("w", encoding="utf-8") as output:
        yaml.dump(document, output)


def generate(spec: Path, output: Path, root: Path = ROOT) -> None:
    subprocess.run(
        [sys.executable, str(root / "scripts" / "generate.py"), "--spec", str(spec), "--output", str(output)],
        check=True,
        capture_output=True,
    )


def rename_field(document: dict[str, Any]) -> None:
    """`Backup.device_name` becomes `device`, everywhere the spec names it."""
    backup = document["components"]["schemas"]["Backup"]
    names = list(backup["properties"])
    backup["properties"].insert(names.index("device_name"), "device", backup["properties"].pop("device_name"))
    backup["required"][backup["required"].index("device_name")] = "device"
    for example in [backup["example"], *document["components"]["schemas"]["Backups"]["example"]["iterable"]]:
        example["device"] = example.pop("device_name")


def require_body(document: dict[str, Any]) -> None:
    document["components"]["requestBodies"]["SeededBackup"]["required"] = True


def remove_delete(document: dict[str, Any]) -> None:
    """The delete operation goes, with the links that lead to it."""
    removed = document["paths"].pop("/backups/{backup}/delete")["post"]["operationId"]
    for item in document["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                links = response.get("links", {})
                for name in [name for name, link in links.items() if link["operationId"] == removed]:
                    del links[name]


def add_optional_field(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["Backup"]["properties"]["note"] = {
        "type": "string",
        "nullable": True,
        "description": "A note about the backup, for people to read.",
    }


def add_optional_request_field(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["SeededBackup"]["properties"]["label"] = {
        "type": "string",
        "description": "A label for the backup, for people to read.",
    }


def rename_list_operation(name: str) -> Change:
    def change(document: dict[str, Any]) -> None:
        document["paths"]["/backups"]["get"]["operationId"] = name

    return change


def reword_description(document: dict[str, Any]) -> None:
    operation = document["paths"]["/backups"]["get"]
    operation["description"] = "Lists every completely stored backup, newest first.\n"


def set_version(version: str) -> Change:
    def change(document: dict[str, Any]) -> None:
        document["info"]["version"] = version

    return change
