"""What a command line is made of: the data the generated ``cli`` package declares for each operation,
which ``_app`` turns into click commands. Nothing here needs the ``cli`` extra."""

from collections.abc import Callable, Mapping
from typing import Any, Literal

from attrs import frozen

from ..streaming import Stream

Kind = Literal["string", "integer", "number", "boolean", "json"]
"""What an option takes: text, a whole number, a number, a yes or no (``--x/--no-x``), or JSON text."""
Location = Literal["path", "query", "header", "cookie", "body"]


@frozen
class Option:
    """A parameter of an operation, or a field of its body. A path parameter is an argument of its
    command; everything else is an option, named ``--FLAG``, or ``--LOCATION-FLAG`` when another option
    of the command is named ``--FLAG`` already.

    Attributes:
        name: The keyword argument of the operation's functions, or the field of the body on the wire.
        flag: The option's name, in kebab-case, without ``--``.
        location: Where the request carries it.
        help: What it means, from the API's description.
        kind: What the option takes.
        choices: The values it may take, when the API lists them.
        required: Whether it must be given.
        convert: Turns the value given into what the operation's functions take (an enum, a date...).
    """

    name: str
    flag: str
    location: Location
    help: str = ""
    kind: Kind = "string"
    choices: tuple[str, ...] = ()
    required: bool = False
    convert: Callable[[Any], Any] | None = None


@frozen
class Body:
    """The request body of an operation, one option per field of its model.

    Attributes:
        build: The model's ``from_dict``: builds the body from the fields given, named as on the wire.
        required: Whether the request needs a body. When it does not, none is sent unless a field is given,
            and then the fields the model requires must be given too.
        fields: The model's fields.
    """

    build: Callable[[Mapping[str, Any]], Any]
    required: bool
    fields: tuple[Option, ...]


@frozen
class Progress:
    """The fields of an event's data that say how much of the work is done.

    Attributes:
        percentage: From 0 to 100.
        done_bytes: In bytes, with ``total_bytes`` the bytes in all.
        total_bytes: The bytes the work has in all.
    """

    percentage: str | None = None
    done_bytes: str | None = None
    total_bytes: str | None = None


@frozen
class Operation:
    """One operation, as its commands call it.

    Attributes:
        call: The operation's ``sync`` function.
        request: Its method and path, as ``POST /things``.
        summary: The first sentence of the API's description of the operation, shown in the list of commands.
        description: The API's description of the operation, shown by ``--help``.
        options: Its parameters, the arguments first.
        body: Its body, when the body is a model.
        stream: The operation's ``stream`` function, when it answers with a stream of events.
        progress: The fields of its events that say how much is done.
    """

    call: Callable[..., Any]
    request: str
    summary: str = ""
    description: str = ""
    options: tuple[Option, ...] = ()
    body: Body | None = None
    stream: Callable[..., Stream[Any]] | None = None
    progress: Progress = Progress()


@frozen
class Command:
    """A command, named as the client object names the operation's method.

    Attributes:
        name: The command's name.
        operation: What it calls.
        plain: What it calls with ``--no-stream``: the operation that answers at once what ``operation`` streams.
        hidden: Whether ``--help`` leaves it out: a name kept for the scripts that use it.
    """

    name: str
    operation: Operation
    plain: Operation | None = None
    hidden: bool = False


@frozen
class Group:
    """The commands of the operations of one resource of the client object."""

    name: str
    help: str
    commands: tuple[Command, ...]
    hidden: bool = False


@frozen
class CommandLine:
    """The command line of an API.

    Attributes:
        name: The command, as the package installs it (its console script).
        project: The package to install, with its ``cli`` extra.
        version: The package's version.
        help: What the API is, from its description.
        env_prefix: The environment variables ``<PREFIX>_URL`` and ``<PREFIX>_KEY`` hold the settings.
        default_url: The base URL when none is given: the API's first server.
        takes_key: Whether the API declares a credential, so the command line takes an API key.
        commands: The commands of the client object's own methods.
        groups: The commands of each resource of the client object.
    """

    name: str
    project: str
    version: str
    help: str
    env_prefix: str
    default_url: str
    takes_key: bool
    commands: tuple[Command, ...]
    groups: tuple[Group, ...]
