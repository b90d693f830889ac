"""The exit code of each kind of error, its message on standard error, and the API key never in
either output, whichever way it was given."""

from __future__ import annotations

import json
import socket
from contextlib import suppress
from typing import TYPE_CHECKING

import pytest

from backups_api_client.cli._app import EXIT_CODES, ExitCode
from tests.helpers import ROOT

from .conftest import CommandLine

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer, ServerFactory

pytestmark = pytest.mark.timeout(180)  # the first test of a session builds and installs the wheel

SNAPSHOT_FAILED = "The database could not be snapshotted; see the server log"
WRONG_KEY = "wrong-key-5d1e7b"


def test_a_wrong_key_exits_3_and_is_never_shown(backups_api: CommandLine, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(WRONG_KEY + "\n")

    runs = {
        "BACKUPS_API_KEY": backups_api("backups", "list", BACKUPS_API_KEY=WRONG_KEY),
        f"the file {key_file}": backups_api("backups", "list", "--api-key-file", str(key_file)),
        "the prompt": backups_api("backups", "list", "--api-key", input=WRONG_KEY + "\n"),
    }

    for source, done in runs.items():
        assert done.returncode == ExitCode.AUTHENTICATION
        assert done.stdout == ""
        assert done.stderr.splitlines() == [
            "Error: 511 Network Authentication Required: Authentication Required, This means that you user "
            "needs to be authenticated with OS in order to perform this action",
            f"The API key from {source} was refused.",
        ]


def test_no_key_exits_3_and_says_how_to_give_one(backups_api: CommandLine) -> None:
    done = backups_api("backups", "list", BACKUPS_API_KEY=None)

    assert done.returncode == ExitCode.AUTHENTICATION
    assert done.stderr.splitlines()[-1] == (
        "No API key was given: set BACKUPS_API_KEY, or use --api-key-file or --api-key."
    )


def test_the_key_from_a_file_or_the_prompt_comes_first(
    backups_api: CommandLine, server: LiveServer, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{server.api_key}\nanother-key\n")  # one per line, as the server reads them

    wrong = {"BACKUPS_API_KEY": WRONG_KEY}
    from_option = backups_api("backups", "list", "--json", "--api-key-file", str(key_file), **wrong)
    from_variable = backups_api("backups", "list", "--json", BACKUPS_API_KEY_FILE=str(key_file), **wrong)
    asked = backups_api("backups", "list", "--json", "--api-key", input=server.api_key + "\n", **wrong)

    for done in (from_option, from_variable, asked):
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"iterable": [], "indices": {}}


def test_a_key_is_never_taken_on_the_command_line(backups_api: CommandLine) -> None:
    done = backups_api("backups", "list", f"--api-key={WRONG_KEY}")

    assert done.returncode == ExitCode.USAGE
    assert "Error: Option '--api-key' does not take a value." in done.stderr
    assert WRONG_KEY not in done.stdout + done.stderr


def test_a_key_a_header_cannot_carry_is_refused_unsent(backups_api: CommandLine) -> None:
    done = backups_api("backups", "list", BACKUPS_API_KEY="two\nlines")

    assert done.returncode == ExitCode.USAGE
    assert "The API key from BACKUPS_API_KEY is empty, or has characters an HTTP header cannot carry." in (
        done.stderr
    )
    assert "two" not in done.stderr


def test_an_unknown_id_exits_4(backups_api: CommandLine) -> None:
    done = backups_api("backups", "delete", "1.0.0_1")

    assert done.returncode == ExitCode.NOT_FOUND
    assert done.stderr == "Error: 404 Not Found: Backup 1.0.0_1 was not found\n"


def test_a_server_that_is_down_exits_6(backups_api: CommandLine, refusing_port: int) -> None:
    url = f"http://127.0.0.1:{refusing_port}"
    done = backups_api("backups", "list", "--base-url", url, "--max-retries", "0", BACKUPS_API_KEY=WRONG_KEY)

    assert done.returncode == ExitCode.CONNECTION
    assert done.stderr.startswith(f"Error: The server could not be reached: GET {url}/backups (")
    assert WRONG_KEY not in done.stderr


def test_usage_errors_exit_2(backups_api: CommandLine) -> None:
    unknown_option = backups_api("backups", "list", "--newest")
    not_a_url = backups_api("backups", "list", "--base-url", "localhost:8080")
    missing_argument = backups_api("backups", "delete")
    refused_by_the_server = backups_api("backups", "delete", "not an id!")

    assert unknown_option.returncode == missing_argument.returncode == ExitCode.USAGE
    assert "Error: No such option '--newest'." in unknown_option.stderr
    assert "Error: Missing argument 'BACKUP'." in missing_argument.stderr
    assert not_a_url.returncode == ExitCode.USAGE
    assert "Invalid value for --base-url: an http:// or https:// URL is needed" in not_a_url.stderr
    assert refused_by_the_server.returncode == ExitCode.USAGE
    assert refused_by_the_server.stderr.startswith("Error: 400 Bad Request: ")


def test_a_failing_server_exits_5(start_server: ServerFactory, installed: Path) -> None:
    blocker = start_server.tmp_path / "not-a-folder"
    blocker.write_text("a file where the store folder should be")
    server = start_server(environment={"BACKUPS_STORE": blocker.as_uri()})
    backups_api = CommandLine(installed, {"BACKUPS_API_URL": server.url, "BACKUPS_API_KEY": server.api_key})

    done = backups_api("backups", "list", "--max-retries", "0")

    assert done.returncode == ExitCode.SERVER
    assert done.stderr == "Error: 500 Internal Server Error: The backup store failed; see the server log\n"


@pytest.mark.parametrize("output", ["people", "json"])
def test_a_failed_stream_exits_5_with_its_message(
    start_server: ServerFactory, installed: Path, output: str
) -> None:
    broken = start_server.tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a SQLite database" * 1000)
    server = start_server(database=broken)
    backups_api = CommandLine(installed, {"BACKUPS_API_URL": server.url, "BACKUPS_API_KEY": server.api_key})

    done = backups_api("backups", "create", *(["--json"] if output == "json" else []))

    assert done.returncode == ExitCode.SERVER
    assert done.stderr.splitlines()[-1] == f"Error: {SNAPSHOT_FAILED}"
    if output == "json":
        events = [json.loads(line) for line in done.stdout.splitlines()]
        assert events[-1] == {"status": "FAILED", "percentage": 0, "message": SNAPSHOT_FAILED}
    else:
        assert done.stdout == ""
        assert done.stderr.startswith("create: failed ")


@pytest.mark.parametrize("retries", [0, 2])
def test_timeout_and_max_retries(backups_api: CommandLine, retries: int) -> None:
    """A server that takes connections and never answers: each attempt gives up after --timeout, and
    --max-retries more attempts follow (GET is safe to repeat)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the system accepts for it, unanswered
        url = "http://{}:{}".format(*silent.getsockname())
        done = backups_api(
            "backups", "list", "--base-url", url, "--timeout", "0.3", "--max-retries", str(retries)
        )
        silent.setblocking(False)
        attempts = 0
        with suppress(BlockingIOError):  # once every connection made is counted
            while True:
                silent.accept()[0].close()
                attempts += 1

    assert done.returncode == ExitCode.CONNECTION
    assert done.stderr.startswith(f"Error: The server did not answer in time: GET {url}/backups")
    assert attempts == retries + 1


def test_every_exit_code_is_documented(backups_api: CommandLine) -> None:
    shown = backups_api("--help").stdout
    readme = (ROOT / "generated" / "README.md").read_text()

    assert set(EXIT_CODES) == set(ExitCode)
    for code, meaning in EXIT_CODES.items():
        assert f"{int(code):>5}  {meaning}\n" in shown
        assert f"| {int(code)} | {meaning} |\n" in readme
