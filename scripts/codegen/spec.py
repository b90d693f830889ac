"""Views of the spec as a document: its operations, its credential, its parameters' descriptions, its
error statuses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from http import HTTPStatus
from operator import getitem
from typing import Any

from openapi_python_client.strings import pascal_case

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
RESPONSES = "#/components/responses/"
REASON_PHRASES = {413: "Content Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}
"""The RFC 9110 names that older Pythons' HTTPStatus still spells the RFC 7231 way."""


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """What a local `$ref` names (through refs to refs), or `node` itself."""
    while "$ref" in node:
        node = reduce(getitem, node["$ref"].removeprefix("#/").split("/"), spec)
    return node


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation of the document, in its order."""
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def auth_header(spec: dict[str, Any]) -> dict[str, Any]:
    """The header that carries the credential, from the spec's security scheme; `declared` says
    whether the spec declares one at all."""
    for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return {"name": scheme["name"], "prefix": "", "declared": True}
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer":
            return {"name": "Authorization", "prefix": "Bearer", "declared": True}
    return {"name": "Authorization", "prefix": "Bearer", "declared": False}


def parameter_descriptions(spec: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    """The description of every parameter, by (path, method, name), following `$ref`s.

    The generator keeps a parameter's description only when it is on the parameter's schema.
    """
    found: dict[tuple[str, str, str], str] = {}
    for path, method, operation in operations(spec):
        for declared in spec["paths"][path].get("parameters", []) + operation.get("parameters", []):
            parameter = resolve(spec, declared)
            found[path, method, parameter["name"]] = parameter.get("description", "")
    return found


@dataclass(frozen=True)
class ErrorClass:
    """The exception class of one documented error status."""

    status: int
    name: str
    description: str


def error_classes(spec: dict[str, Any]) -> list[ErrorClass]:
    """One class per status that some operation documents as an error (4xx, 5xx), by status.

    A class is named after the component the responses of that status refer to (the first in
    alphabetical order, when they refer to several), or else after the status's reason phrase,
    as it is too when that name would be another status's as well; its doc is that response's
    description.
    """
    found: dict[int, list[tuple[str, str]]] = {}
    for item in spec.get("paths", {}).values():
        for method in HTTP_METHODS & item.keys():
            for status, answer in item[method].get("responses", {}).items():
                if not (str(status).isdigit() and int(status) >= 400):
                    continue
                reference = answer.get("$ref", "")
                if reference.startswith(RESPONSES):
                    name = reference.removeprefix(RESPONSES)
                    answer = spec["components"]["responses"][name]  # noqa: PLW2901
                else:
                    name = _reason_phrase(int(status))
                found.setdefault(int(status), []).append((name, answer.get("description", "")))
    chosen = {status: min(candidates) for status, candidates in found.items()}
    shared = Counter(_class_name(name) for name, _ in chosen.values())
    classes = []
    for status, (component, description) in sorted(chosen.items()):
        name = _class_name(component)
        if shared[name] > 1:
            name = _class_name(_reason_phrase(status))
        classes.append(ErrorClass(status, name, description))
    if clashes := sorted(name for name, count in Counter(c.name for c in classes).items() if count > 1):
        raise ValueError(f"two error statuses would have a class of one name: {', '.join(clashes)}")
    return classes


def _class_name(name: str) -> str:
    name = pascal_case(name)
    return name if name.endswith("Error") else name + "Error"


def _reason_phrase(status: int) -> str:
    if status in REASON_PHRASES:
        return REASON_PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"
