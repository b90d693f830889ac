"""`make publish` against a real index: pypiserver on 127.0.0.1 with htpasswd upload authentication.

The releases are made from a throwaway copy of this repository, with the scripts as `make publish`
runs them; nothing of the index or of twine is replaced.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from email import message_from_bytes
from typing import TYPE_CHECKING

import pytest
from dist import fresh_python, pip_install

from backups_server.launcher import running_server
from tests.helpers import make_database

from .index import running_index
from .repository import EXAMPLES, Repository, git, twine_environment
from .specs import Change, add_optional_request_field, rename_field, set_version

if TYPE_CHECKING:
    from pathlib import Path

    from .index import Index

PROJECT = "backups-api-client"

OLD_CLIENT_ROUND_TRIP = """
import importlib.metadata, os
from backups_api_client import AuthenticatedClient
from backups_api_client.api.backups import (
    backups_create_new_backup, backups_delete_specific_backup, backups_snapshot,
)
from backups_api_client.models import SeededBackup

with AuthenticatedClient(base_url=os.environ["URL"], token=os.environ["KEY"]) as client:
    created = backups_create_new_backup.sync(client=client, body=SeededBackup())
    listed = backups_snapshot.sync(client=client)
    assert [backup.id for backup in listed.iterable] == [created.id], listed
    assert backups_delete_specific_backup.sync_detailed(client=client, backup=created.id).status_code == 204
print(importlib.metadata.version("backups-api-client"), created.device_name)
"""


def files_on(index: Index) -> list[str]:
    return sorted(path.name for path in index.packages.iterdir())


def install_from(index: Index, version: str, into: Path) -> Path:
    """A fresh virtual environment with the release installed from the index; its python."""
    python = fresh_python(into)
    pip = pip_install(python)
    subprocess.run([*pip, "--no-deps", "--index-url", index.simple, f"{PROJECT}=={version}"], check=True)
    subprocess.run([*pip, f"{PROJECT}=={version}"], check=True)
    return python


def release(repository: Repository, *changes: Change, message: str) -> None:
    """Change the spec, regenerate, write the changelog entry, regenerate, commit."""
    repository.change_spec(*changes)
    for step in (("generate.py",), ("changelog.py", "--date", "2026-12-02"), ("generate.py",)):
        done = repository.script(*step, environment={**os.environ, "COMPAT_EXAMPLES": EXAMPLES})
        assert done.returncode == 0, done.stdout + done.stderr
    repository.commit(message)


def half_release(repository: Repository, environment: dict[str, str]) -> None:
    """Upload the server's files of the release at HEAD, and not the client's."""
    built = repository.script("dist.py", environment=environment)
    assert built.returncode == 0, built.stdout + built.stderr
    server_files = sorted(str(path) for path in (repository.root / "dist").glob("backups_server-*"))
    upload = [sys.executable, "-m", "twine", "upload", "--non-interactive", *server_files]
    subprocess.run(upload, env=environment, check=True, capture_output=True)


@pytest.mark.timeout(900)
def test_releases_reach_the_index_and_an_old_client_keeps_working(tmp_path: Path) -> None:
    repository = Repository.copy_of_this_one(tmp_path / "repository")
    with running_index(tmp_path / "index") as index:
        environment = twine_environment(index, tmp_path / "home")

        first = repository.script("publish.py", environment=environment)
        assert first.returncode == 0, first.stdout + first.stderr
        assert files_on(index) == [
            "backups_api_client-1.0.0-py3-none-any.whl",
            "backups_api_client-1.0.0.tar.gz",
            "backups_server-1.0.0-py3-none-any.whl",
            "backups_server-1.0.0.tar.gz",
        ]
        assert git(repository.root, "tag", "--points-at", "HEAD") == "v1.0.0"
        assert "No release yet" in first.stdout
        assert "example BackupsApi.md" in first.stdout

        again = repository.script("publish.py", environment=environment)
        assert again.returncode == 1
        assert again.stderr.strip() == (
            f"refused: {PROJECT} 1.0.0 is on {index.simple} already: bump info.version in openapi.yaml; "
            "nothing was uploaded"
        )
        # As the release workflow runs on the tag pushed after a local release: checked, not uploaded.
        rechecked = repository.script("publish.py", environment={**environment, "PUBLISH_SKIP_EXISTING": "1"})
        assert rechecked.returncode == 0, rechecked.stdout + rechecked.stderr
        assert (
            f"{PROJECT} 1.0.0 is on {index.simple} already, released from this commit: nothing to upload"
            in rechecked.stdout
        )
        assert "example BackupsApi.md" in rechecked.stdout
        assert len(files_on(index)) == 4

        old_client = install_from(index, "1.0.0", tmp_path / "old-client")

        release(repository, add_optional_request_field, set_version("1.1.0"), message="A label for backups")
        # A publish whose upload failed after the server's files: the rest goes up from its commit only.
        half_release(repository, environment)
        untagged = repository.script("publish.py", environment=environment)
        assert untagged.returncode == 1
        assert untagged.stderr.strip() == (
            f"refused: part of the release 1.1.0 is on {index.simple} already, and HEAD is not tagged "
            "v1.1.0, as the publish that uploaded it tagged its commit: bump info.version in openapi.yaml; "
            "nothing was uploaded"
        )
        git(repository.root, "tag", "--annotate", "v1.1.0", "--message", "1.1.0")
        second = repository.script("publish.py", environment=environment)
        assert second.returncode == 0, second.stdout + second.stderr
        assert f"Part of the release 1.1.0 is on {index.simple} already, from this commit" in second.stdout
        assert "Baseline: v1.0.0; 1.0.0 -> 1.1.0 (minor bump; the changes need minor)" in second.stdout
        assert (
            "  python: backups_api_client.models.seeded_backup: SeededBackup.label: new attribute"
            in second.stdout
        )
        assert "backups_server-1.1.0-py3-none-any.whl" in files_on(index)  # the server of the same version
        assert len(files_on(index)) == 8
        assert git(repository.root, "tag", "--points-at", "HEAD") == "v1.1.0"

        # What the index shows and what the sdist carries: the changelog, and links that leave no page.
        (wheel,) = (repository.root / "dist").glob("backups_api_client-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            metadata = message_from_bytes(archive.read("backups_api_client-1.1.0.dist-info/METADATA"))
        description = metadata.get_payload()
        assert isinstance(description, str)
        assert "### 1.1.0 - 2026-12-02" in description
        assert (
            "- python: backups_api_client.models.seeded_backup: SeededBackup.label: new attribute"
            in description
        )
        with tarfile.open(repository.root / "dist" / "backups_api_client-1.1.0.tar.gz") as sdist:
            assert "backups_api_client-1.1.0/CHANGELOG.md" in sdist.getnames()

    # The 1.0.0 client, installed from the index, against the server of 1.1.0.
    settings = {
        "BACKUPS_DATABASE": str(make_database(tmp_path / "data" / "database.sqlite")),
        "BACKUPS_STORE": (tmp_path / "data" / "store").as_uri(),
        "BACKUPS_SPEC": str(repository.root / "openapi.yaml"),
        "BACKUPS_DEVICE_NAME": "new-server",
    }
    with running_server(tmp_path / "data" / "server", environment=settings) as server:
        done = subprocess.run(
            [str(old_client), "-I", "-c", OLD_CLIENT_ROUND_TRIP],
            env={"URL": server.base_url, "KEY": server.api_key},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1.0.0", "new-server"]


@pytest.mark.timeout(600)
def test_publish_refuses_and_uploads_nothing(tmp_path: Path) -> None:
    repository = Repository.copy_of_this_one(tmp_path / "repository")
    with running_index(tmp_path / "index") as index:
        environment = twine_environment(index, tmp_path / "home")

        def refusal(environment: dict[str, str] = environment) -> str:
            done = repository.script("publish.py", environment=environment)
            assert done.returncode == 1, done.stdout + done.stderr
            assert files_on(index) == []
            return done.stderr.strip().splitlines()[-1]

        anonymous = twine_environment(index, tmp_path / "home", credentials=False)
        assert refusal(anonymous).startswith(
            "refused: missing credentials: set TWINE_USERNAME and TWINE_PASSWORD"
        )

        nowhere = f"{index.url}no-index-here/"
        assert refusal({**environment, "PUBLISH_INDEX_URL": nowhere}).startswith(
            f"refused: no simple index answers at {nowhere} (HTTP Error 404"
        )

        git(repository.root, "tag", "--annotate", "v0.9.0", "--message", "0.9.0")
        assert refusal() == (
            "refused: HEAD is tagged v0.9.0, but info.version is 1.0.0: tag it v1.0.0; nothing was uploaded"
        )
        git(repository.root, "tag", "--delete", "v0.9.0")

        (repository.root / "notes.txt").write_text("not committed")
        assert (
            refusal()
            == "refused: the working tree is dirty: commit or stash the changes first; nothing was uploaded"
        )
        (repository.root / "notes.txt").unlink()

        readme = repository.root / "generated" / "README.md"
        readme.write_text(readme.read_text() + "\nEdited by hand.\n")
        repository.commit("An edit by hand")
        assert refusal() == (
            "refused: generated/ differs from a fresh generation: run `make generate` and commit; "
            "nothing was uploaded"
        )
        git(repository.root, "revert", "--no-edit", "HEAD")

        # 1.0.0 counts as released; a breaking change declared as a minor one must not go out.
        git(repository.root, "tag", "--annotate", "v1.0.0", "--message", "1.0.0")
        repository.change_spec(rename_field, set_version("1.1.0"))
        assert repository.script("generate.py").returncode == 0
        changelog = repository.root / "CHANGELOG.md"
        changelog.write_text(
            changelog.read_text().replace("\n## 1.0.0", "\n## 1.1.0 - 2026-12-02\n\n## 1.0.0")
        )
        assert repository.script("generate.py").returncode == 0
        repository.commit("device_name becomes device")
        assert (
            refusal() == "refused: the compatibility gate failed (its report is above); nothing was uploaded"
        )
