"""What the templates get beyond the stock generator: views of the spec, read in one place.

Each helper reacts to what the spec declares, never to an operation's or a model's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import getitem
from typing import TYPE_CHECKING, Any

from openapi_python_client.schema.openapi_schema_pydantic import Reference
from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import pascal_case

if TYPE_CHECKING:
    from openapi_python_client.parser.openapi import Endpoint
    from openapi_python_client.parser.properties import ModelProperty
    from openapi_python_client.parser.responses import Response
    from openapi_python_client.schema.openapi_schema_pydantic import MediaType

EVENT_STREAM = "text/event-stream"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
TERMINAL_EVENTS = "x-sse-terminal-events"
MESSAGE_FIELD = "x-sse-message-field"


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
