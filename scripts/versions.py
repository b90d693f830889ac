"""The version rules of the client package: how big a change is, and the bump that declares it.

A change that breaks an installed client needs a major bump, an addition a minor one, any other change
a patch one; below 1.0 every need is one step lower (0.x -> 0.(x+1) for a breaking change), as Cargo does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from packaging.version import Version


class Bump(enum.IntEnum):
    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3


@dataclass
class Report:
    """What changed from the baseline, one line per item, and the version bump that declares it."""

    old_version: Version
    new_version: Version
    breaking: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    operations_added: list[str] = field(default_factory=list)
    models_added: list[str] = field(default_factory=list)

    @property
    def found(self) -> Bump:
        """The kind of the largest change: a breaking one, an addition, any other change, or none."""
        if self.breaking:
            return Bump.MAJOR
        return Bump.MINOR if self.added else Bump.PATCH if self.changed else Bump.NONE

    @property
    def needed(self) -> Bump:
        """The bump the changes need; one step lower below 1.0, but never none for a change."""
        if self.old_version.major == 0 and self.found > Bump.PATCH:
            return Bump(self.found - 1)
        return self.found

    @property
    def declared(self) -> Bump:
        """The bump from the baseline's version to the new one: the first of X, Y, Z that grew."""
        levels = (Bump.MAJOR, Bump.MINOR, Bump.PATCH)
        for level, before, after in zip(levels, _xyz(self.old_version), _xyz(self.new_version), strict=True):
            if after != before:
                return level if after > before else Bump.NONE
        return Bump.NONE

    @property
    def problems(self) -> list[str]:
        if self.new_version < self.old_version:
            return [f"info.version {self.new_version} is older than the release {self.old_version}"]
        if self.declared >= self.needed:
            return []
        reason = {Bump.MAJOR: "breaking changes", Bump.MINOR: "additions", Bump.PATCH: "changes"}
        return [
            f"{reason[self.found]} since {self.old_version} need a {self.needed.name.lower()} version bump "
            f"(at least {bumped(self.old_version, self.needed)}); info.version is {self.new_version}"
        ]


def _xyz(version: Version) -> tuple[int, int, int]:
    return version.major, version.minor, version.micro


def bumped(version: Version, level: Bump) -> str:
    major, minor, patch = _xyz(version)
    if level == Bump.MAJOR:
        return f"{major + 1}.0.0"
    if level == Bump.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
