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
class Operation:
    """One operation, one command.

    Attributes:
        name: The command's name, from the operationId.
        call: The operation's ``sync`` function.
        summary: The API's summary of the operation, shown in the list of commands.
        description: The API's description of the operation, shown by ``--help``.
        options: Its parameters, the arguments first.
        body: Its body, when the body is a model.
        stream: The operation's ``stream`` function, when it answers with a stream of events.
        progress_field: The field of an event's data that says how much is done, from 0 to 100.
    """

    name: str
    call: Callable[..., Any]
    summary: str = ""
    description: str = ""
    options: tuple[Option, ...] = ()
    body: Body | None = None
    stream: Callable[..., Stream[Any]] | None = None
    progress_field: str | None = None


@frozen
class Group:
    """The commands of the operations of one tag."""

    name: str
    help: str
    operations: tuple[Operation, ...]


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
        groups: The commands, by tag.
    """

    name: str
    project: str
    version: str
    help: str
    env_prefix: str
    default_url: str
    takes_key: bool
    groups: tuple[Group, ...]
