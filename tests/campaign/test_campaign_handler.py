"""The retire function's environment and event, read with one line per bad value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dormant.campaign.handler import RetireEnvironment, scheduled_time
from dormant.core.errors import InvalidParameter

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


def test_the_day_is_the_schedules() -> None:
    when = scheduled_time({"scheduled_time": "2026-12-15T06:00:00Z"})
    assert when == datetime(2026, 12, 15, 6, tzinfo=UTC)
    assert scheduled_time({}).tzinfo is not None
    with pytest.raises(InvalidParameter, match="scheduled_time"):
        scheduled_time({"scheduled_time": "tomorrow"})
    with pytest.raises(InvalidParameter, match="no time zone"):
        scheduled_time({"scheduled_time": "2026-12-15T06:00:00"})
