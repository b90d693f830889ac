"""`make publish`: release the client package, and the server's of the same version, to the index twine
is set up for, and prove the client installs.

The index and the credentials are twine's own settings: TWINE_REPOSITORY_URL, TWINE_USERNAME and
TWINE_PASSWORD, or a repository of ~/.pypirc (TWINE_REPOSITORY names it; `pypi` by default).
PUBLISH_INDEX_URL is the simple index (PEP 503) of that repository, to read from; by default the
upload URL's host with the path /simple/ (pypi.org for upload.pypi.org).

Nothing is uploaded, with one line saying why, when: credentials are missing; the tree is dirty or
generated/ differs from a fresh generation; HEAD carries a release tag of another version; no
simple index answers where PUBLISH_INDEX_URL (or its default) says; the version is on the index
already (or a part of its files, and HEAD is not the commit tagged when they were uploaded);
CHANGELOG.md has no entry for it; or the compatibility gate fails. The server's version is
the spec's too (server/hatch_build.py), so one version rule and one gate decide both.
With PUBLISH_SKIP_EXISTING=1, a version on the index already whose tag is on HEAD is no refusal:
nothing is uploaded and the release is checked again (the release workflow runs so on the tag that
a local `make publish` made and pushed). Otherwise the wheels and sdists are built and checked, the
release is tagged vX.Y.Z (the gate's next baseline), they are uploaded with twine (a rerun after an
upload that failed half-way, on the commit it tagged, uploads what the index lacks), and
`backups-api-client==X.Y.Z` is installed from the index into a fresh virtual environment (tried
again for a few minutes while the index does not list it yet), imported, and the API reference's
examples run with it against a live reference server.
"""

from __future__ import annotations

import argparse
import html.parser
import os
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

from compat import gate
from dist import build, fresh_python, generation_is_current, pip_install
from docs_examples import examples, run
from fuzz import fuzzed_server
from packaging.utils import NormalizedName, canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version
from releases import Side, git
from twine import exceptions as twine_exceptions
from twine.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

PROJECT = ROOT / "generated"
PYPI_UPLOAD_HOSTS = {"upload.pypi.org": "pypi.org"}
SERVER_PROJECT = "backups-server"
INDEX_LAG_WAITS = (5, 10, 20, 40, 60, 60, 60)
"""Seconds between attempts to install a release that was just uploaded (about four minutes)."""


class Refused(Exception):
    """Why nothing is published, in one line."""


def repository_url() -> str:
    """The upload URL from twine's settings, or Refused when they give no credentials for it."""
    parser = argparse.ArgumentParser()
    Settings.register_argparse_arguments(parser)
    try:
        settings = Settings.from_argparse(parser.parse_args(["--non-interactive"]))
        url = str(settings.repository_config["repository"])
        if not (settings.username and settings.password):
            raise twine_exceptions.NonInteractive("no credentials")
    except twine_exceptions.TwineException as error:
        raise Refused(
            "missing credentials: set TWINE_USERNAME and TWINE_PASSWORD (and TWINE_REPOSITORY_URL), "
            f"or a ~/.pypirc repository ({error})"
        ) from None
    return url


def simple_index(upload_url: str) -> str:
    if os.environ.get("PUBLISH_INDEX_URL"):
        return os.environ["PUBLISH_INDEX_URL"].rstrip("/") + "/"
    parts = urllib.parse.urlsplit(upload_url)
    host = PYPI_UPLOAD_HOSTS.get(parts.hostname or "", parts.netloc)
    return urllib.parse.urlunsplit((parts.scheme, host, "/simple/", "", ""))


def _check_index(index: str) -> None:
    """Refused unless a simple index answers at `index`: a wrong guess would read as "not released"."""
    try:
        urllib.request.urlopen(urllib.request.Request(index, method="HEAD"), timeout=30).close()  # noqa: S310
    except urllib.error.URLError as error:
        raise Refused(
            f"no simple index answers at {index} ({error}): set PUBLISH_INDEX_URL to the repository's one"
        ) from None


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.files.append(urllib.parse.unquote(urllib.parse.urlsplit(href).path.rsplit("/", 1)[-1]))


def files_on_index(index: str, project: str) -> set[ReleaseFile]:
    """The wheels and sdists of `project` that the simple index lists."""
    url = urllib.parse.urljoin(index, f"{canonicalize_name(project)}/")
    try:
        with urllib.request.urlopen(url, timeout=30) as page:  # noqa: S310 (the index's own URL)
            links = _Links()
            links.feed(page.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise Refused(f"the index {index} answered {error.code} for {url}") from None
        _check_index(index)  # a project it does not know, or no index there at all
        return set()
    except urllib.error.URLError as error:
        raise Refused(f"the index {index} cannot be read: {error.reason}") from None
    return {release_file(name) for name in links.files if name.endswith((".whl", ".tar.gz"))}


class ReleaseFile(NamedTuple):
    project: NormalizedName
    version: Version
    kind: str
    """"wheel" or "sdist"."""


def release_file(name: str) -> ReleaseFile:
    """What the file name of a wheel or an sdist stands for."""
    if name.endswith(".whl"):
        project, version, *_ = parse_wheel_filename(name)
        return ReleaseFile(project, version, "wheel")
    return ReleaseFile(*parse_sdist_filename(name), "sdist")


def check_tree() -> None:
    if git("status", "--porcelain"):
        raise Refused("the working tree is dirty: commit or stash the changes first")
    if not generation_is_current():
        raise Refused("generated/ differs from a fresh generation: run `make generate` and commit")


def release_tags_on_head() -> list[str]:
    return git("tag", "--points-at", "HEAD", "--list", "v*.*.*").splitlines()


def check_tag(version: str) -> None:
    """A release tag on HEAD must name the version the spec declares: CI publishes a pushed tag."""
    if others := [tag for tag in release_tags_on_head() if tag != f"v{version}"]:
        raise Refused(f"HEAD is tagged {others[0]}, but info.version is {version}: tag it v{version}")


def check_changelog(version: str) -> None:
    changelog = ROOT / "CHANGELOG.md"
    if not changelog.exists() or f"\n## {version} " not in changelog.read_text(encoding="utf-8"):
        raise Refused(f"CHANGELOG.md has no entry for {version}: run `make changelog` and commit")


def tag(version: str) -> None:
    name = f"v{version}"
    if name not in release_tags_on_head():
        git("tag", "--annotate", name, "--message", f"backups-api-client {version}")
        print(f"Tagged the release {name}; push it with `git push origin {name}`")


def verify(index: str, project: str, version: str) -> None:
    """Install the release from the index into a fresh venv, import it, run the docs' examples with it."""
    release = Side(ROOT / "openapi.yaml", PROJECT, "the release")
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        work = Path(scratch)
        python = fresh_python(work / "venv")
        pip = pip_install(python)
        requirement = f"{project}=={version}"
        # The package from that index and from nowhere else; then its dependencies from the usual index.
        from_the_index = [*pip, "--no-cache", "--no-deps", "--index-url", index, requirement]
        for wait in INDEX_LAG_WAITS:  # an index may list a new release after a while
            if subprocess.run(from_the_index, check=False).returncode == 0:
                break
            print(f"{requirement} is not installable from {index} yet; trying again in {wait} s")
            time.sleep(wait)
        else:
            subprocess.run(from_the_index, check=True)
        subprocess.run([*pip, requirement], check=True)
        imported = f"import {release.package}; print('imported', {release.package}.__file__)"
        subprocess.run([python, "-I", "-c", imported], check=True)

        with fuzzed_server(work, spec=release.spec) as server:
            done = run(examples(), str(python), server.base_url, server.api_key, work)
        print(done.stdout, end="")
        if done.returncode != 0:
            raise RuntimeError(f"an example failed with the released package:\n{done.stderr}")


def publish() -> None:
    upload_url = repository_url()
    index = simple_index(upload_url)
    check_tree()
    metadata = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    project, version = metadata["name"], metadata["version"]
    check_tag(version)
    whole = {
        ReleaseFile(canonicalize_name(name), Version(version), kind)
        for name in (project, SERVER_PROJECT)
        for kind in ("wheel", "sdist")
    }
    released = whole & (files_on_index(index, project) | files_on_index(index, SERVER_PROJECT))
    tagged = f"v{version}" in release_tags_on_head()
    if released == whole:
        if os.environ.get("PUBLISH_SKIP_EXISTING") == "1" and tagged:
            print(f"{project} {version} is on {index} already, released from this commit: nothing to upload")
            verify(index, project, version)
            return
        raise Refused(f"{project} {version} is on {index} already: bump info.version in openapi.yaml")
    if released and not tagged:
        raise Refused(
            f"part of the release {version} is on {index} already, and HEAD is not tagged v{version}, "
            "as the publish that uploaded it tagged its commit: bump info.version in openapi.yaml"
        )
    if released:
        print(f"Part of the release {version} is on {index} already, from this commit: uploading the rest")
    check_changelog(version)
    if gate() is None:
        raise Refused("the compatibility gate failed (its report is above)")
    built = build()
    tag(version)  # before uploading: a rerun after a failed upload knows the files on the index are its own
    missing = [path for path in [*built.client, *built.server] if release_file(path.name) not in released]
    subprocess.run(
        [sys.executable, "-m", "twine", "upload", "--non-interactive", *map(str, missing)], check=True
    )
    verify(index, project, version)
    print(
        f"Published {project} and {SERVER_PROJECT} {version} to {upload_url}: the client installed from "
        f"{index}, imported, examples ran"
    )


def main() -> int:
    try:
        publish()
    except Refused as refusal:
        print(f"refused: {refusal}; nothing was uploaded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
