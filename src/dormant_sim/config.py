"""AWS Config as strict as AWS where dormant depends on it.

- `issue_result_token` / `scheduled_event` play Config invoking a custom rule: each
  invocation's result token is tied to one rule in one account and region.
- PutEvaluations (moto: stores nothing, checks nothing) validates like AWS (at most 100
  evaluations, `dormant_sim.config_validation`), accepts only tokens issued here (or
  "TESTMODE" with TestMode=True) from the token's account, honours planned failures
  (`dormant_sim.faults.fail_evaluations`), and stores the latest evaluation per resource.
- GetComplianceDetailsByConfigRule (missing from moto) serves them back, filtered and paged.

State is process-global, as moto's backends are; `reset()` clears it. Test support over
moto's private classes (`ConfigResponse`); never imported by dormant's Lambda path. It must
never weaken a check that AWS makes.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.config.responses import ConfigResponse

from dormant_sim import faults
from dormant_sim.config_validation import (
    COMPLIANCE_TYPES,
    FILTER_COMPLIANCE_TYPES,
    check_length,
    validate_evaluation,
)
from dormant_sim.patching import Patch
from dormant_sim.protocol import (
    AwsError,
    constraint_error,
    decode_token,
    encode_token,
    json_body,
)

__all__ = [
    "COMPLIANCE_TYPES",
    "CONFIG_SERVICE_ROLE_PATH",
    "PATCHES",
    "TESTMODE_TOKEN",
    "StoredEvaluation",
    "issue_result_token",
    "reset",
    "scheduled_event",
    "stored_evaluations",
    "stored_rules",
]

CONFIG_SERVICE_ROLE_PATH = "/aws-service-role/config.amazonaws.com/"
TESTMODE_TOKEN = "TESTMODE"
_PUT_EVALUATIONS_MAX = 100
_COMPLIANCE_DETAILS_MAX_LIMIT = 100


@dataclass(frozen=True)
class StoredEvaluation:
    """One evaluation as AWS Config keeps it for a rule."""

    config_rule_name: str
    resource_type: str
    resource_id: str
    compliance_type: str
    annotation: str | None
    ordering_timestamp: datetime
    result_recorded_time: datetime
    config_rule_invoked_time: datetime


@dataclass(frozen=True)
class _TokenInfo:
    account_id: str
    region: str
    rule_name: str
    issued: datetime


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[str, _TokenInfo] = field(default_factory=dict)
    # (account, region) -> rule names known to the simulation
    rules: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # (account, region, rule) -> (resource type, resource id) -> latest evaluation
    evaluations: dict[tuple[str, str, str], dict[tuple[str, str], StoredEvaluation]] = field(
        default_factory=dict
    )


_state = _State()


def reset() -> None:
    """Forget issued tokens, known rules and stored evaluations."""
    with _state.lock:
        _state.tokens.clear()
        _state.rules.clear()
        _state.evaluations.clear()


def issue_result_token(rule_name: str, account_id: str, region: str = "us-east-1") -> str:
    """Register Config rule `rule_name` in account/region and issue a result token for it.

    PutEvaluations accepts only tokens issued here (or "TESTMODE" with TestMode=True), posted
    from credentials of the same account, as AWS Config ties a token to one rule invocation.
    """
    if not rule_name or len(rule_name) > 128:
        raise ValueError(f"invalid Config rule name {rule_name!r}")
    token = base64.b64encode(secrets.token_bytes(48)).decode("ascii")
    with _state.lock:
        _state.tokens[token] = _TokenInfo(account_id, region, rule_name, datetime.now(UTC))
        _state.rules.setdefault((account_id, region), set()).add(rule_name)
    return token


def _format_notification_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("notification_time must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def scheduled_event(
    rule_name: str,
    account_id: str,
    region: str = "us-east-1",
    rule_parameters: Mapping[str, Any] | None = None,
    execution_role_arn: str | None = None,
    notification_time: datetime | None = None,
) -> dict[str, Any]:
    """A Lambda event as AWS Config sends it to a periodic custom rule.

    The result token in it is registered, so the handler's PutEvaluations will be accepted.
    `ruleParameters` is absent when `rule_parameters` is None (as for a rule without input
    parameters), else the JSON of the mapping, values as given.
    """
    token = issue_result_token(rule_name, account_id, region)
    when = notification_time if notification_time is not None else datetime.now(UTC)
    rule_id = "config-rule-" + secrets.token_hex(3)
    invoking_event = {
        "awsAccountId": account_id,
        "notificationCreationTime": _format_notification_time(when),
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    event: dict[str, Any] = {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking_event),
        "resultToken": token,
        "eventLeftScope": False,
        "executionRoleArn": execution_role_arn
        or f"arn:aws:iam::{account_id}:role{CONFIG_SERVICE_ROLE_PATH}AWSServiceRoleForConfig",
        "configRuleArn": f"arn:aws:config:{region}:{account_id}:config-rule/{rule_id}",
        "configRuleName": rule_name,
        "configRuleId": rule_id,
        "accountId": account_id,
    }
    if rule_parameters is not None:
        event["ruleParameters"] = json.dumps(dict(rule_parameters))
    return event


def stored_evaluations(
    rule_name: str, account_id: str, region: str = "us-east-1"
) -> list[StoredEvaluation]:
    """What AWS Config holds for the rule: the latest evaluation per resource, in put order."""
    with _state.lock:
        return list(_state.evaluations.get((account_id, region, rule_name), {}).values())


def stored_rules() -> list[tuple[str, str, str]]:
    """(account, region, rule) for every rule that holds stored evaluations, sorted."""
    with _state.lock:
        return sorted(key for key, stored in _state.evaluations.items() if stored)


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _put_evaluations(self: ConfigResponse) -> str:
    body = json_body(self)
    evaluations = body.get("Evaluations") or []
    token = body.get("ResultToken")
    test_mode = bool(body.get("TestMode", False))
    if not isinstance(evaluations, list):
        raise constraint_error(
            "ValidationException", evaluations, "evaluations", "Member must be a list"
        )
    if len(evaluations) > _PUT_EVALUATIONS_MAX:
        raise constraint_error(
            "ValidationException",
            f"[{len(evaluations)} evaluations]",
            "evaluations",
            f"Member must have length less than or equal to {_PUT_EVALUATIONS_MAX}",
        )
    checked = [validate_evaluation(i, e) for i, e in enumerate(evaluations, start=1)]
    if not isinstance(token, str) or not token:
        raise constraint_error(
            "ValidationException", token, "resultToken", "Member must not be null"
        )

    with _state.lock:
        info = _state.tokens.get(token)
    if info is None and not (test_mode and token == TESTMODE_TOKEN):
        raise AwsError("InvalidResultTokenException", "The resultToken provided is invalid")
    if info is not None and info.account_id != self.current_account:
        raise AwsError(
            "InvalidResultTokenException",
            f"The resultToken provided is invalid: it was issued for account {info.account_id}, "
            f"not for the caller's account {self.current_account}",
        )
    if test_mode or info is None:
        return json.dumps({"FailedEvaluations": []})

    failed_count = faults.take_evaluation_failures(len(checked))
    failed = [e for e, _ in checked[:failed_count]]
    recorded = datetime.now(UTC)
    with _state.lock:
        store = _state.evaluations.setdefault((info.account_id, info.region, info.rule_name), {})
        for evaluation, ordering in checked[failed_count:]:
            key = (evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"])
            previous = store.get(key)
            # Config orders results by OrderingTimestamp: an older evaluation never wins.
            if previous is not None and previous.ordering_timestamp > ordering:
                continue
            store[key] = StoredEvaluation(
                config_rule_name=info.rule_name,
                resource_type=key[0],
                resource_id=key[1],
                compliance_type=evaluation["ComplianceType"],
                annotation=evaluation.get("Annotation"),
                ordering_timestamp=ordering,
                result_recorded_time=recorded,
                config_rule_invoked_time=info.issued,
            )
    return json.dumps({"FailedEvaluations": failed}, default=str)


def _rule_exists(account_id: str, region: str, rule_name: str) -> bool:
    with _state.lock:
        if rule_name in _state.rules.get((account_id, region), set()):
            return True
    from moto.config.models import config_backends

    try:
        return rule_name in config_backends[account_id][region].config_rules
    except KeyError:
        return False


def _get_compliance_details_by_config_rule(self: ConfigResponse) -> str:
    body = json_body(self)
    rule_name = body.get("ConfigRuleName")
    check_length(rule_name, "configRuleName", 1, 128, required=True)
    assert isinstance(rule_name, str)
    compliance_types = body.get("ComplianceTypes") or list(FILTER_COMPLIANCE_TYPES)
    for value in compliance_types:
        if value not in FILTER_COMPLIANCE_TYPES:
            raise constraint_error(
                "ValidationException",
                value,
                "complianceTypes",
                "Member must satisfy enum value set: "
                "[NOT_APPLICABLE, COMPLIANT, NON_COMPLIANT, INSUFFICIENT_DATA]",
            )
    limit = body.get("Limit") or _COMPLIANCE_DETAILS_MAX_LIMIT
    if not isinstance(limit, int) or limit < 0 or limit > _COMPLIANCE_DETAILS_MAX_LIMIT:
        raise constraint_error(
            "ValidationException",
            limit,
            "limit",
            f"Member must have value less than or equal to {_COMPLIANCE_DETAILS_MAX_LIMIT}",
        )
    account_id, region = self.current_account, self.region
    if not _rule_exists(account_id, region, rule_name):
        raise AwsError(
            "NoSuchConfigRuleException",
            f"The ConfigRule '{rule_name}' provided in the request is invalid. "
            "Please check the configRule name.",
        )
    wanted = set(compliance_types)
    matching = [
        e for e in stored_evaluations(rule_name, account_id, region) if e.compliance_type in wanted
    ]
    start = 0
    next_token = body.get("NextToken")
    if next_token:
        decoded = decode_token(str(next_token), "compliance")
        if decoded is None or decoded > len(matching):
            raise AwsError("InvalidNextTokenException", "The nextToken provided is invalid")
        start = decoded
    end = start + limit
    results = []
    for e in matching[start:end]:
        result: dict[str, Any] = {
            "EvaluationResultIdentifier": {
                "EvaluationResultQualifier": {
                    "ConfigRuleName": e.config_rule_name,
                    "ResourceType": e.resource_type,
                    "ResourceId": e.resource_id,
                    "EvaluationMode": "DETECTIVE",
                },
                "OrderingTimestamp": _epoch(e.ordering_timestamp),
            },
            "ComplianceType": e.compliance_type,
            "ResultRecordedTime": _epoch(e.result_recorded_time),
            "ConfigRuleInvokedTime": _epoch(e.config_rule_invoked_time),
        }
        if e.annotation is not None:
            result["Annotation"] = e.annotation
        results.append(result)
    response: dict[str, Any] = {"EvaluationResults": results}
    if end < len(matching):
        response["NextToken"] = encode_token("compliance", end)
    return json.dumps(response)


PATCHES = (
    Patch(ConfigResponse, "put_evaluations", _put_evaluations),
    # moto dispatches to any method named after the operation, so adding one implements it.
    Patch(
        ConfigResponse,
        "get_compliance_details_by_config_rule",
        _get_compliance_details_by_config_rule,
    ),
)
