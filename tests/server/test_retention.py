"""The keep policy's rules against fixed moments: restic's `forget` semantics, periods in one timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from backups_server.engine.retention import NO_LIMIT, Policy, decide

BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def kept(policy: Policy, *moments: str) -> dict[str, tuple[str, ...]]:
    """The moments `policy` keeps (named by their UTC text), each with the rules that keep it."""
    decisions = decide(policy, [(moment, utc(moment)) for moment in moments])
    return {decision.backup_id: decision.reasons for decision in decisions if decision.kept}


def test_without_rules_every_backup_is_kept() -> None:
    moments = ["2026-01-01 10:00", "2026-01-01 10:01", "2025-06-01 00:00"]

    assert Policy().keeps_everything
    assert kept(Policy(), *moments) == dict.fromkeys(moments, ("no keep policy",))
    assert str(Policy()) == "keep every backup"


def test_last_keeps_the_newest() -> None:
    moments = ["2026-03-01 10:00", "2026-03-01 10:01", "2026-03-01 10:02", "2026-03-01 10:03"]

    assert kept(Policy(last=2), *moments) == {"2026-03-01 10:03": ("last",), "2026-03-01 10:02": ("last",)}


@pytest.mark.parametrize(
    ("policy", "moments", "expected"),
    [
        (
            Policy(hourly=2),
            [
                "2026-03-01 09:59",
                "2026-03-01 10:05",
                "2026-03-01 10:40",
                "2026-03-01 11:00",
                "2026-03-01 11:59",
            ],
            ["2026-03-01 11:59", "2026-03-01 10:40"],
        ),
        (
            Policy(daily=2),
            ["2026-03-01 23:59", "2026-03-02 00:00", "2026-03-02 12:00", "2026-03-03 00:00"],
            ["2026-03-03 00:00", "2026-03-02 12:00"],
        ),
        (  # ISO weeks start on Monday; 30 December 2024 is in week 1 of 2025
            Policy(weekly=3),
            [
                "2024-12-22 12:00",
                "2024-12-29 23:59",
                "2024-12-30 00:00",
                "2025-01-05 23:59",
                "2025-01-06 00:00",
            ],
            ["2025-01-06 00:00", "2025-01-05 23:59", "2024-12-29 23:59"],
        ),
        (
            Policy(monthly=2),
            ["2026-01-31 23:59", "2026-02-01 00:00", "2026-02-28 23:59", "2026-03-01 00:00"],
            ["2026-03-01 00:00", "2026-02-28 23:59"],
        ),
        (
            Policy(yearly=2),
            ["2024-12-31 23:59", "2025-01-01 00:00", "2025-12-31 23:59", "2026-01-01 00:00"],
            ["2026-01-01 00:00", "2025-12-31 23:59"],
        ),
    ],
    ids=["hourly", "daily", "weekly", "monthly", "yearly"],
)
def test_each_period_rule_keeps_the_newest_backup_of_each_of_the_newest_periods(
    policy: Policy, moments: list[str], expected: list[str]
) -> None:
    (rule,) = policy.rules

    assert kept(policy, *moments) == dict.fromkeys(expected, (rule,))


def test_periods_without_a_backup_are_not_counted() -> None:
    moments = [
        "2026-03-01 08:00",
        "2026-03-05 08:00",
        "2026-03-09 08:00",
        "2026-03-20 08:00",
        "2026-03-20 09:00",
    ]

    assert list(kept(Policy(daily=3), *moments)) == [
        "2026-03-20 09:00",
        "2026-03-09 08:00",
        "2026-03-05 08:00",
    ]


def test_a_rule_with_a_count_left_keeps_the_oldest_backup_too() -> None:
    moments = ["2026-03-01 08:00", "2026-03-01 09:00", "2026-03-02 08:00", "2026-03-02 09:00"]

    assert kept(Policy(daily=7), *moments) == {
        "2026-03-02 09:00": ("daily",),
        "2026-03-01 09:00": ("daily",),
        "2026-03-01 08:00": ("daily",),
    }
    assert "2026-03-01 08:00" not in kept(Policy(daily=2), *moments)


def test_minus_one_keeps_every_period() -> None:
    moments = [
        f"20{year}-{month:02}-1{day} 12:00" for year in (24, 25) for month in range(1, 13) for day in (1, 2)
    ]

    monthly = kept(Policy(monthly=NO_LIMIT), *moments)

    newest_of_each_month = [
        f"20{year}-{month:02}-12 12:00" for year in (25, 24) for month in range(12, 0, -1)
    ]
    assert list(monthly) == [*newest_of_each_month, "2024-01-11 12:00"]  # and the oldest: a count is left
    assert str(Policy(monthly=NO_LIMIT)) == "keep all monthly (periods in UTC)"


def test_a_backup_kept_by_any_rule_is_kept() -> None:
    moments = [
        "2025-11-30 10:00",
        "2025-12-31 09:00",
        "2026-01-30 10:00",
        "2026-01-31 08:00",
        "2026-01-31 09:00",
        "2026-02-01 07:00",
        "2026-02-01 07:30",
    ]
    policy = Policy(last=1, daily=2, monthly=3)

    assert kept(policy, *moments) == {
        "2026-02-01 07:30": ("last", "daily", "monthly"),
        "2026-01-31 09:00": ("daily", "monthly"),
        "2025-12-31 09:00": ("monthly",),
    }
    assert str(policy) == "keep 1 last, 2 daily, 3 monthly (periods in UTC)"


def test_equal_moments_are_ordered_by_id_as_listings_are() -> None:
    moment = utc("2026-03-01 08:00")

    decisions = decide(Policy(last=1), [("1.0.0_1", moment), ("1.0.0_2", moment)])

    assert [(decision.backup_id, decision.kept) for decision in decisions] == [
        ("1.0.0_2", True),
        ("1.0.0_1", False),
    ]


# Europe/Berlin goes from UTC+2 back to UTC+1 at 03:00 on 25 October 2026, so 02:00 to 03:00
# happens twice, and that day lasts 25 hours: from 22:00 UTC on the 24th to 23:00 UTC on the 25th.
AUTUMN = {
    "2026-10-24 21:30": "2026-10-24 23:30:00+02:00",
    "2026-10-24 22:30": "2026-10-25 00:30:00+02:00",
    "2026-10-25 00:15": "2026-10-25 02:15:00+02:00",
    "2026-10-25 01:15": "2026-10-25 02:15:00+01:00",
    "2026-10-25 22:30": "2026-10-25 23:30:00+01:00",
    "2026-10-25 23:30": "2026-10-26 00:30:00+01:00",
}


def test_periods_follow_the_wall_clock_of_the_timezone_when_clocks_go_back() -> None:
    moments = list(AUTUMN)
    decisions = decide(
        Policy(hourly=NO_LIMIT, timezone=BERLIN), [(moment, utc(moment)) for moment in moments]
    )

    assert {decision.backup_id: str(decision.created) for decision in decisions} == AUTUMN
    hourly_berlin = kept(Policy(hourly=NO_LIMIT, timezone=BERLIN), *moments)
    assert "2026-10-25 00:15" not in hourly_berlin  # the first 02:15 shares the repeated hour with the second
    assert len(hourly_berlin) == 5
    assert len(kept(Policy(hourly=NO_LIMIT), *moments)) == 6

    daily_berlin = kept(Policy(daily=NO_LIMIT, timezone=BERLIN), *moments)
    assert list(daily_berlin) == ["2026-10-25 23:30", "2026-10-25 22:30", "2026-10-24 21:30"]
    daily_utc = kept(Policy(daily=NO_LIMIT), *moments)
    assert list(daily_utc) == ["2026-10-25 23:30", "2026-10-24 22:30", "2026-10-24 21:30"]


def test_a_day_lasts_23_hours_when_clocks_go_forward() -> None:
    # At 02:00 on 29 March 2026 Europe/Berlin goes to 03:00 (from UTC+1 to UTC+2), so that day
    # runs from 23:00 UTC on the 28th to 22:00 UTC on the 29th, and has no 02:00 hour.
    moments = ["2026-03-28 22:59", "2026-03-28 23:00", "2026-03-29 00:30", "2026-03-29 01:30"]
    moments += ["2026-03-29 21:59", "2026-03-29 22:00"]

    decisions = decide(Policy(daily=NO_LIMIT, timezone=BERLIN), [(moment, utc(moment)) for moment in moments])

    assert [decision.created.hour for decision in reversed(decisions)] == [23, 0, 1, 3, 23, 0]
    assert kept(Policy(daily=NO_LIMIT, timezone=BERLIN), *moments) == {
        "2026-03-29 22:00": ("daily",),
        "2026-03-29 21:59": ("daily",),
        "2026-03-28 22:59": ("daily",),
    }
    assert str(Policy(daily=7, timezone=BERLIN)) == "keep 7 daily (periods in Europe/Berlin)"
