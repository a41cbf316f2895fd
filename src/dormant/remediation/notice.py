"""The retire lifecycle's notice, as pure data: the tag that records it and the dates it sets.

Before a retire campaign takes access away it tells the resource's owner, and tags the role
or user ``dormant:notice-at`` with the UTC day it did. The notice runs in clear days: the
day it was given counts as none, so a notice of ``notice_days`` given on day D ends on
D + ``notice_days`` + 1 (``notice_ends``). Whatever the hour it was given (a scheduled run
at 23:00, or a run by hand), and whatever the hour of the run that quarantines, the owner
then had at least ``notice_days`` whole days (24 hours each) before it. The resource is
quarantined on or after that day, and only if it is still unused; a resource used (or
exempted) since its notice has the tag removed. Every kind reads and
writes the same tag the same way. Standard library only; no clock (``now`` is an argument).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

__all__ = [
    "TAG_NOTICE_AT",
    "LifecycleStep",
    "NextStep",
    "due_on",
    "notice_day",
    "notice_ends",
    "notice_served",
    "notice_tag_value",
    "parse_notice_day",
    "used_since",
]

TAG_NOTICE_AT = "dormant:notice-at"


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class LifecycleStep(enum.StrEnum):
    """A step of the retire lifecycle, for roles and users alike (users are never deleted);
    assignments go from a notice straight to ``unassign``."""

    NOTIFY = "notify"  # tell the owner, tag dormant:notice-at
    QUARANTINE = "quarantine"
    DELETE = "delete"
    CLEAR = "clear"  # used or exempted since the notice: the tag comes off, the owner is told
    UNASSIGN = "unassign"  # Identity Center's assignments: removed, backed up, no quarantine
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class NextStep:
    """What happens next to a resource, and on which UTC day at the earliest."""

    step: LifecycleStep
    on: date

    def record(self) -> dict[str, str]:
        return {"step": str(self.step), "on": self.on.isoformat()}


def notice_tag_value(now: datetime) -> str:
    """The tag's value: the UTC day of the notice, ``YYYY-MM-DD``."""
    return now.astimezone(UTC).date().isoformat()


def parse_notice_day(value: str | None) -> date | None:
    """The day a ``dormant:notice-at`` value names, or None if absent or unreadable."""
    if value is None or not _DAY.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def notice_day(tags: Iterable[tuple[str, str]]) -> date | None:
    """The notice day a resource's tags hold, or None."""
    return parse_notice_day(next((v for k, v in tags if k == TAG_NOTICE_AT), None))


def used_since(day: date, last_used: datetime | None) -> bool:
    """The resource was used on or after the notice day (UTC)."""
    if last_used is None:
        return False
    return last_used >= datetime(day.year, day.month, day.day, tzinfo=UTC)


def due_on(day: date, days: int) -> date:
    """The day ``days`` whole days after ``day``."""
    return day + timedelta(days=days)


def notice_ends(day: date, notice_days: int) -> date:
    """The first UTC day on which a notice given on ``day`` has lasted ``notice_days`` whole
    days, at whatever hour of ``day`` it was given and of that day it is acted on: the day of
    the notice counts as none. The day a notice announces, and the earliest day of the step
    it announces."""
    return day + timedelta(days=notice_days + 1)


def notice_served(day: date, now: datetime, notice_days: int) -> bool:
    """A notice given on ``day`` has run its ``notice_days`` clear days at ``now``."""
    return now.astimezone(UTC).date() >= notice_ends(day, notice_days)
