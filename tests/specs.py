"""Reading what the tests need out of the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backups_server.api.wire import load_document

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
COMPONENT = "#/components/"


def load(path: Path) -> dict[str, Any]:
    """The document as the server reads it."""
    return load_document(path)


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (also through a lone `allOf`) to what it names."""
    while True:
        if "$ref" in node:
            section, name = node["$ref"].removeprefix(COMPONENT).split("/")
            node = spec["components"][section][name]
        elif len(node.get("allOf", [])) == 1:
            node = node["allOf"][0]
        else:
            return node


def object_schemas(spec: dict[str, Any]) -> list[str]:
    return [name for name, schema in spec["components"]["schemas"].items() if schema.get("type") == "object"]


def optional_properties(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (name, field)
        for name in object_schemas(spec)
        for field in spec["components"]["schemas"][name].get("properties", {})
        if field not in spec["components"]["schemas"][name].get("required", [])
    ]


def example_of(spec: dict[str, Any], node: dict[str, Any]) -> Any:
    target = resolve(spec, node)
    return node.get("example", target.get("example"))


def required_example(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """The schema's example, completed with examples for required fields it leaves out."""
    schema = spec["components"]["schemas"][name]
    example = dict(schema.get("example", {}))
    for field in schema.get("required", []):
        example.setdefault(field, example_of(spec, schema["properties"][field]))
    return example


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation in the document."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                yield path, method, operation
