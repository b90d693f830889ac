"""The command line of an API, built with click from the commands its ``cli`` package declares.

Every operation is a command, in the group of its resource of the client object. A command takes the
operation's parameters and the fields of its body, ``--no-stream`` when it streams what another
operation answers at once, and the settings:

- ``--base-url`` (or ``<PREFIX>_URL``): where the API is served; the API's first server by default.
- the API key, when the API declares a credential: ``--api-key`` to be asked for it, else
  ``--api-key-file FILE`` (or ``<PREFIX>_KEY_FILE``), else ``<PREFIX>_KEY``. A key is never taken on
  the command line, where other users see it (``ps``), and never printed: a message that would hold
  it shows ``***`` in its place.
- ``--json``: the output for scripts (see ``_output``); ``--timeout`` and ``--max-retries``: the client's.

Results go to standard output, messages to standard error, and the exit code says how it went
(:class:`ExitCode`).
"""

import json
import os
import sys
from enum import IntEnum
from pathlib import Path
from typing import Any

import click
import httpx
from attrs import frozen

from .. import errors
from ..client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AuthenticatedClient, Client
from ._definitions import Command, CommandLine, Kind, Operation, Option
from ._output import ForPeople, ForScripts, Output, report


class ExitCode(IntEnum):
    """How a command ended: one code per kind of error of the client's error hierarchy."""

    OK = 0
    ERROR = 1
    USAGE = 2
    AUTHENTICATION = 3
    NOT_FOUND = 4
    SERVER = 5
    CONNECTION = 6
    INTERRUPTED = 130


EXIT_CODES = {
    ExitCode.OK: "done",
    ExitCode.ERROR: "any other error: an answer the API does not document, a request the state refuses (409), an event that cannot be read, the `cli` extra missing",
    ExitCode.USAGE: "usage: the command line is wrong, or the server refused the request as malformed (400, 422)",
    ExitCode.AUTHENTICATION: "authentication: no API key, or the key was refused (401, 403, 407, 511)",
    ExitCode.NOT_FOUND: "not found: what the request names does not exist (404, 410)",
    ExitCode.SERVER: "server: the server failed (5xx), or a streamed operation ended with a failure event",
    ExitCode.CONNECTION: "connection: no answer, none in time, or a stream that broke off and could not be resumed",
    ExitCode.INTERRUPTED: "interrupted: Ctrl-C (a stream is closed first)",
}
"""What each exit code means, as the package README says it too."""
AUTHENTICATION_STATUSES = frozenset({401, 403, 407, 511})
NOT_FOUND_STATUSES = frozenset({404, 410})
USAGE_STATUSES = frozenset({400, 422})
SETTINGS = frozenset({"base-url", "api-key", "api-key-file", "json", "timeout", "max-retries", "no-stream", "help"})
"""The options of every command: an operation's option of the same name is prefixed with its location."""


def exit_code(error: errors.APIError) -> ExitCode:
    """The exit code of an error of the client."""
    if isinstance(error, errors.APIStatusError):
        status = error.status_code
        if status in AUTHENTICATION_STATUSES:
            return ExitCode.AUTHENTICATION
        if status in NOT_FOUND_STATUSES:
            return ExitCode.NOT_FOUND
        if status in USAGE_STATUSES:
            return ExitCode.USAGE
        return ExitCode.SERVER if status >= 500 else ExitCode.ERROR
    if isinstance(error, errors.StreamFailed):
        return ExitCode.SERVER
    if isinstance(error, errors.APIConnectionError | errors.StreamTruncated):
        return ExitCode.CONNECTION
    return ExitCode.ERROR


def run(command_line: CommandLine, args: list[str] | None = None) -> None:
    """Run the command line with `args` (the process's by default), and exit with its exit code."""
    build(command_line).main(args, prog_name=command_line.name)


def build(command_line: CommandLine) -> click.Group:
    """The click group of the command line: a command per command of the client object's own methods, a
    group per resource."""
    codes = "\n".join(f"  {int(code):>3}  {meaning}" for code, meaning in EXIT_CODES.items())
    groups = [
        click.Group(
            group.name,
            help=group.help,
            commands=[command(command_line, value) for value in group.commands],
            hidden=group.hidden,
        )
        for group in command_line.groups
    ]
    root = click.Group(
        command_line.name,
        help=command_line.help,
        epilog=f"\b\nExit codes:\n{codes}",
        commands=[*(command(command_line, value) for value in command_line.commands), *groups],
        context_settings={"max_content_width": 100},
    )
    return click.version_option(command_line.version, prog_name=command_line.name)(root)


class OperationCommand(click.Command):
    """A command whose help lists its arguments, with what they mean."""

    def __init__(self, *args: Any, arguments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arguments = arguments

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(self.arguments)
        super().format_options(ctx, formatter)


def command(command_line: CommandLine, value: Command) -> click.Command:
    """The click command of a command: its operation's options and the settings."""
    operation = value.operation
    body_fields = operation.body.fields if operation.body else ()
    options = [*operation.options, *body_fields]
    flags = option_flags(options)
    body_required = operation.body is not None and operation.body.required
    parameters = [
        parameter(option, flag, f"p{index}", required=option.required and (option.location != "body" or body_required))
        for index, (option, flag) in enumerate(zip(options, flags))
    ]
    if value.plain is not None:
        parameters.append(
            click.Option(
                ["--no-stream"],
                is_flag=True,
                help=f"Call {value.plain.request} instead, which answers once it is done, with no progress.",
            )
        )

    def callback(**given: Any) -> None:
        values = [given.pop(f"p{index}") for index in range(len(options))]
        arguments = operation_arguments(operation, flags, values)
        called = operation
        if given.pop("no_stream", False) and value.plain is not None:
            called = value.plain
            arguments = plain_arguments(value.plain, arguments, dict(zip((o.name for o in options), flags)))
        raise click.exceptions.Exit(invoke(command_line, value.name, called, given, arguments))

    epilog = [operation.request]
    if operation.body and not operation.body.required:
        required = [f"--{flag}" for field, flag in zip(body_fields, flags[len(operation.options) :]) if field.required]
        note = "The request body is optional: it is sent when one of its fields is given"
        epilog.append(note + (f", and then {', '.join(required)} must be too." if required else "."))
    return OperationCommand(
        value.name,
        params=[*parameters, *settings_parameters(command_line)],
        callback=callback,
        help=operation.description or operation.summary,
        short_help=operation.summary or None,
        epilog="\n\n".join(epilog),
        hidden=value.hidden,
        arguments=[(flag.upper(), option.help) for option, flag in zip(options, flags) if option.location == "path"],
    )


def plain_arguments(plain: Operation, arguments: dict[str, Any], flags: dict[str, str]) -> dict[str, Any]:
    """The arguments of the operation `--no-stream` calls: those of the streamed one, all of which it must take."""
    taken = {option.name for option in plain.options} | ({"body"} if plain.body else set())
    if extra := [f"--{flags.get(name, name)}" for name in arguments if name not in taken]:
        raise click.UsageError(f"{', '.join(extra)} only applies to the stream: leave out --no-stream.")
    return arguments


def option_flags(options: list[Option]) -> list[str]:
    """The name of each option: its flag, or its location and flag when the name is taken already."""
    taken = set(SETTINGS)
    flags = []
    for option in options:
        flag = option.flag if option.flag not in taken else f"{option.location}-{option.flag}"
        taken.add(flag)
        flags.append(flag)
    return flags


def json_value(text: str) -> Any:
    """The value of an option that takes JSON text."""
    return json.loads(text)


KINDS: dict[Kind, Any] = {
    "string": click.STRING,
    "integer": click.INT,
    "number": click.FLOAT,
    "boolean": click.BOOL,
    "json": json_value,
}
"""The click type of each kind of option."""


def parameter(option: Option, flag: str, name: str, *, required: bool) -> click.Parameter:
    """The click argument (a path parameter) or option of an operation's option."""
    kind = click.Choice(option.choices) if option.choices else KINDS[option.kind]
    if option.location == "path":
        return click.Argument([name], type=kind, metavar=flag.upper())
    if option.kind == "boolean":
        return click.Option([f"--{flag}/--no-{flag}", name], default=None, required=required, help=option.help)
    metavar = "JSON" if option.kind == "json" else None
    return click.Option([f"--{flag}", name], type=kind, metavar=metavar, required=required, help=option.help)


def operation_arguments(operation: Operation, flags: list[str], values: list[Any]) -> dict[str, Any]:
    """The keyword arguments of the operation's functions, from the values of its options (None: not given)."""
    arguments: dict[str, Any] = {}
    for option, flag, value in zip(operation.options, flags, values):
        if value is None:
            continue
        try:
            arguments[option.name] = option.convert(value) if option.convert else value
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise click.BadParameter(str(error), param_hint=flag.upper() if option.location == "path" else f"--{flag}")
    if operation.body is None:
        return arguments
    count = len(operation.options)
    body = list(zip(operation.body.fields, flags[count:], values[count:]))
    fields = {field.name: value for field, _, value in body if value is not None}
    if not (fields or operation.body.required):
        return arguments
    missing = [f"--{flag}" for field, flag, value in body if field.required and value is None]
    if missing:
        raise click.UsageError(f"The request body needs {', '.join(missing)} too.")
    try:
        arguments["body"] = operation.body.build(fields)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise click.UsageError(f"These options do not make a valid request body: {error!r}")
    return arguments


def settings_parameters(command_line: CommandLine) -> list[click.Parameter]:
    """The settings every command of the command line takes."""
    prefix = command_line.env_prefix
    parameters: list[click.Parameter] = [
        click.Option(
            ["--base-url"],
            metavar="URL",
            envvar=f"{prefix}_URL",
            show_envvar=True,
            default=command_line.default_url,
            show_default=True,
            help="Where the API is served.",
        )
    ]
    if command_line.takes_key:
        parameters += [
            click.Option(
                ["--api-key-file"],
                metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                envvar=f"{prefix}_KEY_FILE",
                show_envvar=True,
                help=f"Read the API key from the first line of FILE, instead of the environment variable {prefix}_KEY.",
            ),
            click.Option(
                ["--api-key"],
                is_flag=True,
                help=(
                    "Ask for the API key, without echoing it (read from standard input when that is not a "
                    "terminal). The key is never taken on the command line, where other users see it."
                ),
            ),
        ]
    parameters += [
        click.Option(
            ["--json"],
            is_flag=True,
            help="Print the answer's body as JSON; for a stream, the data of each event as one line of JSON.",
        ),
        click.Option(
            ["--timeout"],
            type=click.FloatRange(min=0, min_open=True),
            metavar="SECONDS",
            help=(
                "How long to wait to connect, and for each read; for a stream, the longest silence between two "
                f"events. By default {DEFAULT_TIMEOUT.connect:g} s to connect and {DEFAULT_TIMEOUT.read:g} s to read."
            ),
        ),
        click.Option(
            ["--max-retries"],
            type=click.IntRange(min=0),
            metavar="N",
            default=DEFAULT_MAX_RETRIES,
            show_default=True,
            help="How many times a request that is safe to repeat is retried after a failure that may pass.",
        ),
    ]
    return parameters


@frozen
class Settings:
    """The settings of one command, with the API key and where it came from (the prompt, a file, or
    the environment variable that holds it, or would)."""

    base_url: str
    api_key: str | None
    key_source: str
    json: bool
    timeout: float | None
    max_retries: int

    @classmethod
    def read(cls, command_line: CommandLine, given: dict[str, Any]) -> "Settings":
        """The settings from the options given, the environment, and the prompt for the key."""
        try:
            url = httpx.URL(given["base_url"])
        except httpx.InvalidURL as error:
            raise click.BadParameter(str(error), param_hint="--base-url") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise click.BadParameter("an http:// or https:// URL is needed", param_hint="--base-url")
        api_key, key_source = None, ""
        if command_line.takes_key:
            api_key, key_source = read_api_key(command_line.env_prefix, given["api_key"], given["api_key_file"])
        return cls(given["base_url"], api_key, key_source, given["json"], given["timeout"], given["max_retries"])

    def client(self) -> AuthenticatedClient | Client:
        options: dict[str, Any] = {"base_url": self.base_url, "max_retries": self.max_retries}
        if self.timeout is not None:
            options["timeout"] = self.timeout
        if self.api_key is None:
            return Client(**options)
        return AuthenticatedClient(token=self.api_key, **options)

    def redact(self, message: str) -> str:
        """The message, with the API key replaced by ``***`` wherever it appears."""
        return message.replace(self.api_key, "***") if self.api_key else message

    def hint(self, code: ExitCode) -> str | None:
        """What to check, after an error of authentication."""
        if code is not ExitCode.AUTHENTICATION or not self.key_source:
            return None
        if self.api_key:
            return f"The API key from {self.key_source} was refused."
        return f"No API key was given: set {self.key_source}, or use --api-key-file or --api-key."


def read_api_key(prefix: str, ask: bool, path: Path | None) -> tuple[str | None, str]:
    """The API key, from the prompt, else the file, else the environment, and where it came from."""
    key: str | None
    if ask:
        key, source = prompt_for_key(), "the prompt"
    elif path:
        key, source = next(iter(path.read_text(encoding="utf-8").splitlines()), ""), f"the file {path}"
    else:
        key, source = os.environ.get(f"{prefix}_KEY"), f"{prefix}_KEY"
    key = key.strip() if key is not None else None
    if key is not None and not (key and all(" " <= character <= "~" for character in key)):
        raise click.UsageError(f"The API key from {source} is empty, or has characters an HTTP header cannot carry.")
    return key, source


def prompt_for_key() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("API key", hide_input=True, err=True)).strip()
    return sys.stdin.readline().strip()


def invoke(
    command_line: CommandLine, name: str, operation: Operation, given: dict[str, Any], arguments: dict[str, Any]
) -> ExitCode:
    """Read the settings, call the operation and show its outcome; the exit code."""
    try:
        settings = Settings.read(command_line, given)
        output: Output = ForScripts() if settings.json else ForPeople(name)
        with settings.client() as client:
            if operation.stream is None:
                output.result(operation.call(client=client, **arguments))
            else:
                with operation.stream(client=client, **arguments) as events:
                    output.follow(events, operation.progress)
    except (KeyboardInterrupt, click.Abort):
        report("Interrupted.", error=False)
        return ExitCode.INTERRUPTED
    except errors.APIError as error:
        code = exit_code(error)
        report(settings.redact(describe(error)))
        if hint := settings.hint(code):
            report(hint, error=False)
        return code
    return ExitCode.OK


def describe(error: errors.APIError) -> str:
    """What went wrong, for people: the error, and what caused it."""
    cause = error.__cause__
    return f"{error} ({cause})" if cause and str(cause) else str(error)
