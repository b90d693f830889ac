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
from tests.specs import SPEC_PATH, load, operations, resolve

from ..conftest import DEVICE_NAME

if TYPE_CHECKING:
    from ..conftest import LiveServer
    from .conftest import CommandLine

pytestmark = pytest.mark.timeout(180)  # the first test of a session builds and installs the wheel

COMMANDS = {
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
}


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
    declared = {
        (group.name, operation.name) for group in COMMAND_LINE.groups for operation in group.operations
    }
    assert declared == COMMANDS
    assert len(declared) == len(list(operations(load(SPEC_PATH))))


def test_every_operation_for_people(backups_api: CommandLine, server: LiveServer) -> None:
    assert succeeded(backups_api("well-known", "get-well-known-health")).stdout == "ok\n"

    created = fields(succeeded(backups_api("backups", "create-new-backup")).stdout)
    assert (created["device name"], created["platform"]) == (DEVICE_NAME, "LINUX")
    assert int(created["bytes"]) > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created["created.value"])

    streamed = succeeded(backups_api("backups", "create-new-backup-streamed"))
    final = fields(streamed.stdout)
    assert (final["status"], final["percentage"]) == ("COMPLETED", "100")
    assert final["backup.device name"] == DEVICE_NAME
    bar = streamed.stderr.split()
    assert bar[0] == "create-new-backup-streamed"
    assert "100%" in bar
    assert "%/s" in bar
    assert "ETA" in bar

    header, *rows = table(succeeded(backups_api("backups", "snapshot")).stdout)
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
    assert fields(succeeded(backups_api("backup", "specific-backup-snapshot", one)).stdout)["id"] == one
    status = fields(succeeded(backups_api("backup", "specific-creation-status", one)).stdout)
    assert (status["backup.id"], status["value"], status["percentage"]) == (one, "COMPLETED", "100")
    assert fields(succeeded(backups_api("backup", "restore-specific-backup", one)).stdout)["id"] == one
    restoring = succeeded(backups_api("backup", "restore-specific-backup-streamed", one))
    assert fields(restoring.stdout)["status"] == "COMPLETED"
    assert restoring.stderr.split()[0] == "restore-specific-backup-streamed"
    assert "100%" in restoring.stderr.split()
    status = fields(succeeded(backups_api("backup", "specific-restoration-status", one)).stdout)
    assert (status["value"], status["percentage"]) == ("COMPLETED", "100")
    for cancel in ("specific-creation-cancel", "specific-restoration-cancel"):
        ended = backups_api("backup", cancel, one)
        assert ended.returncode == 1
        assert ended.stderr.startswith("Error: 409 Conflict: ")

    for backup in (created["id"], final["backup.id"]):
        deleted = succeeded(backups_api("backups", "delete-specific-backup", backup))
        assert (deleted.stdout, deleted.stderr) == ("", "")
    empty = succeeded(backups_api("backups", "snapshot"))
    assert (empty.stdout, empty.stderr) == ("", "No items.\n")
    assert listed(server) == []


def test_every_operation_for_scripts(backups_api: CommandLine, server: LiveServer) -> None:
    assert json.loads(succeeded(backups_api("well-known", "get-well-known-health", "--json")).stdout) == "ok"

    created = json.loads(succeeded(backups_api("backups", "create-new-backup", "--json")).stdout)
    assert (created["device_name"], created["platform"]) == (DEVICE_NAME, "LINUX")

    streamed = succeeded(backups_api("backups", "create-new-backup-streamed", "--json"))
    events = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert events[0] == {"status": "INITIALIZED", "percentage": 0}
    assert {event["status"] for event in events[1:-1]} == {"IN-PROGRESS"}
    percentages = [event["percentage"] for event in events]
    assert percentages == sorted(percentages)
    assert (events[-1]["status"], events[-1]["percentage"]) == ("COMPLETED", 100)
    assert streamed.stderr == ""

    listing = json.loads(succeeded(backups_api("backups", "snapshot", "--json")).stdout)
    assert listing["iterable"] == [events[-1]["backup"], created]
    assert [backup["id"] for backup in listing["iterable"]] == listed(server)

    one = created["id"]
    snapshot = json.loads(succeeded(backups_api("backup", "specific-backup-snapshot", one, "--json")).stdout)
    assert snapshot == created
    status = json.loads(succeeded(backups_api("backup", "specific-creation-status", one, "--json")).stdout)
    assert status == {"backup": created, "value": "COMPLETED", "percentage": 100}
    restored = json.loads(succeeded(backups_api("backup", "restore-specific-backup", one, "--json")).stdout)
    assert restored == created
    restoring = succeeded(backups_api("backup", "restore-specific-backup-streamed", one, "--json"))
    restoration = [json.loads(line) for line in restoring.stdout.splitlines()]
    assert [event["status"] for event in restoration][:: len(restoration) - 1] == ["INITIALIZED", "COMPLETED"]
    assert restoration[-1]["backup"] == created
    status = json.loads(succeeded(backups_api("backup", "specific-restoration-status", one, "--json")).stdout)
    assert (status["value"], status["percentage"]) == ("COMPLETED", 100)
    for cancel in ("specific-creation-cancel", "specific-restoration-cancel"):
        assert backups_api("backup", cancel, one, "--json").returncode == 1

    for backup in (created["id"], events[-1]["backup"]["id"]):
        assert succeeded(backups_api("backups", "delete-specific-backup", backup, "--json")).stdout == ""
    assert json.loads(succeeded(backups_api("backups", "snapshot", "--json")).stdout)["iterable"] == []


def test_a_body_is_sent_from_the_options_of_its_fields(backups_api: CommandLine, server: LiveServer) -> None:
    schema = '{"migration": 0, "semantic": "MAJOR_0_MINOR_0_PATCH_1"}'
    creation = backups_api("backups", "create-new-backup", "--schema", schema, "--json")
    created = json.loads(succeeded(creation).stdout)
    backup = created["id"]
    body = ["--id", backup, "--version", "1.0.0", "--timestamp", created["timestamp"]]
    body += ["--created", json.dumps(created["created"]), "--device-name", "x", "--platform", "LINUX"]

    incomplete = backups_api("backups", "delete-specific-backup", backup, "--id", backup)
    refused = backups_api("backups", "delete-specific-backup", backup, *body, "--bytes", "-1")
    deleted = backups_api("backups", "delete-specific-backup", backup, *body, "--bytes", "1")

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
    spec = load(SPEC_PATH)
    by_module = {snake_case(operation["operationId"]): operation for _, _, operation in operations(spec)}
    assert all(words(tag["description"]) in help_text(backups_api) for tag in spec["tags"])
    for group in COMMAND_LINE.groups:
        listing = help_text(backups_api, group.name)
        for operation in group.operations:
            documented = by_module[operation.call.__module__.rpartition(".")[2]]
            shown = help_text(backups_api, group.name, operation.name)
            assert words(operation.name + documented["summary"]) in listing
            assert words(documented["description"]) in shown
            for parameter in (resolve(spec, node) for node in documented.get("parameters", [])):
                assert words(parameter["description"]) in shown
