"""Which backups a keep policy keeps: restic's `forget` rules, with periods in one timezone.

Each rule has a count N (0 leaves the rule out, -1 means no limit):

- `last` keeps the N newest backups;
- `hourly`, `daily`, `weekly`, `monthly` and `yearly` keep the newest backup of each of the N
  newest periods that have a backup. Periods without a backup are not counted: with one backup a
  week, `daily 7` keeps seven weeks of them.

Backups are taken newest first. A backup that any rule keeps is kept; the others go. A rule that
still has a count left when it reaches the oldest backup keeps that one too, so a new policy never
removes the oldest history before its periods are filled (as restic does since 0.17). With no
rule at all, every backup is kept.

Periods are spans of wall-clock time in the policy's timezone: an hour from HH:00 to the next
HH:00, a day from midnight to midnight, an ISO 8601 week from Monday 00:00 (the first week of a
year is the one with its first Thursday, so 29 to 31 December can belong to week 1 of the next
year, and 1 to 3 January to the last week of the year before), a calendar month, a calendar
year. When clocks go back, the repeated hour is one hourly period of two hours, and that day lasts
25 hours; when they go forward, the skipped hour does not exist, and that day lasts 23.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

NO_LIMIT = -1

RULES = ("last", "hourly", "daily", "weekly", "monthly", "yearly")
"""From the newest backups to the longest periods."""

PERIODS: dict[str, Callable[[datetime], object]] = {
    "hourly": lambda moment: (moment.year, moment.month, moment.day, moment.hour),
    "daily": lambda moment: (moment.year, moment.month, moment.day),
    "weekly": lambda moment: moment.isocalendar()[:2],
    "monthly": lambda moment: (moment.year, moment.month),
    "yearly": lambda moment: moment.year,
}
"""The period of a local moment, for each rule that counts periods."""


@dataclass(frozen=True)
class Policy:
    """A count for each rule (0 leaves the rule out, NO_LIMIT counts every period), and the
    timezone of the periods."""

    last: int = 0
    hourly: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0
    yearly: int = 0
    timezone: tzinfo = UTC

    @property
    def rules(self) -> dict[str, int]:
        """The count of each rule in the policy."""
        counts: dict[str, int] = {rule: getattr(self, rule) for rule in RULES}
        return {rule: count for rule, count in counts.items() if count}

    @property
    def keeps_everything(self) -> bool:
        return not self.rules

    def __str__(self) -> str:
        if self.keeps_everything:
            return "keep every backup"
        rules = [f"{'all' if count == NO_LIMIT else count} {rule}" for rule, count in self.rules.items()]
        return f"keep {', '.join(rules)} (periods in {self.timezone})"


KEEP_EVERYTHING = Policy()


@dataclass(frozen=True)
class Decision:
    backup_id: str
    created: datetime
    """When the backup was taken, in the policy's timezone."""
    reasons: tuple[str, ...]
    """The rules that keep the backup; none when it goes."""

    @property
    def kept(self) -> bool:
        return bool(self.reasons)


def decide(policy: Policy, backups: Iterable[tuple[str, datetime]]) -> list[Decision]:
    """What `policy` does with each backup (id, moment taken), newest first."""
    newest_first = sorted(backups, key=lambda backup: (backup[1], backup[0]), reverse=True)
    left = policy.rules
    latest: dict[str, object] = {}
    decisions = []
    for position, (backup_id, created) in enumerate(newest_first):
        local = created.astimezone(policy.timezone)
        oldest = position == len(newest_first) - 1
        reasons = []
        for rule, count in left.items():
            if count == 0:
                continue
            period = position if rule == "last" else PERIODS[rule](local)
            if period != latest.get(rule) or oldest:
                latest[rule] = period
                left[rule] = count if count == NO_LIMIT else count - 1
                reasons.append(rule)
        if policy.keeps_everything:
            reasons.append("no keep policy")
        decisions.append(Decision(backup_id, local, tuple(reasons)))
    return decisions
