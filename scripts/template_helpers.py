"""What the templates get beyond the stock generator: views of the spec, read in one place.

Each helper reacts to what the spec declares, never to an operation's or a model's name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import reduce
from http import HTTPStatus
from operator import getitem
from typing import TYPE_CHECKING, Any

from openapi_python_client.parser.properties.boolean import BooleanProperty
from openapi_python_client.parser.properties.date import DateProperty
from openapi_python_client.parser.properties.datetime import DateTimeProperty
from openapi_python_client.parser.properties.enum_property import EnumProperty
from openapi_python_client.parser.properties.float import FloatProperty
from openapi_python_client.parser.properties.int import IntProperty
from openapi_python_client.parser.properties.model_property import ModelProperty
from openapi_python_client.parser.properties.none import NoneProperty
from openapi_python_client.parser.properties.string import StringProperty
from openapi_python_client.parser.properties.union import UnionProperty
from openapi_python_client.parser.properties.uuid import UuidProperty
from openapi_python_client.schema.openapi_schema_pydantic import Reference
from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import kebab_case, pascal_case

if TYPE_CHECKING:
    from collections.abc import Callable

    from openapi_python_client.parser.openapi import Endpoint, EndpointCollection
    from openapi_python_client.parser.properties import Property
    from openapi_python_client.parser.properties.protocol import PropertyProtocol
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
            return EventStream(
                model, terminal_events, extensions.get(MESSAGE_FIELD), extensions.get(PROGRESS_FIELD)
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


@dataclass(frozen=True)
class CliOption:
    """A parameter of an operation, or a field of its body, as the command line takes it (see
    templates/package/cli/_definitions.py.jinja)."""

    name: str
    """The argument of the operation's functions, or the field of the body on the wire."""
    flag: str
    location: str
    help: str
    kind: str = "string"
    choices: tuple[str, ...] = ()
    required: bool = False
    convert: str | None = None
    """Python code of the callable that turns the value given into the argument's type."""


@dataclass(frozen=True)
class CliCommand:
    """The command of one operation."""

    name: str
    module: str
    """The operation's module in the tag's package of `api`."""
    summary: str
    description: str
    options: tuple[CliOption, ...]
    body_model: str | None
    """The model whose fields are the body's options (None: no body, or one taken whole as `--body`)."""
    body_required: bool
    body_fields: tuple[CliOption, ...]
    events: EventStream | None


@dataclass(frozen=True)
class CliGroup:
    """The commands of one tag."""

    name: str
    tag: str
    commands: tuple[CliCommand, ...]


_CLI_KINDS = {
    IntProperty: "integer",
    FloatProperty: "number",
    BooleanProperty: "boolean",
    StringProperty: "string",
}
_CLI_PARSERS = {
    DateTimeProperty: "datetime.datetime.fromisoformat",
    DateProperty: "datetime.date.fromisoformat",
    UuidProperty: "uuid.UUID",
}


def _without_null(prop: PropertyProtocol) -> PropertyProtocol:
    """The one type a nullable property takes besides null; the property itself otherwise."""
    if isinstance(prop, UnionProperty):
        types = [inner for inner in prop.inner_properties if not isinstance(inner, NoneProperty)]
        if len(types) == 1:
            return types[0]
    return prop


def cli_option(
    prop: PropertyProtocol, *, name: str, location: str, help: str, convert: bool = True
) -> CliOption:
    """How the command line takes a property: its kind of value, and (with `convert`, for an argument of
    the operation's functions) how that value becomes the argument's type. A body's fields are not
    converted: the body is built by its model's `from_dict`, from the values as JSON has them."""
    flag = kebab_case(prop.name)
    base = CliOption(name, flag, location, " ".join(help.split()), required=prop.required)
    value = _without_null(prop)
    if isinstance(value, EnumProperty):
        enum = f"models.{value.class_info.name}" if convert else None
        if value.value_type is str:
            return replace(base, choices=tuple(str(v) for v in value.values.values()), convert=enum)
        return replace(base, kind="integer", convert=enum)
    if isinstance(value, ModelProperty):
        return replace(
            base, kind="json", convert=f"models.{value.class_info.name}.from_dict" if convert else None
        )
    if type(value) in _CLI_PARSERS:
        return replace(base, convert=_CLI_PARSERS[type(value)] if convert else None)
    return replace(base, kind=_CLI_KINDS.get(type(value), "json"))


def cli_group(
    tag: str,
    collection: EndpointCollection,
    describe: Callable[[Endpoint, Property], UntrustedString | str | None],
    events: Callable[[Endpoint], EventStream | None],
) -> CliGroup:
    """The commands of a tag: each named after its operationId, less the tag's name in front when no
    other operation of the tag has what remains as its name."""
    group = kebab_case(tag)
    full = [kebab_case(endpoint.name) for endpoint in collection.endpoints]
    short = [name.removeprefix(group + "-") for name in full]
    commands = [
        _cli_command(brief if short.count(brief) == 1 else name, endpoint, describe, events)
        for name, brief, endpoint in zip(full, short, collection.endpoints, strict=True)
    ]
    return CliGroup(group, tag, tuple(commands))


def _text(value: UntrustedString | str | None) -> str:
    return (value.get_untrusted_value() if isinstance(value, UntrustedString) else value or "").strip()


def _cli_command(
    name: str,
    endpoint: Endpoint,
    describe: Callable[[Endpoint, Property], UntrustedString | str | None],
    events: Callable[[Endpoint], EventStream | None],
) -> CliCommand:
    locations = (
        ("path", endpoint.path_parameters),
        ("query", endpoint.query_parameters),
        ("header", endpoint.header_parameters),
        ("cookie", endpoint.cookie_parameters),
    )
    options = [
        cli_option(prop, name=prop.python_name, location=location, help=_text(describe(endpoint, prop)))
        for location, props in locations
        for prop in props
    ]
    body = endpoint.bodies[0].prop if endpoint.bodies else None
    fields: list[CliOption] = []
    if isinstance(body, ModelProperty):
        model_fields = [*(body.required_properties or []), *(body.optional_properties or [])]
        fields = [
            cli_option(
                field, name=_text(field.name), location="body", help=_text(field.description), convert=False
            )
            for field in model_fields
        ]
    elif body is not None:
        options.append(
            replace(cli_option(body, name="body", location="body", help=_text(body.description)), flag="body")
        )
    return CliCommand(
        name=name,
        module=str(endpoint.name),
        summary=_text(endpoint.summary),
        description=_text(endpoint.description),
        options=tuple(options),
        body_model=body.class_info.name if isinstance(body, ModelProperty) else None,
        body_required=bool(body and body.required),
        body_fields=tuple(fields),
        events=events(endpoint),
    )
