"""Each generated operation builds the documented request, parses every documented success and
raises the class of every documented error.

The cases come from openapi.yaml, so a new operation or response is covered without a new test.
The transport is httpx's MockTransport: this checks the generated code alone, not a server.
"""

from __future__ import annotations

import importlib
import json
from types import ModuleType
from typing import Any

import httpx
import pytest
from openapi_python_client.strings import snake_case

from backups_api_client import AuthenticatedClient, errors, models
from backups_api_client.api.backups import backups_snapshot
from tests.specs import SPEC_PATH, example_of, load, operations, resolve

KEY = "test-key"
EVENT_STREAM = "text/event-stream"


def module_of(operation: dict[str, Any]) -> ModuleType:
    tag = snake_case(operation["tags"][0])
    return importlib.import_module(f"backups_api_client.api.{tag}.{snake_case(operation['operationId'])}")


def cases() -> list[Any]:
    spec = load(SPEC_PATH)
    return [
        pytest.param(path, method, operation, status, id=f"{operation['operationId']}-{status}")
        for path, method, operation in operations(spec)
        for status in operation["responses"]
    ]


def call_arguments(spec: dict[str, Any], operation: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Keyword arguments for the generated function, and the JSON body they should send."""
    arguments: dict[str, Any] = {}
    for reference in operation.get("parameters", []):
        parameter = resolve(spec, reference)
        arguments[snake_case(parameter["name"])] = example_of(spec, parameter["schema"])
    body_json = None
    if "requestBody" in operation:
        schema_ref = resolve(spec, operation["requestBody"])["content"]["application/json"]["schema"]
        body_json = example_of(spec, schema_ref)
        model = getattr(models, schema_ref["$ref"].rsplit("/", 1)[1])
        arguments["body"] = model.from_dict(body_json)
    return arguments, body_json


def documented_response(spec: dict[str, Any], response: dict[str, Any], status: int) -> httpx.Response:
    content = resolve(spec, response).get("content")
    if not content:
        return httpx.Response(status)
    media_type, media = next(iter(content.items()))
    example = example_of(spec, media["schema"])
    if media_type == "application/json":
        return httpx.Response(status, json=example)
    return httpx.Response(status, text=example, headers={"Content-Type": media_type})


@pytest.mark.parametrize(("path", "method", "operation", "status"), cases())
def test_request_and_response(
    spec: dict[str, Any], path: str, method: str, operation: dict[str, Any], status: str
) -> None:
    arguments, body_json = call_arguments(spec, operation)
    answer = documented_response(spec, operation["responses"][status], int(status))
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer

    client = AuthenticatedClient(
        base_url="http://api.test",
        token=KEY,
        max_retries=0,
        httpx_args={"transport": httpx.MockTransport(handler)},
    )
    response = module_of(operation).sync_detailed(client=client, **arguments)

    (request,) = sent
    assert request.method == method.upper()
    assert request.url.path == path.format(**arguments)
    assert request.headers["X-Application-ID"] == KEY
    for reference in operation.get("parameters", []):
        parameter = resolve(spec, reference)
        if parameter["in"] == "header":
            assert request.headers[parameter["name"]] == arguments[snake_case(parameter["name"])]
    documented = {
        media_type
        for response in operation["responses"].values()
        for media_type in resolve(spec, response).get("content", {})
        if media_type != EVENT_STREAM
    }
    assert set(request.headers["Accept"].split(", ")) == documented
    if body_json is None:
        assert request.content == b""
    else:
        assert json.loads(request.content) == body_json

    assert response.status_code == int(status)
    if not (status.startswith("2") and answer.content):
        assert response.parsed is None
    elif answer.headers["Content-Type"] == "application/json":
        assert response.parsed.to_dict() == answer.json()
    else:
        assert response.parsed == answer.text


@pytest.mark.parametrize(("path", "method", "operation", "status"), cases())
def test_sync_returns_a_success_and_raises_the_class_of_an_error(
    spec: dict[str, Any], path: str, method: str, operation: dict[str, Any], status: str
) -> None:
    arguments, _ = call_arguments(spec, operation)
    answer = documented_response(spec, operation["responses"][status], int(status))
    client = AuthenticatedClient(
        base_url="http://api.test",
        token=KEY,
        max_retries=0,
        httpx_args={"transport": httpx.MockTransport(lambda _: answer)},
    )

    if status.startswith("2"):
        result = module_of(operation).sync(client=client, **arguments)
        assert result == module_of(operation).sync_detailed(client=client, **arguments).parsed
        return
    with pytest.raises(errors.APIStatusError) as raised:
        module_of(operation).sync(client=client, **arguments)
    error_class = errors.STATUS_ERRORS[int(status)]
    assert type(raised.value) is error_class
    description = resolve(spec, operation["responses"][status])["description"]
    assert " ".join((error_class.__doc__ or "").split()) == f"{status}: {description}"
    assert (raised.value.status_code, raised.value.text) == (int(status), answer.text)
    assert raised.value.response.status_code == int(status)


@pytest.mark.parametrize("status", [100, 204, 302, 418, 429, 502, 599])
def test_any_other_status_raises_the_status_error_and_is_a_detailed_response(status: int) -> None:
    client = AuthenticatedClient(
        base_url="http://api.test",
        token=KEY,
        max_retries=0,
        httpx_args={"transport": httpx.MockTransport(lambda _: httpx.Response(status, text="teapot"))},
    )

    with pytest.raises(errors.UnexpectedStatus) as raised:
        backups_snapshot.sync(client=client)
    detailed = backups_snapshot.sync_detailed(client=client)

    assert isinstance(raised.value, errors.APIStatusError)
    assert (raised.value.status_code, raised.value.text) == (status, "teapot")
    assert str(status) in str(raised.value)
    assert (detailed.status_code, detailed.content, detailed.parsed) == (status, b"teapot", None)


def test_client_defaults_come_from_the_spec(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["application"]
    client = AuthenticatedClient(base_url="http://api.test", token=KEY)
    httpx_client = client.get_httpx_client()
    assert httpx_client.headers[scheme["name"]] == KEY
    assert "Authorization" not in httpx_client.headers
    timeout = httpx_client.timeout
    assert None not in (timeout.connect, timeout.read, timeout.write, timeout.pool)
    client.get_httpx_client().close()


@pytest.mark.anyio
async def test_async_functions_send_the_same_request(spec: dict[str, Any]) -> None:
    example = spec["components"]["schemas"]["Backups"]["example"]
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=example)

    async with AuthenticatedClient(
        base_url="http://api.test", token=KEY, httpx_args={"transport": httpx.MockTransport(handler)}
    ) as client:
        backups = await backups_snapshot.asyncio(client=client)

    assert isinstance(backups, models.Backups)
    assert backups.to_dict() == example
    assert sent[0].headers["X-Application-ID"] == KEY


def test_the_key_stays_out_of_the_clients_repr() -> None:
    assert KEY not in repr(AuthenticatedClient(base_url="http://api.test", token=KEY))
