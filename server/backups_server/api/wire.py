"""The wire shapes the API answers with, in one place: a backup as the API shows it, a job's status,
and where a backup is. The words of the spec (the states of a job, the platforms) come from the
client package generated from it, and the path of a backup from the spec itself (read here, as the server
serves it), never typed again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import yaml

from backups_api_client.models import ModelDownloadProgressStatusEnum, PlatformEnum

if TYPE_CHECKING:
    from pathlib import Path

    from backups_server.storage.records import BackupRecord, StoredManifest

State = ModelDownloadProgressStatusEnum
"""The states of a job, as its events and its status say them (BackupStatusEnum has the same)."""

BACKUP_OPERATION = "backup-specific-backup-snapshot"
"""The operation that reads one backup: its path is where a backup is (`Content-Location`)."""


class InvalidSpec(ValueError):
    """The OpenAPI document lacks something the server needs."""


def backup(record: BackupRecord, today: date) -> dict[str, Any]:
    """The API's Backup of a record, with `created.readable` relative to `today` (a local date)."""
    created = record.created
    try:
        platform = PlatformEnum(record.platform)
    except ValueError:
        platform = PlatformEnum.UNKNOWN
    return {
        "id": record.backup_id,
        "version": record.version,
        "timestamp": str(record.timestamp),
        "bytes": record.size,
        "created": {
            "value": created.isoformat(timespec="microseconds"),
            "readable": readable(created, today),
        },
        "device_name": record.device_name,
        "platform": platform.value,
    }


def status(backup: dict[str, Any], state: State, percentage: float) -> dict[str, Any]:
    """The API's BackupStatus."""
    return {"backup": backup, "value": state.value, "percentage": percentage}


def load_document(spec: Path) -> dict[str, Any]:
    """The OpenAPI document the server serves, read with libyaml when PyYAML has it (ten times faster
    than the pure Python reader, which would be half of the server's start)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load(spec.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    return document


def backup_path(document: dict[str, Any]) -> str:
    """The path of one backup, `{backup}` standing for its id, from the spec; raises InvalidSpec."""
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == BACKUP_OPERATION:
                return str(path)
    raise InvalidSpec(f"no operation {BACKUP_OPERATION}, whose path names a backup")


def local_date(clock_ns: int) -> date:
    """The local date at a time given in nanoseconds since the epoch."""
    return datetime.fromtimestamp(clock_ns / 1e9).astimezone().date()


class Presentations:
    """Each backup as the API shows it, made once per manifest and local day: only `created.readable`
    changes with the day. Those of earlier days are dropped when the day changes. Listings of the same
    day share these dicts: read them, never change them."""

    def __init__(self) -> None:
        self._day: tuple[date, dict[str, tuple[StoredManifest, dict[str, Any]]]] = (date.min, {})

    def of(self, manifest: StoredManifest, day: date) -> dict[str, Any]:
        known_day, made = self._day
        if known_day != day:
            made = {}
            self._day = (day, made)
        known = made.get(manifest.backup_id)
        if known is None or known[0] is not manifest:  # new, or a manifest replaced under its name
            known = made[manifest.backup_id] = (manifest, backup(manifest.record, day))
        return known[1]


def readable(moment: datetime, today: date) -> str:
    """`Today - November 28th, 8:23 a.m.`: how far back from `today` (a local date), then the
    moment in local time."""
    local = moment.astimezone()
    days = max((today - local.date()).days, 0)
    if days == 0:
        ago = "Today"
    elif days == 1:
        ago = "Yesterday"
    elif days < 7:
        ago = f"{days} days ago"
    elif days < 14:
        ago = "Last week"
    elif days < 60:
        ago = f"{days // 7} weeks ago"
    elif days < 730:
        ago = f"{days // 30} months ago"
    else:
        ago = f"{days // 365} years ago"
    day = local.day
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    year = "" if local.year == today.year else f" {local.year}"
    hour = local.hour % 12 or 12
    meridiem = "a.m." if local.hour < 12 else "p.m."
    return f"{ago} - {local:%B} {day}{suffix}{year}, {hour}:{local:%M} {meridiem}"
