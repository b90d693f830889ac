"""Bad settings stop the server at start with one clear line, and a server that does not start is
never left running."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from pyrage import x25519

from backups_server.launcher import ServerDidNotStart, ServerProcess
from tests.helpers import ServerFactory, folder_store, s3_store

from .moto_process import moto_process

if TYPE_CHECKING:
    from pathlib import Path

    from tests.helpers import LiveServer


def serve(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("BACKUPS_")}
    environment |= {"BACKUPS_DATA_DIR": str(tmp_path / "data"), "BACKUPS_API_KEY": "key", "BACKUPS_PORT": "0"}
    return subprocess.run(
        [sys.executable, "-m", "backups_server", "serve"],
        env=environment | settings,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_a_configured_database_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    typo = tmp_path / "typo" / "prod.sqllite"

    result = serve(tmp_path, BACKUPS_DATABASE=str(typo))

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"There is no database at {typo}; BACKUPS_DATABASE and --database must name an existing file "
        "(only the default database in DATA_DIR is created)"
    )
    assert not typo.parent.exists()


@pytest.mark.parametrize("kind", ["passphrase file", "identity file"])
def test_a_secret_file_other_users_may_read_is_refused(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret"
    if kind == "passphrase file":
        variable, content = "BACKUPS_PASSPHRASE_FILE", "a passphrase, long enough"
    else:
        variable, content = "BACKUPS_IDENTITY_FILE", str(x25519.Identity.generate())
    secret.write_text(content + "\n")
    secret.chmod(0o640)
    store = tmp_path / "store"

    result = serve(tmp_path, **{variable: str(secret), "BACKUPS_STORE": store.as_uri()})

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Cannot open the keys of the store {store.as_uri()}: the {kind} {secret} is open to other users "
        f"(mode 0640): make it readable by its owner only, with `chmod 600 {secret}`"
    )
    assert content not in result.stdout + result.stderr
    assert not store.exists() or not any(store.iterdir())


def test_a_passphrase_given_both_ways_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text("the passphrase in the file\n")
    secret.chmod(0o600)
    store = tmp_path / "store"

    result = serve(
        tmp_path,
        BACKUPS_PASSPHRASE="the passphrase in the variable",
        BACKUPS_PASSPHRASE_FILE=str(secret),
        BACKUPS_STORE=store.as_uri(),
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Cannot open the keys of the store {store.as_uri()}: the passphrase is given twice, by "
        f"BACKUPS_PASSPHRASE and by the file {secret}: give it one way only"
    )
    assert "the passphrase in the" not in result.stdout + result.stderr
    assert not store.exists() or not any(store.iterdir())


def test_a_bucket_that_does_not_exist_is_refused(tmp_path: Path, moto_endpoint: str) -> None:
    with s3_store(moto_endpoint) as store:
        result = serve(tmp_path, BACKUPS_STORE="s3://no-such-bucket/backups", **store.environment)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Cannot use the store s3://no-such-bucket/backups: the bucket no-such-bucket does not exist"
    )


def test_credentials_the_store_refuses_are_refused(tmp_path: Path) -> None:
    with moto_process({"INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as moto:
        environment = {
            "AWS_ENDPOINT_URL": moto.endpoint,
            "AWS_ACCESS_KEY_ID": "unknown",
            "AWS_SECRET_ACCESS_KEY": "unknown",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        result = serve(tmp_path, BACKUPS_STORE="s3://backups/team", **environment)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Cannot use the store s3://backups/team: the store refused the credentials for the bucket backups"
    )


def test_a_spec_operation_without_a_handler_is_refused_by_name(tmp_path: Path, spec: dict[str, Any]) -> None:
    extended = copy.deepcopy(spec)
    extended["paths"]["/backups/export"] = {
        "get": {"operationId": "backups-export", "responses": {"200": {"description": "OK"}}}
    }
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(extended))

    result = serve(tmp_path, BACKUPS_SPEC=str(path))

    assert result.returncode == 1
    assert result.stderr.strip() == f"Cannot serve {path}: no handler for the operation backups-export"


def test_a_scratch_folder_belongs_to_one_server(start_server: ServerFactory, server: LiveServer) -> None:
    second = start_server(data_dir=server.data_dir, database=server.database, ready=False)

    with pytest.raises(ServerDidNotStart):
        second.process.wait_ready()

    assert second.process.process.returncode == 1
    assert (
        f"Cannot serve: the scratch folder {server.data_dir / 'tmp'} belongs to another running server"
        in (second.process.log_tail())
    )


def test_a_test_server_that_does_not_start_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[ServerProcess] = []

    def never_ready(process: ServerProcess, timeout: float = 30.0) -> None:
        started.append(process)
        raise ServerDidNotStart("not ready in time")

    monkeypatch.setattr(ServerProcess, "wait_ready", never_ready)
    factory = ServerFactory(tmp_path, folder_store(tmp_path / "store"))

    with pytest.raises(ServerDidNotStart):
        factory()

    assert started[0].process.poll() is not None
