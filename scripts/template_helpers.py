"""What the templates get beyond the stock generator: views of the spec, read in one place.

Each helper reacts to what the spec declares, never to an operation's or a model's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from http import HTTPStatus
from operator import getitem
from typing import TYPE_CHECKING, Any

from openapi_python_client.schema.openapi_schema_pydantic import Reference
from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import pascal_case

if TYPE_CHECKING:
    from openapi_python_client.parser.openapi import Endpoint
    from openapi_python_client.parser.properties import ModelProperty, Property
    from openapi_python_client.parser.responses import Response
    from openapi_python_client.schema.openapi_schema_pydantic import MediaType

EVENT_STREAM = "text/event-stream"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
IDEMPOTENT_METHODS = {"get", "head", "options", "put", "delete", "trace"}
"""The methods RFC 9110 defines as idempotent: a request with one of them is safe to repeat."""
TERMINAL_EVENTS = "x-sse-terminal-events"
MESSAGE_FIELD = "x-sse-message-field"
IDEMPOTENCY_KEY = "idempotency-key"
"""The header of the IETF httpapi draft that makes a request safe to repeat, in lower case."""
RESPONSES = "#/components/responses/"
REASON_PHRASES = {413: "Content Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}
"""The RFC 9110 names that older Pythons' HTTPStatus still spells the RFC 7231 way."""


def auth_header(spec: dict[str, Any]) -> dict[str, str]:
    """The header that carries the credential, from the spec's security scheme."""
    for scheme in spec.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return {"name": scheme["name"], "prefix": ""}
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer":
            return {"name": "Authorization", "prefix": "Bearer"}
    return {"name": "Authorization", "prefix": "Bearer"}


def parameter_descriptions(spec: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    """The description of every parameter, by (path, method, name), following `$ref`s.

    The generator keeps a parameter's description only when it is on the parameter's schema.
    """

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = reduce(getitem, node["$ref"].removeprefix("#/").split("/"), spec)
        return node

    found: dict[tuple[str, str, str], str] = {}
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS & item.keys():
            for parameter in map(resolve, item.get("parameters", []) + item[method].get("parameters", [])):
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
    alphabetical order, when they refer to several), or else after the status's reason phrase;
    its doc is that response's description.
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
                    name = REASON_PHRASES.get(int(status)) or HTTPStatus(int(status)).phrase
                found.setdefault(int(status), []).append((name, answer.get("description", "")))
    classes = []
    for status, candidates in sorted(found.items()):
        name, description = min(candidates)
        name = pascal_case(name)
        classes.append(ErrorClass(status, name if name.endswith("Error") else name + "Error", description))
    return classes


def idempotency_key(endpoint: Endpoint) -> Property | None:
    """The operation's Idempotency-Key header parameter, if it declares one."""
    return next(
        (
            parameter
            for parameter in endpoint.header_parameters
            if parameter.name.get_untrusted_value().lower() == IDEMPOTENCY_KEY
        ),
        None,
    )


def repeatable(endpoint: Endpoint) -> bool:
    """Whether a request of the operation is safe to repeat: an idempotent method, or an
    Idempotency-Key, which the client always sends."""
    return endpoint.method.lower() in IDEMPOTENT_METHODS or idempotency_key(endpoint) is not None


def success_responses(endpoint: Endpoint) -> list[Response]:
    """The operation's 2xx responses."""
    return [
        response
        for response in endpoint.responses.patterns
        if response.status_code.range
        and response.status_code.range[0] >= 200
        and response.status_code.range[1] < 300
    ]


def success_type(endpoint: Endpoint) -> str:
    """The type of the value a successful call returns: the union of the 2xx answers' types,
    `None` for an answer without a body."""
    types = {
        "None" if response.source["return_type"] == "None" else _type_of(response)
        for response in success_responses(endpoint)
    }
    return " | ".join(sorted(types)) or "None"


def _type_of(response: Response) -> str:
    return str(response.prop.get_type_string().as_unembedded_code())


def table_cell(text: UntrustedString | str | None) -> str:
    """Text on one line, with its pipes escaped, for a cell of a Markdown table."""
    if isinstance(text, UntrustedString):
        text = text.get_untrusted_value()
    return " ".join((text or "").split()).replace("|", "\\|")


def api_page(tag: str) -> str:
    """The file name of a tag's page in docs/."""
    return f"{pascal_case(tag)}Api.md"


def media_type_name(media_type: UntrustedString | str) -> str:
    """`type/subtype` of a media type, lowercased, without its parameters."""
    if isinstance(media_type, UntrustedString):
        media_type = media_type.get_untrusted_value()
    return media_type.partition(";")[0].strip().lower()


@dataclass(frozen=True)
class EventStream:
    """What a streamed operation declares about its events (README.md, "Streamed operations")."""

    model: ModelProperty | None
    """The model of each event's data; None when its schema is not a component's."""
    terminal_events: dict[str, str]
    """The event types that end a stream, each with its outcome: `success` or `failure`."""
    message_field: str | None
    """The field of a failure event's data that says why it failed."""


def _content(response: Response) -> dict[UntrustedString, MediaType]:
    """The media types of a response (the generator resolves response references before this)."""
    return getattr(response.data, "content", None) or {}


def event_stream(endpoint: Endpoint, models: list[ModelProperty]) -> EventStream | None:
    """The events of an operation whose 2xx response offers text/event-stream, or None."""
    for response in endpoint.responses.patterns:
        low, high = response.status_code.range or (0, 0)
        if not (low >= 200 and high < 300):
            continue
        for media_type, media in _content(response).items():
            if media_type_name(media_type) != EVENT_STREAM:
                continue
            schema = media.media_type_schema
            path = (
                schema.ref.get_untrusted_value().removeprefix("#") if isinstance(schema, Reference) else None
            )
            model = next((model for model in models if model.name.get_untrusted_value() == path), None)
            extensions = media.model_extra or {}
            terminal_events = dict(extensions.get(TERMINAL_EVENTS) or {})
            return EventStream(model, terminal_events, extensions.get(MESSAGE_FIELD))
    return None


def accept_header(endpoint: Endpoint) -> str:
    """What the stock functions accept: every documented media type once, the event stream aside."""
    accepted: list[str] = []
    for response in endpoint.responses:
        for media_type in _content(response):
            name = media_type.get_untrusted_value()
            if media_type_name(name) != EVENT_STREAM and name not in accepted:
                accepted.append(name)
    return ", ".join(accepted)
