"""Every operation through `backups-api`, installed from the wheel, against a live server: for people
(fields, a table, a progress bar) and for scripts (`--json`), with help texts from the spec.

COMMANDS lists the commands these tests run; a new operation of the spec fails the first test until
it is run here too.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from openapi_python_client.strings import snake_case

from backups_api_client.api.backups import backups_snapshot
from backups_api_client.cli import COMMAND_LINE
from backups_api_client.cli._definitions import Command
from tests.helpers import DEVICE_NAME
from tests.specs import SPEC_PATH, load, operations, resolve

if TYPE_CHECKING:
    from tests.helpers import LiveServer

    from .conftest import CommandLine

pytestmark = pytest.mark.timeout(180)  # the first test of a session builds and installs the wheel

COMMANDS = {
    ("", "health"),
    ("", "metrics"),
    ("backups", "list"),
    ("backups", "create"),
    ("backups", "delete"),
    ("backups", "get"),
    ("backups", "restore"),
    ("backups", "creation-status"),
    ("backups", "cancel-creation"),
    ("backups", "restoration-status"),
    ("backups", "cancel-restoration"),
}
"""The commands `--help` lists: the client object's names (`client.backups.creation_status()`)."""

EARLIER_NAMES = [
    ("well-known", "get-well-known-health"),
    ("backups", "snapshot"),
    ("backups", "create-new-backup"),
    ("backups", "create-new-backup-streamed"),
    ("backups", "delete-specific-backup"),
    ("backup", "specific-backup-snapshot"),
    ("backup", "restore-specific-backup"),
    ("backup", "restore-specific-backup-streamed"),
    ("backup", "specific-creation-status"),
    ("backup", "specific-creation-cancel"),
    ("backup", "specific-restoration-status"),
    ("backup", "specific-restoration-cancel"),
]
"""The names of the operationIds, hidden, which scripts written for version 1.0.0 use."""
BYTES_DONE = re.compile(r"[\d.]+ (bytes|[kMG]B)/[\d.]+ (bytes|[kMG]B)")


def visible_commands() -> dict[tuple[str, str], Command]:
    commands = {("", command.name): command for command in COMMAND_LINE.commands}
    for group in COMMAND_LINE.groups:
        commands.update(((group.name, command.name), command) for command in group.commands)
    return {name: command for name, command in commands.items() if not command.hidden}


def run(*words: str) -> tuple[str, ...]:
    """A command's words on the command line: its group's, if it is in one, then its own."""
    return tuple(word for word in words if word)


def fields(text: str) -> dict[str, str]:
    """The fields of a model as shown to people, nested ones by their path: `backup.id`."""
    found: dict[str, str] = {}
    parents: list[str] = []
    for line in text.splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        label, _, value = line.strip().partition("  ")
        parents[depth:] = [label]
        found[".".join(parents)] = value.strip()
    return found


def table(text: str) -> list[list[str]]:
    """The header and rows of a table as shown to people."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]


def listed(server: LiveServer) -> list[str]:
    with server.client() as client:
        return [backup.id for backup in backups_snapshot.sync(client=client).iterable]


def succeeded(done: Any) -> Any:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_every_operation_has_a_command_and_runs_here() -> None:
    visible = visible_commands()
    reached = {command.operation.call for command in visible.values()}
    reached |= {command.plain.call for command in visible.values() if command.plain}

    assert set(visible) == COMMANDS
    assert len(reached) == len(list(operations(load(SPEC_PATH))))
    assert [name for name, command in visible.items() if command.plain] == [
        ("backups", "create"),
        ("backups", "restore"),
    ]


def test_every_operation_for_people(backups_api: CommandLine, server: LiveServer) -> None:
    assert succeeded(backups_api("health")).stdout == "ok\n"

    created = fields(succeeded(backups_api("backups", "create", "--no-stream")).stdout)
    assert (created["device name"], created["platform"]) == (DEVICE_NAME, "LINUX")
    assert int(created["bytes"]) > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created["created.value"])

    streamed = succeeded(backups_api("backups", "create"))
    final = fields(streamed.stdout)
    assert (final["status"], final["percentage"]) == ("COMPLETED", "100")
    assert final["backup.device name"] == DEVICE_NAME
    assert final["total bytes"] == final["processed bytes"] == final["backup.bytes"]
    assert streamed.stderr.split()[0] == "create"
    assert BYTES_DONE.search(streamed.stderr), streamed.stderr
    assert "%" not in streamed.stderr

    header, *rows = table(succeeded(backups_api("backups", "list")).stdout)
    assert header == ["ID", "VERSION", "TIMESTAMP", "BYTES", "CREATED", "DEVICE NAME", "PLATFORM"]
    assert [row[0] for row in rows] == [final["backup.id"], created["id"]] == listed(server)
    assert rows[1] == [
        created["id"],
        "1.0.0",
        created["timestamp"],
        created["bytes"],
        created["created.value"],
        DEVICE_NAME,
        "LINUX",
    ]

    one = created["id"]
    assert fields(succeeded(backups_api("backups", "get", one)).stdout)["id"] == one
    status = fields(succeeded(backups_api("backups", "creation-status", one)).stdout)
    assert (status["backup.id"], status["value"], status["percentage"]) == (one, "COMPLETED", "100")
    assert fields(succeeded(backups_api("backups", "restore", one, "--no-stream")).stdout)["id"] == one
    restoring = succeeded(backups_api("backups", "restore", one))
    assert fields(restoring.stdout)["status"] == "COMPLETED"
    assert restoring.stderr.split()[0] == "restore"
    assert BYTES_DONE.search(restoring.stderr), restoring.stderr
    status = fields(succeeded(backups_api("backups", "restoration-status", one)).stdout)
    assert (status["value"], status["percentage"]) == ("COMPLETED", "100")
    for cancel in ("cancel-creation", "cancel-restoration"):
        ended = backups_api("backups", cancel, one)
        assert ended.returncode == 1
        assert ended.stderr.startswith("Error: 409 Conflict: ")

    for backup in (created["id"], final["backup.id"]):
        deleted = succeeded(backups_api("backups", "delete", backup))
        assert (deleted.stdout, deleted.stderr) == ("", "")
    empty = succeeded(backups_api("backups", "list"))
    assert (empty.stdout, empty.stderr) == ("", "No items.\n")
    assert listed(server) == []


def test_every_operation_for_scripts(backups_api: CommandLine, server: LiveServer) -> None:
    assert json.loads(succeeded(backups_api("health", "--json")).stdout) == "ok"

    created = json.loads(succeeded(backups_api("backups", "create", "--no-stream", "--json")).stdout)
    assert (created["device_name"], created["platform"]) == (DEVICE_NAME, "LINUX")

    streamed = succeeded(backups_api("backups", "create", "--json"))
    events = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert events[0] == {"status": "INITIALIZED", "percentage": 0}
    assert {event["status"] for event in events[1:-1]} == {"IN-PROGRESS"}
    percentages = [event["percentage"] for event in events]
    assert percentages == sorted(percentages)
    assert (events[-1]["status"], events[-1]["percentage"]) == ("COMPLETED", 100)
    assert streamed.stderr == ""

    listing = json.loads(succeeded(backups_api("backups", "list", "--json")).stdout)
    assert listing["iterable"] == [events[-1]["backup"], created]
    assert [backup["id"] for backup in listing["iterable"]] == listed(server)

    one = created["id"]
    assert json.loads(succeeded(backups_api("backups", "get", one, "--json")).stdout) == created
    status = json.loads(succeeded(backups_api("backups", "creation-status", one, "--json")).stdout)
    assert status == {"backup": created, "value": "COMPLETED", "percentage": 100}
    restored = json.loads(succeeded(backups_api("backups", "restore", one, "--no-stream", "--json")).stdout)
    assert restored == created
    restoring = succeeded(backups_api("backups", "restore", one, "--json"))
    restoration = [json.loads(line) for line in restoring.stdout.splitlines()]
    assert [event["status"] for event in restoration][:: len(restoration) - 1] == ["INITIALIZED", "COMPLETED"]
    assert restoration[-1]["backup"] == created
    status = json.loads(succeeded(backups_api("backups", "restoration-status", one, "--json")).stdout)
    assert (status["value"], status["percentage"]) == ("COMPLETED", 100)
    for cancel in ("cancel-creation", "cancel-restoration"):
        assert backups_api("backups", cancel, one, "--json").returncode == 1

    for backup in (created["id"], events[-1]["backup"]["id"]):
        assert succeeded(backups_api("backups", "delete", backup, "--json")).stdout == ""
    assert json.loads(succeeded(backups_api("backups", "list", "--json")).stdout)["iterable"] == []


def listed_commands(backups_api: CommandLine, *group: str) -> set[str]:
    """The names `--help` lists under "Commands"."""
    shown = succeeded(backups_api(*group, "--help")).stdout
    section = shown.partition("\nCommands:\n")[2].partition("\n\n")[0]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ") and line[2] != " "}


def test_the_names_of_earlier_versions_still_run_but_are_not_listed(
    backups_api: CommandLine, server: LiveServer
) -> None:
    created = json.loads(succeeded(backups_api("backups", "create-new-backup", "--json")).stdout)
    one = created["id"]
    fetched = json.loads(succeeded(backups_api("backup", "specific-backup-snapshot", one, "--json")).stdout)
    health = succeeded(backups_api("well-known", "get-well-known-health"))

    assert fetched == created
    assert health.stdout == "ok\n"
    assert all(backups_api(group, name, "--help").returncode == 0 for group, name in EARLIER_NAMES)
    assert listed_commands(backups_api) == {"backups", "health", "metrics"}
    assert listed_commands(backups_api, "backups") == {name for group, name in COMMANDS if group == "backups"}
    assert listed(server) == [one]


def test_no_stream_refuses_what_only_the_stream_takes(backups_api: CommandLine, server: LiveServer) -> None:
    refused = backups_api("backups", "create", "--no-stream", "--last-event-id", "3")

    assert refused.returncode == 2
    assert "--last-event-id only applies to the stream: leave out --no-stream." in refused.stderr
    assert listed(server) == []


def test_shell_completion_offers_the_commands(backups_api: CommandLine) -> None:
    """click's completion: `eval "$(_BACKUPS_API_COMPLETE=bash_source backups-api)"` in ~/.bashrc."""
    script = succeeded(backups_api(_BACKUPS_API_COMPLETE="bash_source"))
    offered = succeeded(
        backups_api(_BACKUPS_API_COMPLETE="bash_complete", COMP_WORDS="backups-api backups ", COMP_CWORD="2")
    )

    assert "_backups_api_completion" in script.stdout
    names = {line.partition(",")[2] for line in offered.stdout.splitlines()}
    assert names == {name for group, name in COMMANDS if group == "backups"}


def test_a_body_is_sent_from_the_options_of_its_fields(backups_api: CommandLine, server: LiveServer) -> None:
    schema = '{"migration": 0, "semantic": "MAJOR_0_MINOR_0_PATCH_1"}'
    creation = backups_api("backups", "create", "--no-stream", "--schema", schema, "--json")
    created = json.loads(succeeded(creation).stdout)
    backup = created["id"]
    body = ["--id", backup, "--version", "1.0.0", "--timestamp", created["timestamp"]]
    body += ["--created", json.dumps(created["created"]), "--device-name", "x", "--platform", "LINUX"]

    incomplete = backups_api("backups", "delete", backup, "--id", backup)
    refused = backups_api("backups", "delete", backup, *body, "--bytes", "-1")
    deleted = backups_api("backups", "delete", backup, *body, "--bytes", "1")

    missing = "--version, --timestamp, --bytes, --created, --device-name, --platform"
    assert incomplete.returncode == 2
    assert f"Error: The request body needs {missing} too." in incomplete.stderr
    assert refused.returncode == 2  # the server validates the body it was sent
    assert refused.stderr.startswith("Error: 400 Bad Request: ")
    assert succeeded(deleted).stdout == ""
    assert listed(server) == []


def words(text: str) -> str:
    """The text without its whitespace, which help output wraps as it likes."""
    return "".join(text.split())


def help_text(backups_api: CommandLine, *arguments: str) -> str:
    return words(succeeded(backups_api(*arguments, "--help")).stdout)


def test_the_help_comes_from_the_spec(backups_api: CommandLine) -> None:
    """A command's line in a listing is the first sentence of its operation's description; its own help
    is the description, the method and path, and each parameter's description."""
    spec = load(SPEC_PATH)
    by_module = {snake_case(operation["operationId"]): operation for _, _, operation in operations(spec)}
    for (group, name), command in visible_commands().items():
        documented = by_module[command.operation.call.__module__.rpartition(".")[2]]
        listing = help_text(backups_api, *run(group))
        shown = help_text(backups_api, *run(group, name))
        first_sentence = documented["description"].split(". ")[0].rstrip(".\n") + "."
        assert words(name + first_sentence) in listing
        assert words(documented["description"]) in shown
        assert words(command.operation.request) in shown
        for parameter in (resolve(spec, node) for node in documented.get("parameters", [])):
            assert words(parameter["description"]) in shown
    assert "%/s" not in help_text(backups_api, "backups", "create")
