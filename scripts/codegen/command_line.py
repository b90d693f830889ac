"""The command line's model: its commands, named as the client object names its methods.

A resource of the client object is a group of commands, a method of the client object itself a command
at the top: `client.backups.list()` is `COMMAND backups list`. A method with a streamed variant (the
same name plus `_streamed`) is one command that streams, unless told `--no-stream`; the variant keeps
its own name, hidden. The names of earlier versions (the tag, then the operationId less the tag in
front) stay, hidden, so scripts that use them go on working.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from openapi_python_client.strings import kebab_case

from .text import first_sentence, plain

if TYPE_CHECKING:
    from collections.abc import Callable

    from openapi_python_client.parser.openapi import Endpoint
    from openapi_python_client.parser.properties import Property
    from openapi_python_client.parser.properties.protocol import PropertyProtocol
    from openapi_python_client.schema.untrusted_string import UntrustedString

    from .endpoints import EventStream
    from .resources import ClientMethod, ClientResource

    Describe = Callable[[Endpoint, Property], UntrustedString | str | None]
    Events = Callable[[Endpoint], EventStream | None]


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
class CliOperation:
    """One operation, as the commands that call it take it."""

    module: str
    """The operation's module in the `tag` package of `api`."""
    tag: str
    request: str
    """The method and the path, as `POST /things`."""
    summary: str
    """The first sentence of the operation's description: its line in a list of commands."""
    description: str
    options: tuple[CliOption, ...]
    body_model: str | None
    """The model whose fields are the body's options (None: no body, or one taken whole as `--body`)."""
    body_required: bool
    body_fields: tuple[CliOption, ...]
    events: EventStream | None


@dataclass(frozen=True)
class CliCommand:
    """A command: the operation it calls, and the one `--no-stream` calls instead, if any."""

    name: str
    operation: CliOperation
    plain: CliOperation | None = None
    hidden: bool = False


@dataclass(frozen=True)
class CliGroup:
    name: str
    help: str
    commands: tuple[CliCommand, ...]
    hidden: bool = False


@dataclass(frozen=True)
class CommandLineModel:
    operations: tuple[CliOperation, ...]
    """Every operation once."""
    commands: tuple[CliCommand, ...]
    """The commands at the top, beside the groups."""
    groups: tuple[CliGroup, ...]


def command_line(
    resources: tuple[ClientResource, ...], tags: dict[str, str | None], describe: Describe, events: Events
) -> CommandLineModel:
    """The command line of the client object's resources; `tags` holds each tag's description, by name."""
    operations = {
        method.module: cli_operation(method, describe, events)
        for resource in resources
        for method in resource.methods
    }
    commands = {resource.command: _commands(resource, operations) for resource in resources}
    groups = {name: list(found) for name, found in commands.items() if name}
    hidden_groups: dict[str, list[CliCommand]] = {}
    for resource in resources:
        for group, name, method in _earlier_names(resource):
            into = groups[group] if group in groups else hidden_groups.setdefault(group, [])
            if all(command.name != name for command in into):
                into.append(CliCommand(name, operations[method.module], hidden=True))
    helps = {resource.command: _help(resource, tags) for resource in resources}
    return CommandLineModel(
        tuple(operations.values()),
        commands.get("", ()),
        tuple(CliGroup(name, helps[name], tuple(found)) for name, found in groups.items())
        + tuple(CliGroup(name, "", tuple(found), hidden=True) for name, found in hidden_groups.items()),
    )


def _help(resource: ClientResource, tags: dict[str, str | None]) -> str:
    """What a group is for: the descriptions of the tags of its operations."""
    spanned = dict.fromkeys(method.tag for method in resource.methods)
    return " ".join(filter(None, (plain(tags.get(tag)) for tag in spanned)))


def _commands(resource: ClientResource, operations: dict[str, CliOperation]) -> tuple[CliCommand, ...]:
    commands = []
    for method in resource.methods:
        streamed = resource.streamed_variant(method)
        if streamed is not None:
            commands.append(
                CliCommand(method.command, operations[streamed.module], operations[method.module])
            )
        else:
            hidden = resource.plain_variant(method) is not None
            commands.append(CliCommand(method.command, operations[method.module], hidden=hidden))
    return tuple(commands)


def _earlier_names(resource: ClientResource) -> list[tuple[str, str, ClientMethod]]:
    """The group and the name each method's command had before the client object named it: the tag,
    and the operationId less the tag in front, unless another operation of the tag is named so."""
    named = []
    for method in resource.methods:
        tag = kebab_case(str(method.endpoint.tags[0]) if method.endpoint.tags else method.tag)
        full = kebab_case(str(method.endpoint.name))
        named.append((tag, full, full.removeprefix(tag + "-"), method))
    briefs = [(tag, brief) for tag, _, brief, _ in named]
    return [
        (tag, brief if briefs.count((tag, brief)) == 1 else full, method)
        for tag, full, brief, method in named
    ]


def cli_operation(method: ClientMethod, describe: Describe, events: Events) -> CliOperation:
    endpoint = method.endpoint
    locations = (
        ("path", endpoint.path_parameters),
        ("query", endpoint.query_parameters),
        ("header", endpoint.header_parameters),
        ("cookie", endpoint.cookie_parameters),
    )
    options = [
        cli_option(prop, name=prop.python_name, location=location, help=plain(describe(endpoint, prop)))
        for location, props in locations
        for prop in props
    ]
    body = endpoint.bodies[0].prop if endpoint.bodies else None
    fields: list[CliOption] = []
    if isinstance(body, ModelProperty):
        model_fields = [*(body.required_properties or []), *(body.optional_properties or [])]
        fields = [
            cli_option(
                field, name=plain(field.name), location="body", help=plain(field.description), convert=False
            )
            for field in model_fields
        ]
    elif body is not None:
        options.append(
            replace(cli_option(body, name="body", location="body", help=plain(body.description)), flag="body")
        )
    return CliOperation(
        module=method.module,
        tag=method.tag,
        request=f"{endpoint.method.upper()} {plain(endpoint.path)}",
        summary=first_sentence(endpoint.description) or plain(endpoint.summary),
        description=plain(endpoint.description),
        options=tuple(options),
        body_model=body.class_info.name if isinstance(body, ModelProperty) else None,
        body_required=bool(body and body.required),
        body_fields=tuple(fields),
        events=events(endpoint),
    )


_KINDS: dict[type[Any], str] = {
    IntProperty: "integer",
    FloatProperty: "number",
    BooleanProperty: "boolean",
    StringProperty: "string",
}
_PARSERS: dict[type[Any], str] = {
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
    if type(value) in _PARSERS:
        return replace(base, convert=_PARSERS[type(value)] if convert else None)
    return replace(base, kind=_KINDS.get(type(value), "json"))


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
