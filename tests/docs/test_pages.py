"""The generated API reference against the spec and the generated package; no server needed.

The cases come from openapi.yaml and the package, so a renamed or new operation, model or field is
covered without a new test.
"""

from __future__ import annotations

import enum
import importlib
import re
from typing import Any

import attrs
import httpx
import pytest
from docs_examples import DOCS
from openapi_python_client.strings import pascal_case, snake_case

from backups_api_client import AuthenticatedClient, BackupsClient, models
from tests.specs import SPEC_PATH, load, operations, resolve

from .pages import PACKAGE, sections, table_names

SPEC = load(SPEC_PATH)


def operation_cases() -> list[Any]:
    return [
        pytest.param(path, method, operation, id=operation["operationId"])
        for path, method, operation in operations(SPEC)
    ]


def section_of(operation: dict[str, Any]) -> tuple[str, str, str]:
    """The tag and module of an operation, as generated, and its section of the tag's page."""
    tag, module = snake_case(operation["tags"][0]), snake_case(operation["operationId"])
    page = DOCS / f"{pascal_case(tag)}Api.md"
    assert page.is_file(), f"no page {page.name} for the tag {operation['tags'][0]}"
    found = sections(page.read_text())
    assert module in found, f"{page.name} has no section for {module}"
    return tag, module, found[module]


@pytest.mark.parametrize(("path", "method", "operation"), operation_cases())
def test_every_operation_has_a_section(path: str, method: str, operation: dict[str, Any]) -> None:
    tag, module, section = section_of(operation)
    assert f"`from {PACKAGE}.api.{tag} import {module}`" in section
    assert operation["description"].strip() in section
    for status, response in operation["responses"].items():
        description = " ".join(resolve(SPEC, response)["description"].split())
        assert f"| **{status}** | {description} |" in section
    assert re.search(r"^```python( stream)?\n", section, re.MULTILINE), "no example"


@pytest.mark.parametrize(("path", "method", "operation"), operation_cases())
def test_sections_lead_with_a_method_of_the_client_object_that_exists(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    _, _, section = section_of(operation)
    resource, _, name = operation["x-client-name"].rpartition(".")
    call = ".".join(filter(None, ("client", resource, name)))
    client = BackupsClient(base_url="http://api.test", api_key="key")
    owner = getattr(client, resource) if resource else client

    assert section.index(f"> `{call}(") < section.index("The module function")
    assert f"{call}(" in section.partition("### Example")[2]
    assert callable(getattr(owner, name))


@pytest.mark.parametrize(("path", "method", "operation"), operation_cases())
def test_sections_name_functions_that_exist(path: str, method: str, operation: dict[str, Any]) -> None:
    tag, module, section = section_of(operation)
    generated = importlib.import_module(f"{PACKAGE}.api.{tag}.{module}")
    named = set(re.findall(rf"\b{module}\.(\w+)\(", section))
    assert named
    assert [name for name in sorted(named) if not hasattr(generated, name)] == []


@pytest.mark.parametrize(("path", "method", "operation"), operation_cases())
def test_documented_headers_are_the_ones_sent(path: str, method: str, operation: dict[str, Any]) -> None:
    tag, module, section = section_of(operation)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    generated = importlib.import_module(f"{PACKAGE}.api.{tag}.{module}")
    path_arguments = {name: "x" for name in re.findall(r"{(\w+)}", path)}
    with AuthenticatedClient(
        base_url="http://api.test", token="key", httpx_args={"transport": httpx.MockTransport(handler)}
    ) as client:
        generated.sync_detailed(client=client, **path_arguments)

    documented = dict(re.findall(r"^- \*\*([\w-]+)\*\*: `([^`]*)`", section, re.MULTILINE))
    assert documented["Accept"] == sent[0].headers["Accept"]
    if "Content-Type" in documented:
        assert documented["Content-Type"] == sent[0].headers["Content-Type"]


@pytest.mark.parametrize("name", sorted(models.__all__))
def test_every_model_has_a_page_listing_its_fields(name: str) -> None:
    page = DOCS / f"{name}.md"
    assert page.is_file()
    text = page.read_text()
    model = getattr(models, name)
    if issubclass(model, enum.Enum):
        assert sorted(table_names(text)) == sorted(model.__members__)
        for member in model:
            assert f"| **{member.name}** | `{member.value}` |" in text
    else:
        fields = [field for field in attrs.fields(model) if field.name != "additional_properties"]
        assert table_names(text) == [field.name for field in fields]
        for field in fields:
            (row,) = (line for line in text.splitlines() if line.startswith(f"| **{field.name}**"))
            for referenced in set(re.findall(r"\w+", str(field.type))) & set(models.__all__):
                assert f"[{referenced}]({referenced}.md)" in row, f"{field.name} does not link {referenced}"


def test_links_between_pages_resolve() -> None:
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\((\w+\.md)\b", page.read_text()):
            assert (DOCS / target).is_file(), f"{page.name} links to a missing {target}"


def test_the_package_readme_links_every_page() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    for page in DOCS.glob("*.md"):
        assert f"/generated/docs/{page.name})" in readme, page.name
