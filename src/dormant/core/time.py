"""Time as the decisions count it: UTC timestamps, whole days, and the wording of windows.

Every kind counts whole days elapsed (floor) in UTC. Pure: standard library only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = [
    "created_within_window",
    "last_used_on",
    "parse_timestamp",
    "used_within_window",
    "whole_days",
]


def parse_timestamp(value: object, *, what: str = "timestamp") -> datetime:
    """A timezone-aware UTC datetime from a datetime or an ISO 8601 string.

    Accepts ``2024-01-02T03:04:05Z`` (AWS CLI v1), ``...+00:00`` (v2) and fractions.
    A naive value is taken as UTC, which is what IAM means.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not an ISO 8601 timestamp") from None
    else:
        raise ValueError(f"{what} {value!r} is not a timestamp")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_DAY = timedelta(days=1)


def whole_days(start: datetime, end: datetime) -> int:
    """Whole days elapsed from start to end (floor), never negative.

    A date after ``end`` (clock skew, or ``--as-of`` in the past) counts as 0 days.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("whole_days needs timezone-aware datetimes")
    elapsed = end - start
    if elapsed <= timedelta(0):
        return 0
    return elapsed // _DAY


def used_within_window(max_days: int) -> str:
    return f"Used within the last {max_days} days"


def last_used_on(region: str | None, last_used: datetime) -> str:
    where = f" in {region}" if region else ""
    return f"Last used{where} on {last_used.astimezone(UTC).date().isoformat()}"


def created_within_window(created: datetime, max_days: int) -> str:
    day = created.astimezone(UTC).date().isoformat()
    return f"Created on {day}, within the {max_days}-day window"
