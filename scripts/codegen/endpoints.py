"""Views of one operation: whether it is safe to repeat, what it answers, and its event stream.

Each reacts to what the spec declares, never to an operation's or a model's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from openapi_python_client.schema.openapi_schema_pydantic import Reference
from openapi_python_client.schema.untrusted_string import UntrustedString

from .policy import IDEMPOTENT_METHODS

if TYPE_CHECKING:
    from openapi_python_client.parser.openapi import Endpoint
    from openapi_python_client.parser.properties import Property
    from openapi_python_client.parser.properties.model_property import ModelProperty
    from openapi_python_client.parser.responses import Response
    from openapi_python_client.schema.openapi_schema_pydantic import MediaType

EVENT_STREAM = "text/event-stream"
TERMINAL_EVENTS = "x-sse-terminal-events"
MESSAGE_FIELD = "x-sse-message-field"
PROGRESS_FIELD = "x-sse-progress-field"
BYTES_FIELDS = "x-sse-bytes-fields"
IDEMPOTENCY_KEY = "idempotency-key"
"""The header of the IETF httpapi draft that makes a request safe to repeat, in lower case."""


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
    progress_field: str | None
    """The field of an event's data that says how much of the work is done, from 0 to 100."""
    bytes_fields: dict[str, str]
    """The fields of an event's data that say it in bytes: `done` and `total`, or none."""


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
            bytes_fields = dict(extensions.get(BYTES_FIELDS) or {})
            if bytes_fields and bytes_fields.keys() != {"done", "total"}:
                raise ValueError(
                    f"{endpoint.name}: {BYTES_FIELDS} names `done` and `total`, and nothing else"
                )
            return EventStream(
                model,
                terminal_events,
                extensions.get(MESSAGE_FIELD),
                extensions.get(PROGRESS_FIELD),
                bytes_fields,
            )
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
