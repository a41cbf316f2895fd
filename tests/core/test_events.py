"""Config rule events: the real shape parses; anything else fails naming the key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dormant.core.errors import InvalidEvent, InvalidParameter
from dormant.core.events import parse_event


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": "1.0",
        "invokingEvent": json.dumps(
            {
                "awsAccountId": "111111111111",
                "notificationCreationTime": "2024-06-01T12:00:00.918Z",
                "messageType": "ScheduledNotification",
                "recordVersion": "1.0",
            }
        ),
        "ruleParameters": json.dumps({"max_days_for_last_used": "30"}),
        "resultToken": "token",
        "eventLeftScope": False,
        "executionRoleArn": "arn:aws:iam::111111111111:role/aws-service-role/"
        "config.amazonaws.com/AWSServiceRoleForConfig",
        "configRuleArn": "arn:aws:config:us-east-1:111111111111:config-rule/config-rule-abc",
        "configRuleName": "iam-role-last-used",
        "configRuleId": "config-rule-abc",
        "accountId": "111111111111",
    }
    base.update(overrides)
    return base


def test_scheduled_notification_parses() -> None:
    parsed = parse_event(event())
    assert parsed.account_id == "111111111111"
    assert parsed.rule_name == "iam-role-last-used"
    assert parsed.notification_time == datetime(2024, 6, 1, 12, 0, 0, 918000, tzinfo=UTC)
    assert parsed.rule_parameters == {"max_days_for_last_used": "30"}
    assert parsed.partition == "aws"
    assert not parsed.test_mode
    assert parse_event(event(resultToken="TESTMODE")).test_mode


def test_rule_parameters_may_be_absent() -> None:
    raw = event()
    del raw["ruleParameters"]
    assert parse_event(raw).rule_parameters == {}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"invokingEvent": "not json"}, "invokingEvent is not JSON"),
        ({"resultToken": ""}, "no resultToken"),
        ({"configRuleName": None}, "no configRuleName"),
        ({"accountId": "12"}, "accountId"),
        (
            {"invokingEvent": json.dumps({"messageType": "ConfigurationItemChangeNotification"})},
            "messageType must be ScheduledNotification",
        ),
        (
            {
                "invokingEvent": json.dumps(
                    {"messageType": "ScheduledNotification", "notificationCreationTime": "soon"}
                )
            },
            "notificationCreationTime",
        ),
    ],
)
def test_malformed_events_name_the_key(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        parse_event(event(**overrides))


def test_rule_parameters_that_are_not_json_name_the_parameter() -> None:
    with pytest.raises(InvalidParameter, match="ruleParameters"):
        parse_event(event(ruleParameters="{oops"))


def test_not_an_object() -> None:
    with pytest.raises(InvalidEvent, match="must be a JSON object"):
        parse_event(["x"])
