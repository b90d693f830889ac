"""The server as a package: its wheel, installed beside the client's into a fresh virtual environment
and run from a folder outside the repository, serves (the spec inside the package), backs up on a
schedule keeping what --keep-last says, counts its backups in /metrics, shows /docs, and its
`backups-server restore` restores."""

from __future__ import annotations

import sqlite3
import subprocess
import zipfile
from contextlib import closing
from email.parser import Parser
from typing import TYPE_CHECKING

import httpx
import pytest
import yaml
from dist import PROJECT, SERVER, distributions, environment
from filelock import FileLock
from prometheus_client.parser import text_string_to_metric_families

from backups_server.launcher import spawn
from tests.helpers import API_KEY, ROOT, eventually

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.timeout(180)  # the first test of a session builds the wheels


@pytest.fixture(scope="session")
def wheels(run_folder: Path) -> list[Path]:
    """The client's wheel and the server's, built once per test run."""
    with FileLock(run_folder / "server-dist.lock"):
        built: list[Path] = []
        for name, project in (("client", PROJECT), ("server", SERVER)):
            dist = run_folder / f"{name}-wheel"
            if not dist.is_dir():
                distributions(dist, project)
            built += dist.glob("*.whl")
        return built


def completed_backups(metrics: str) -> float:
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == "backups_jobs_completed_total" and sample.labels == {"kind": "creation"}:
                return sample.value
    return 0.0


def test_the_server_and_the_client_it_requires_have_the_version_of_the_spec(wheels: list[Path]) -> None:
    version = yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"]
    client, server = wheels
    with zipfile.ZipFile(server) as archive:
        (name,) = (name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode())

    assert client.name.startswith(f"backups_api_client-{version}-")
    assert metadata["Version"] == version
    assert f"backups-api-client=={version}" in (metadata.get_all("Requires-Dist") or [])


def test_the_installed_server_backs_up_on_its_schedule_and_restores(
    wheels: list[Path], tmp_path: Path
) -> None:
    scripts = environment(tmp_path / "venv", *map(str, wheels), constraints=ROOT / "requirements.txt")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = elsewhere / "data"
    serve: list[str | Path] = [scripts / "backups-server", "serve", "--schedule", "2s", "--keep-last", "2"]
    server = spawn(data, api_key=API_KEY, command=serve, cwd=elsewhere)
    try:
        server.wait_ready()
        with httpx.Client(
            base_url=server.base_url, headers={"X-Application-ID": API_KEY}, timeout=30
        ) as http:
            assert eventually(lambda: completed_backups(http.get("/metrics").text) >= 3, timeout=60)
            listed = [backup["id"] for backup in http.get("/backups").json()["iterable"]]
            docs = http.get("/docs/")
    finally:
        server.stop()

    restored = elsewhere / "restored.sqlite"
    restore = subprocess.run(
        [scripts / "backups-server", "restore", listed[0], "--to", restored, "--data-dir", data],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )

    assert 2 <= len(listed) <= 3  # the keep policy after each (a backup may be just made)
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert restore.returncode == 0, restore.stderr
    with closing(sqlite3.connect(restored)) as connection:
        assert connection.execute("PRAGMA quick_check").fetchone() == ("ok",)
