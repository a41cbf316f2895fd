"""Time as the decisions count it: UTC timestamps, whole days, and the wording of windows.

Every kind counts whole days elapsed (floor) in UTC. Pure: standard library only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dormant.core.errors import DormantError

__all__ = [
    "STALE_INPUT_DAYS",
    "Timeline",
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


# A saved input (snapshot, credential report) whose newest date is older than this, read
# without --as-of, is most likely an old file measured against today: say so.
STALE_INPUT_DAYS = 30


@dataclass
class Timeline:
    """What a report's input says about time, checked against the report's ``now``.

    A resource created after ``now`` did not exist then: it is left out and counted
    (``not_yet_created``). A last use after ``latest`` cannot be true: a data error naming
    the resource and the field. ``latest`` is ``now`` for a saved input measured as of a
    given time (a snapshot cannot hold a use after the moment it is judged at), and the
    clock plus some skew for a live read (an account goes on being used after --as-of).
    The newest date seen tells whether the input is old (``stale_hint``). ``as_of``: whether
    ``now`` was given (--as-of, a report's own time) rather than the clock's. Shared by the
    threads of a multi-account scan, so it counts under a lock.
    """

    now: datetime
    as_of: bool = False
    latest: datetime | None = None  # None: now
    error: type[DormantError] = DormantError
    not_yet_created: int = 0
    newest: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def admit(
        self,
        who: str,
        created: datetime | None,
        used: Iterable[tuple[str, datetime | None]] = (),
    ) -> bool:
        """Whether ``who`` existed at ``now``; raises ``error`` for a use after ``now``."""
        if created is not None and created > self.now:
            with self._lock:
                self.not_yet_created += 1
            return False
        newest = created
        latest = self.now if self.latest is None else self.latest
        for name, moment in used:
            if moment is None:
                continue
            if moment > latest:
                if self.as_of and latest == self.now:
                    raise self.error(
                        f"{who}: {name} {_iso(moment)} is after {self._now_text()}: give an "
                        "--as-of at or after the input's newest date"
                    )
                raise self.error(
                    f"{who}: {name} {_iso(moment)} is in the future (after {_iso(latest)}): "
                    "a date in the future cannot be true"
                )
            newest = moment if newest is None or moment > newest else newest
        if newest is not None and (self.newest is None or newest > self.newest):
            with self._lock:
                if self.newest is None or newest > self.newest:
                    self.newest = newest
        return True

    def _now_text(self) -> str:
        return f"--as-of {_iso(self.now)}" if self.as_of else f"now ({_iso(self.now)})"

    def left_out(self, noun: str) -> str | None:
        """``2 roles created after --as-of 2024-06-01T00:00:00Z are left out``, or None."""
        if not self.not_yet_created:
            return None
        count = self.not_yet_created
        return (
            f"{count} {noun if count != 1 else noun.rstrip('s')} created after "
            f"{self._now_text()} {'are' if count != 1 else 'is'} left out (not_yet_created)"
        )

    def stale_hint(self) -> str | None:
        """A hint when the input's newest date is over ``STALE_INPUT_DAYS`` old, or None."""
        if self.as_of or self.newest is None:
            return None
        age = whole_days(self.newest, self.now)
        if age <= STALE_INPUT_DAYS:
            return None
        return (
            f"the input's newest date is {_iso(self.newest)}, {age} days ago: measured against "
            f"today everything in it looks unused; to see it as of when it was taken, add "
            f"--as-of {_iso(self.newest)}"
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
