"""Parse the event AWS Config sends a custom rule's Lambda into a typed value.

Anything that is not a well-formed Config rule event is an ``InvalidEvent`` that
names the key at fault; nothing is guessed or silently defaulted. Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dormant.core.errors import InvalidEvent
from dormant.core.settings import parse_rule_parameters
from dormant.core.time import parse_timestamp

__all__ = ["SCHEDULED_NOTIFICATION", "TEST_MODE_TOKEN", "ConfigRuleEvent", "parse_event"]

SCHEDULED_NOTIFICATION = "ScheduledNotification"


TEST_MODE_TOKEN = "TESTMODE"  # a resultToken of TESTMODE means PutEvaluations(TestMode=True)


@dataclass(frozen=True, slots=True)
class ConfigRuleEvent:
    """A periodic (ScheduledNotification) invocation of the rule."""

    account_id: str
    rule_name: str
    result_token: str
    notification_time: datetime
    rule_parameters: Mapping[str, object] = field(default_factory=dict)
    execution_role_arn: str | None = None
    config_rule_arn: str | None = None
    message_type: str = SCHEDULED_NOTIFICATION

    @property
    def test_mode(self) -> bool:
        return self.result_token == TEST_MODE_TOKEN

    @property
    def partition(self) -> str:
        """``aws``, ``aws-cn`` or ``aws-us-gov``, from the rule's ARN when Config sent one."""
        if self.config_rule_arn and self.config_rule_arn.startswith("arn:"):
            return self.config_rule_arn.split(":")[1] or "aws"
        return "aws"


def _require_str(event: Mapping[str, object], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"Config rule event has no {key}")
    return value


def parse_event(event: object) -> ConfigRuleEvent:
    if not isinstance(event, Mapping):
        raise InvalidEvent(f"Config rule event must be a JSON object, got {type(event).__name__}")
    raw_invoking = _require_str(event, "invokingEvent")
    try:
        invoking = json.loads(raw_invoking)
    except ValueError as exc:
        raise InvalidEvent(f"Config rule event's invokingEvent is not JSON ({exc})") from None
    if not isinstance(invoking, Mapping):
        raise InvalidEvent("Config rule event's invokingEvent is not a JSON object")
    message_type = invoking.get("messageType")
    if message_type != SCHEDULED_NOTIFICATION:
        raise InvalidEvent(
            f"this rule is periodic: invokingEvent.messageType must be {SCHEDULED_NOTIFICATION},"
            f" got {message_type!r} (configure the rule with MaximumExecutionFrequency)"
        )
    created = invoking.get("notificationCreationTime")
    try:
        notification_time = parse_timestamp(created, what="notificationCreationTime")
    except ValueError as exc:
        raise InvalidEvent(f"Config rule event's invokingEvent: {exc}") from None
    account_id = event.get("accountId") or invoking.get("awsAccountId")
    if not isinstance(account_id, str) or not account_id.isdigit() or len(account_id) != 12:
        raise InvalidEvent(f"Config rule event has no valid accountId: {account_id!r}")
    params = parse_rule_parameters(event.get("ruleParameters"))
    execution_role_arn = event.get("executionRoleArn")
    config_rule_arn = event.get("configRuleArn")
    return ConfigRuleEvent(
        account_id=account_id,
        rule_name=_require_str(event, "configRuleName"),
        result_token=_require_str(event, "resultToken"),
        notification_time=notification_time,
        rule_parameters=params,
        execution_role_arn=execution_role_arn if isinstance(execution_role_arn, str) else None,
        config_rule_arn=config_rule_arn if isinstance(config_rule_arn, str) else None,
        message_type=SCHEDULED_NOTIFICATION,
    )
