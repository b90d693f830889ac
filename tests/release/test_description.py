"""The package's long description (generated/README.md) as an index shows it: every link absolute,
pinned to the release's tag, to a file the repository has; and the changelog in it."""

from __future__ import annotations

import datetime
import re

from changelog import entry, with_entry
from packaging.version import Version
from versions import Bump, Report

from tests.helpers import ROOT
from tests.specs import SPEC_PATH, load

README = ROOT / "generated" / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_link_of_the_description_is_absolute_and_names_a_file_of_the_release() -> None:
    spec = load(SPEC_PATH)
    release = f"{spec['externalDocs']['url'].rstrip('/')}/blob/v{spec['info']['version']}/"
    links = LINK.findall(README.read_text())
    assert links
    for link in links:
        assert link.startswith(release), link
        path = link.removeprefix(release).partition("#")[0]
        assert (ROOT / path).is_file(), link


def test_the_description_carries_the_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    version = load(SPEC_PATH)["info"]["version"]
    assert f"\n## {version} - " in changelog
    assert f"\n## Changelog\n\n### {version} - " in README.read_text()
    assert (ROOT / "generated" / "CHANGELOG.md").read_text() == changelog


def report(old: str, new: str, **items: list[str]) -> Report:
    return Report(Version(old), Version(new), **items)


def test_the_bump_a_change_needs() -> None:
    assert report("1.2.3", "1.2.3").needed == Bump.NONE
    assert report("1.2.3", "1.2.3", changed=["x"]).needed == Bump.PATCH
    assert report("1.2.3", "1.2.3", added=["x"], changed=["y"]).needed == Bump.MINOR
    assert report("1.2.3", "1.2.3", breaking=["x"], added=["y"]).needed == Bump.MAJOR


def test_below_1_0_every_need_is_one_step_lower_but_a_change_still_needs_a_release() -> None:
    assert report("0.4.1", "0.4.1", breaking=["x"]).needed == Bump.MINOR
    assert report("0.4.1", "0.4.1", added=["x"]).needed == Bump.PATCH
    assert report("0.4.1", "0.4.1", changed=["x"]).needed == Bump.PATCH
    assert report("0.4.1", "0.5.0", breaking=["x"]).problems == []
    assert report("0.4.1", "0.4.2", breaking=["x"]).problems


def test_the_declared_bump_is_the_first_part_that_grew() -> None:
    assert report("1.2.3", "2.0.0").declared == Bump.MAJOR
    assert report("1.2.3", "1.3.0").declared == Bump.MINOR
    assert report("1.2.3", "1.2.4").declared == Bump.PATCH
    assert report("1.2.3", "1.2.3").declared == Bump.NONE
    assert report("1.2.3", "1.2").declared == Bump.NONE
    assert report("1.2.3", "1.2.2", changed=["x"]).problems == [
        "info.version 1.2.2 is older than the release 1.2.3"
    ]


def test_a_changelog_entry_replaces_the_one_of_its_version_only() -> None:
    text = (
        "# Changelog\n\nIntro.\n\n## 1.1.0 - 2026-01-01\n\nOld.\n\n## 1.0.0 - 2025-01-01\n\nFirst release.\n"
    )
    new = entry(report("1.0.0", "1.1.0", added=["python: a new thing"]), datetime.date(2026, 2, 1))
    updated = with_entry(text, "1.1.0", new)
    assert updated.startswith("# Changelog\n\nIntro.\n\n## 1.1.0 - 2026-02-01\n\nCompared with 1.0.0.\n")
    assert "### Added\n\n- python: a new thing\n" in updated
    assert "Old." not in updated
    assert updated.endswith("## 1.0.0 - 2025-01-01\n\nFirst release.\n")
