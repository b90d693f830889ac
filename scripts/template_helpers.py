"""What the templates get beyond the stock generator: views of the spec, read in one place.

Each helper reacts to what the spec declares, never to an operation's or a model's name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import reduce
from http import HTTPStatus
from operator import getitem
from typing import TYPE_CHECKING, Any

from openapi_python_client.parser.properties.model_property import ModelProperty
from openapi_python_client.schema.openapi_schema_pydantic import Reference
from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import pascal_case

if TYPE_CHECKING:
    from openapi_python_client.parser.openapi import Endpoint
    from openapi_python_client.parser.properties import Property
    from openapi_python_client.parser.responses import Response
    from openapi_python_client.schema.openapi_schema_pydantic import MediaType

EVENT_STREAM = "text/event-stream"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
IDEMPOTENT_METHODS = ("get", "head", "options", "put", "delete", "trace")
"""The methods RFC 9110 defines as idempotent: a request with one of them is safe to repeat."""
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RECONNECTIONS = 10
"""How many times in all a stream reconnects to resume, at most, by default."""
DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT = 5, 60
"""The client's defaults, in seconds: to connect, then for each read (between two events of a stream)."""
RETRY_STATUSES = (408, 409, 429, 500, 502, 503, 504)
"""The answers after which a request safe to repeat is sent again: they say "not now", not "no"."""
TERMINAL_EVENTS = "x-sse-terminal-events"
MESSAGE_FIELD = "x-sse-message-field"
PROGRESS_FIELD = "x-sse-progress-field"
BYTES_FIELDS = "x-sse-bytes-fields"
IDEMPOTENCY_KEY = "idempotency-key"
"""The header of the IETF httpapi draft that makes a request safe to repeat, in lower case."""
RESPONSES = "#/components/responses/"
REASON_PHRASES = {413: "Content Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}
"""The RFC 9110 names that older Pythons' HTTPStatus still spells the RFC 7231 way."""


@dataclass(frozen=True)
class ExitCode:
    """An exit code of the command line: one per kind of error of the client's error hierarchy."""

    code: int
    name: str
    meaning: str


EXIT_CODES = (
    ExitCode(0, "OK", "done"),
    ExitCode(
        1,
        "ERROR",
        "any other error: an answer the API does not document, a request the state refuses (409), "
        "an event that cannot be read, the `cli` extra missing",
    ),
    ExitCode(
        2,
        "USAGE",
        "usage: the command line is wrong, or the server refused the request as malformed (400, 422)",
    ),
    ExitCode(3, "AUTHENTICATION", "authentication: no API key, or the key was refused (401, 403, 407, 511)"),
    ExitCode(4, "NOT_FOUND", "not found: what the request names does not exist (404, 410)"),
    ExitCode(
        5, "SERVER", "server: the server failed (5xx), or a streamed operation ended with a failure event"
    ),
    ExitCode(
        6,
        "CONNECTION",
        "connection: no answer, none in time, or a stream that broke off and could not be resumed",
    ),
    ExitCode(130, "INTERRUPTED", "interrupted: Ctrl-C (a stream is closed first)"),
)
"""The command line's exit codes, for its code and for the package README alike."""


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


def python_literal(text: UntrustedString | str | None) -> str:
    """Text as a Python string literal: one literal per line, in parentheses, when it spans lines."""
    if isinstance(text, UntrustedString):
        text = text.get_untrusted_value()
    lines = (text or "").strip().splitlines(keepends=True)
    if len(lines) < 2:
        return repr("".join(lines))
    return "(\n" + "\n".join(repr(line) for line in lines) + "\n)"
