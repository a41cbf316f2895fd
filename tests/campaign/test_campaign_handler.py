"""The retire function's environment and event, read with one line per bad value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dormant.campaign.handler import RetireEnvironment, check_scheduled_time, run_once
from dormant.core.errors import InvalidEvent, InvalidParameter

ENV = {
    "NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:111111111111:dormant-retire-notices",
    "BACKUP_BUCKET": "backups",
    "QUARANTINE_POLICY_ARN": "arn:aws:iam::111111111111:policy/dormant/dormant-quarantine-deny",
}


def test_defaults_are_notices_only_after_14_days() -> None:
    read = RetireEnvironment(ENV)
    assert (read.mode, read.notice_days, read.after_days, read.max_roles) == ("Notify", 14, 30, 10)
    assert read.webhook_secret_arn is None
    assert read.default_owner is None
    assert read.prefix == "roles/"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("RETIRE_MODE", "Delete", "RETIRE_MODE"),
        ("NOTICE_DAYS", "two", "NOTICE_DAYS"),
        ("AFTER_DAYS", "0", "AFTER_DAYS"),
        ("MAX_ROLES_PER_RUN", "-1", "MAX_ROLES_PER_RUN"),
        ("BACKUP_BUCKET", "", "BACKUP_BUCKET"),
        ("MAX_DAYS_FOR_LAST_USED", "many", "max_days_for_last_used"),
    ],
)
def test_a_bad_value_is_one_line_naming_it(name: str, value: str, says: str) -> None:
    with pytest.raises(InvalidParameter, match=says) as raised:
        RetireEnvironment({**ENV, name: value})
    assert "\n" not in str(raised.value)


NOW = datetime(2026, 12, 15, 6, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "event",
    [
        {"scheduled_time": "2026-12-15T06:00:00Z"},
        {"scheduled_time": "2026-12-15T05:46:00+00:00"},
        {"scheduled_time": "2026-12-15T07:10:00+01:00"},
        {},
        {"scheduled_time": ""},
    ],
)
def test_the_schedules_time_is_accepted_near_the_clock(event: dict[str, str]) -> None:
    check_scheduled_time(event, NOW)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("2029-12-15T06:00:00Z", "not within 15 minutes of the function's clock"),
        ("2026-12-15T06:16:00Z", "not within 15 minutes"),
        ("2026-11-01T06:00:00Z", "not within 15 minutes"),
        ("tomorrow", "not an ISO 8601 time"),
        ("2026-12-15T06:00:00", "has no time zone"),
    ],
)
def test_any_other_scheduled_time_is_one_line_naming_the_field(raw: str, says: str) -> None:
    with pytest.raises(InvalidEvent, match=says) as raised:
        check_scheduled_time({"scheduled_time": raw}, NOW)
    message = str(raised.value)
    assert "event field scheduled_time" in message
    assert "nothing was changed" in message
    assert "\n" not in message


def test_an_event_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidEvent, match="not an object"):
        check_scheduled_time(["2026-12-15T06:00:00Z"], NOW)


def test_a_forged_time_stops_the_run_before_any_call() -> None:
    """No session, no client: the check comes first (a session here would fail on no
    credentials or reach for the network, not on the event)."""
    forged = {"scheduled_time": "2029-12-15T06:00:00Z"}
    with pytest.raises(InvalidEvent, match="scheduled_time"):
        run_once(forged, ENV, clock=lambda: NOW)
