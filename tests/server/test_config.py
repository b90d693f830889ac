"""Configuration: defaults that need nothing, keys from the environment or a file, documented options."""

from __future__ import annotations

import argparse
import copy
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from backups_server import cli
from backups_server.engine.retention import Policy
from backups_server.launcher import ServerDidNotStart, spawn
from tests.helpers import ROOT

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.helpers import ServerFactory


def environment_without_settings() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("BACKUPS_")}


def status_with_key(base_url: str, key: str) -> int:
    return httpx.get(f"{base_url}/backups", headers={"X-Application-ID": key}).status_code


def test_with_no_configuration_a_key_is_generated_privately_and_the_database_created(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = spawn(data_dir, environment={"BACKUPS_API_KEY": ""})
    try:
        server.wait_ready()
        key_file = data_dir / "api-key"
        key = key_file.read_text().strip()

        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert len(key) >= 32
        assert status_with_key(server.base_url, key) == 200
        assert status_with_key(server.base_url, server.api_key) == 511
        with closing(sqlite3.connect(data_dir / "database.sqlite")) as connection:
            assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    finally:
        server.stop()
    log = server.log.read_text()
    assert f"API key: generated into {key_file}" in log
    assert key not in log

    again = spawn(data_dir, environment={"BACKUPS_API_KEY": ""})
    try:
        again.wait_ready()
        assert status_with_key(again.base_url, key) == 200
    finally:
        again.stop()
    assert f"API key: read from {key_file}" in again.log.read_text()


def test_port_0_listens_on_a_free_port_and_says_which(tmp_path: Path) -> None:
    server = spawn(tmp_path, environment={"BACKUPS_PORT": "0"})
    try:
        server.wait_ready()
    finally:
        server.stop()

    assert re.fullmatch(r"http://127\.0\.0\.1:[1-9][0-9]*", server.base_url)
    assert f"Listening on {server.base_url}\n" in server.log.read_text()


def test_a_port_in_use_stops_the_server_with_a_clear_message(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        server = spawn(tmp_path, environment={"BACKUPS_PORT": str(port)})
        try:
            with pytest.raises(ServerDidNotStart, match="Address already in use"):
                server.wait_ready()
        finally:
            server.stop()

    assert server.process.returncode == 3
    assert "Listening on" not in server.log.read_text()


def test_several_keys_from_the_environment_or_a_file(start_server: ServerFactory, tmp_path: Path) -> None:
    verbose = {"BACKUPS_LOG_LEVEL": "debug"}
    from_environment = start_server(environment={"BACKUPS_API_KEY": "first-key, second-key", **verbose})
    key_file = tmp_path / "keys"
    key_file.write_text("third-key\nfourth-key\n")
    from_file = start_server(
        environment={"BACKUPS_API_KEY": "", "BACKUPS_API_KEY_FILE": str(key_file), **verbose}
    )

    assert [status_with_key(from_environment.url, key) for key in ("first-key", "second-key", "first")] == [
        200,
        200,
        511,
    ]
    assert [status_with_key(from_file.url, key) for key in ("third-key", "fourth-key", "first-key")] == [
        200,
        200,
        511,
    ]
    for server in (from_environment, from_file):
        log = server.process.log.read_text()
        assert not [key for key in ("first-key", "second-key", "third-key", "fourth-key") if key in log]


def test_a_spec_without_the_upstream_error_texts_is_refused_at_startup(
    tmp_path: Path, spec: dict[str, Any]
) -> None:
    without_505 = copy.deepcopy(spec)
    for path in without_505["paths"].values():
        for operation in path.values():
            operation.get("responses", {}).pop("505", None)
    incomplete = tmp_path / "openapi.yaml"
    incomplete.write_text(yaml.safe_dump(without_505))

    result = subprocess.run(
        [sys.executable, "-m", "backups_server", "serve", "--spec", str(incomplete)],
        env=environment_without_settings() | {"BACKUPS_DATA_DIR": str(tmp_path), "BACKUPS_API_KEY": "key"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Cannot serve {incomplete}: no operation documents a 505 response, whose text this server answers"
    )


ARGUMENTS = {"--to", "--force", "--dry-run", "--read-data", "--read-data-subset"}
"""The flags of one command, with no variable."""


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("serve", cli.COMMON_OPTIONS + cli.SERVE_OPTIONS + cli.RETENTION_OPTIONS),
        ("restore", cli.COMMON_OPTIONS),
        ("forget", cli.COMMON_OPTIONS + cli.RETENTION_OPTIONS),
        ("prune", (*cli.COMMON_OPTIONS, cli.GRACE_OPTION)),
        ("check", cli.COMMON_OPTIONS),
    ],
)
def test_help_and_the_readme_document_every_option_with_its_variable(
    command: str, options: tuple[cli.Option, ...]
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backups_server", command, "--help"],
        env=environment_without_settings() | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=True,
    )
    readme = (ROOT / "server" / "README.md").read_text()

    flags = set(re.findall(r"^  (--[a-z-]+)", result.stdout, re.MULTILINE)) - ARGUMENTS
    assert flags == {option.flag for option in options}
    variables = re.findall(r"\[(BACKUPS_[A-Z_]+)\]", result.stdout)
    assert sorted(variables) == sorted(option.variable for option in options)
    assert [option for option in options if f"`{option.variable}`" not in readme] == []
    assert [option for option in options if f"`{option.flag}`" not in readme] == []


@pytest.fixture
def parse(monkeypatch: pytest.MonkeyPatch) -> Callable[..., argparse.Namespace]:
    """`serve`'s command line parsed, with the given BACKUPS_* variables and no others."""

    def parse(*arguments: str, **variables: str) -> argparse.Namespace:
        for name in os.environ:
            if name.startswith("BACKUPS_"):
                monkeypatch.delenv(name)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return cli.parser().parse_args(["serve", *arguments])

    return parse


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--leftover-age", "-1", "must be at least 0, not -1"),
        ("--leftover-age", "nan", "must be at least 0, not nan"),
        ("--leftover-age", "inf", "must be at least 0, not inf"),
        ("--keepalive", "0", "must be more than 0, not 0"),
        ("--keepalive", "nan", "must be more than 0, not nan"),
        ("--keepalive", "inf", "must be more than 0, not inf"),
        ("--max-waiting", "0", "must be at least 1, not 0"),
        ("--max-waiting", "1.5", "invalid int value: '1.5'"),
        ("--port", "-1", "must be a port from 0 to 65535, not -1"),
        ("--port", "65536", "must be a port from 0 to 65535, not 65536"),
        ("--port", "http", "invalid int value: 'http'"),
        ("--keep-daily", "-2", "must be a count from 0, or -1 for no limit, not -2"),
        ("--keep-last", "2.5", "invalid int value: '2.5'"),
        (
            "--timezone",
            "Mars/Olympus_Mons",
            "must be an IANA timezone such as Europe/Paris, not Mars/Olympus_Mons",
        ),
        (
            "--timezone",
            "../../etc/passwd",
            "must be an IANA timezone such as Europe/Paris, not ../../etc/passwd",
        ),
    ],
)
def test_numeric_options_refuse_values_out_of_range(
    parse: Callable[..., argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
    flag: str,
    value: str,
    message: str,
) -> None:
    (variable,) = [
        option.variable for option in cli.SERVE_OPTIONS + cli.RETENTION_OPTIONS if option.flag == flag
    ]
    for arguments, variables in (([flag, value], {}), ([], {variable: value})):
        with pytest.raises(SystemExit) as exit_status:
            parse(*arguments, **variables)
        assert exit_status.value.code == 2
        assert capsys.readouterr().err.splitlines()[-1].endswith(f"argument {flag}: {message}")


def test_numeric_options_take_their_limits(parse: Callable[..., argparse.Namespace]) -> None:
    limits = ["--leftover-age", "0", "--keepalive", "0.01", "--max-waiting", "1", "--port", "0"]

    parsed = parse(*limits)

    assert (parsed.leftover_age, parsed.keepalive, parsed.max_waiting, parsed.port) == (0, 0.01, 1, 0)
    assert parse(BACKUPS_PORT="65535").port == 65535


def test_the_keep_policy_comes_from_flags_or_variables(parse: Callable[..., argparse.Namespace]) -> None:
    assert cli.keep_policy(parse()) == Policy(timezone=ZoneInfo("UTC"))
    assert cli.keep_policy(
        parse("--keep-last", "3", "--keep-monthly", "-1", BACKUPS_KEEP_LAST="9")
    ) == Policy(last=3, monthly=-1, timezone=ZoneInfo("UTC"))
    from_variables = parse(BACKUPS_KEEP_HOURLY="24", BACKUPS_KEEP_YEARLY="0", BACKUPS_TIMEZONE="Asia/Kolkata")
    assert cli.keep_policy(from_variables) == Policy(hourly=24, timezone=ZoneInfo("Asia/Kolkata"))
