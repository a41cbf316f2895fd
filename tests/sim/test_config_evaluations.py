"""PutEvaluations validates and stores like AWS Config; GetComplianceDetailsByConfigRule pages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
RULE = "iam-role-last-used"


def _evaluation(
    resource_id: str, when: datetime, compliance: str = "NON_COMPLIANT", **extra: Any
) -> dict[str, Any]:
    return {
        "ComplianceResourceType": "AWS::IAM::Role",
        "ComplianceResourceId": resource_id,
        "ComplianceType": compliance,
        "Annotation": "No record of usage",
        "OrderingTimestamp": when,
        **extra,
    }


def _error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def _all_results(config: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    results: list[dict[str, Any]] = []
    calls = 0
    while True:
        page = config.get_compliance_details_by_config_rule(ConfigRuleName=RULE, **kwargs)
        calls += 1
        results.extend(page["EvaluationResults"])
        if not page.get("NextToken"):
            return results, calls
        kwargs["NextToken"] = page["NextToken"]


def test_evaluations_are_stored_and_served_back(sim: Simulation, now: datetime) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    config = sim.client("config")

    answer = config.put_evaluations(
        Evaluations=[_evaluation("AROA1", now), _evaluation("AROA2", now, "COMPLIANT")],
        ResultToken=token,
    )

    assert answer["FailedEvaluations"] == []
    results, _ = _all_results(config)
    qualifiers = [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"] for r in results]
    assert qualifiers == [
        {
            "ConfigRuleName": RULE,
            "ResourceType": "AWS::IAM::Role",
            "ResourceId": resource_id,
            "EvaluationMode": "DETECTIVE",
        }
        for resource_id in ("AROA1", "AROA2")
    ]
    first = results[0]
    assert first["ComplianceType"] == "NON_COMPLIANT"
    assert first["Annotation"] == "No record of usage"
    assert first["EvaluationResultIdentifier"]["OrderingTimestamp"] == now
    assert "ResultRecordedTime" in first
    assert "ConfigRuleInvokedTime" in first
    assert [r["ComplianceType"] for r in results] == ["NON_COMPLIANT", "COMPLIANT"]


def test_the_latest_evaluation_of_a_resource_wins(sim: Simulation, now: datetime) -> None:
    config = sim.client("config")
    config.put_evaluations(
        Evaluations=[_evaluation("AROA1", now)], ResultToken=sim.issue_result_token(RULE, ACCOUNT)
    )
    later = now + timedelta(days=1)
    config.put_evaluations(
        Evaluations=[_evaluation("AROA1", later, "NOT_APPLICABLE", Annotation="Role deleted")],
        ResultToken=sim.issue_result_token(RULE, ACCOUNT),
    )
    # An evaluation ordered before the stored one does not replace it.
    config.put_evaluations(
        Evaluations=[_evaluation("AROA1", now - timedelta(days=5))],
        ResultToken=sim.issue_result_token(RULE, ACCOUNT),
    )

    results, _ = _all_results(config)

    assert len(results) == 1
    assert results[0]["ComplianceType"] == "NOT_APPLICABLE"
    assert results[0]["Annotation"] == "Role deleted"


def test_more_than_100_evaluations_are_rejected_and_nothing_is_stored(
    sim: Simulation, now: datetime
) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    with pytest.raises(ClientError) as caught:
        sim.client("config").put_evaluations(
            Evaluations=[_evaluation(f"AROA{i}", now) for i in range(101)], ResultToken=token
        )
    assert _error_code(caught) == "ValidationException"
    assert "less than or equal to 100" in caught.value.response["Error"]["Message"]
    assert sim.stored_evaluations(RULE, ACCOUNT) == []


def test_exactly_100_evaluations_are_accepted(sim: Simulation, now: datetime) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    sim.client("config").put_evaluations(
        Evaluations=[_evaluation(f"AROA{i}", now) for i in range(100)], ResultToken=token
    )
    assert len(sim.stored_evaluations(RULE, ACCOUNT)) == 100


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"Annotation": "x" * 257}, "ValidationException"),
        ({"ComplianceType": "MAYBE"}, "ValidationException"),
        ({"ComplianceType": "INSUFFICIENT_DATA"}, "InvalidParameterValueException"),
        ({"ComplianceResourceId": "x" * 769}, "ValidationException"),
    ],
)
def test_invalid_evaluations_are_rejected(
    sim: Simulation, now: datetime, change: dict[str, Any], code: str
) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    with pytest.raises(ClientError) as caught:
        sim.client("config").put_evaluations(
            Evaluations=[_evaluation("AROA1", now), _evaluation("AROA2", now, **change)],
            ResultToken=token,
        )
    assert _error_code(caught) == code
    assert sim.stored_evaluations(RULE, ACCOUNT) == []


def test_an_annotation_of_256_characters_is_accepted(sim: Simulation, now: datetime) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    sim.client("config").put_evaluations(
        Evaluations=[_evaluation("AROA1", now, Annotation="x" * 256)], ResultToken=token
    )
    assert sim.stored_evaluations(RULE, ACCOUNT)[0].annotation == "x" * 256


@pytest.mark.parametrize("token", ["not-a-token", "TESTMODE"])
def test_a_token_not_issued_is_rejected(sim: Simulation, now: datetime, token: str) -> None:
    sim.issue_result_token(RULE, ACCOUNT)
    with pytest.raises(ClientError) as caught:
        sim.client("config").put_evaluations(
            Evaluations=[_evaluation("AROA1", now)], ResultToken=token
        )
    assert _error_code(caught) == "InvalidResultTokenException"


def test_a_token_is_only_valid_in_its_account(sim: Simulation, now: datetime) -> None:
    token = sim.issue_result_token(RULE, "111111111111")
    with pytest.raises(ClientError) as caught:
        sim.client("config", ACCOUNT).put_evaluations(
            Evaluations=[_evaluation("AROA1", now)], ResultToken=token
        )
    assert _error_code(caught) == "InvalidResultTokenException"
    sim.client("config", "111111111111").put_evaluations(
        Evaluations=[_evaluation("AROA1", now)], ResultToken=token
    )
    assert len(sim.stored_evaluations(RULE, "111111111111")) == 1


@pytest.mark.parametrize("token_kind", ["issued", "TESTMODE"])
def test_test_mode_validates_but_stores_nothing(
    sim: Simulation, now: datetime, token_kind: str
) -> None:
    issued = sim.issue_result_token(RULE, ACCOUNT)
    token = issued if token_kind == "issued" else "TESTMODE"
    config = sim.client("config")

    answer = config.put_evaluations(
        Evaluations=[_evaluation("AROA1", now)], ResultToken=token, TestMode=True
    )
    with pytest.raises(ClientError) as caught:
        config.put_evaluations(
            Evaluations=[_evaluation("AROA1", now, Annotation="y" * 300)],
            ResultToken=token,
            TestMode=True,
        )

    assert answer["FailedEvaluations"] == []
    assert _error_code(caught) == "ValidationException"
    assert sim.stored_evaluations(RULE, ACCOUNT) == []


def test_injected_failures_come_back_unstored(sim: Simulation, now: datetime) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    config = sim.client("config")
    sim.fail_evaluations(2)
    batch = [_evaluation(f"AROA{i}", now) for i in range(5)]

    first = config.put_evaluations(Evaluations=batch, ResultToken=token)
    failed_ids = [e["ComplianceResourceId"] for e in first["FailedEvaluations"]]
    stored_after_first = {e.resource_id for e in sim.stored_evaluations(RULE, ACCOUNT)}
    second = config.put_evaluations(Evaluations=first["FailedEvaluations"], ResultToken=token)

    assert failed_ids == ["AROA0", "AROA1"]
    assert first["FailedEvaluations"][0]["ComplianceType"] == "NON_COMPLIANT"
    assert stored_after_first == {"AROA2", "AROA3", "AROA4"}
    assert second["FailedEvaluations"] == []
    assert len(sim.stored_evaluations(RULE, ACCOUNT)) == 5


def test_results_page_with_limit_and_filter(sim: Simulation, now: datetime) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    config = sim.client("config")
    for start in range(0, 250, 100):
        config.put_evaluations(
            Evaluations=[
                _evaluation(f"AROA{i:04d}", now, "COMPLIANT" if i % 5 == 0 else "NON_COMPLIANT")
                for i in range(start, min(start + 100, 250))
            ],
            ResultToken=token,
        )

    everything, default_calls = _all_results(config)
    small_pages, small_calls = _all_results(config, Limit=30)
    compliant, _ = _all_results(config, ComplianceTypes=["COMPLIANT"], Limit=7)

    assert len(everything) == 250
    assert default_calls == 3
    assert small_calls == 9
    ids = [
        r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
        for r in small_pages
    ]
    assert sorted(ids) == sorted(f"AROA{i:04d}" for i in range(250))
    assert len(compliant) == 50
    assert {r["ComplianceType"] for r in compliant} == {"COMPLIANT"}


def test_results_limit_over_100_is_rejected(sim: Simulation) -> None:
    sim.issue_result_token(RULE, ACCOUNT)
    with pytest.raises(ClientError) as caught:
        sim.client("config").get_compliance_details_by_config_rule(ConfigRuleName=RULE, Limit=101)
    assert _error_code(caught) == "ValidationException"


def test_an_unknown_rule_is_an_error(sim: Simulation) -> None:
    with pytest.raises(ClientError) as caught:
        sim.client("config").get_compliance_details_by_config_rule(ConfigRuleName="no-such-rule")
    assert _error_code(caught) == "NoSuchConfigRuleException"


def test_a_known_rule_without_results_is_empty(sim: Simulation) -> None:
    sim.issue_result_token(RULE, ACCOUNT)
    page = sim.client("config").get_compliance_details_by_config_rule(ConfigRuleName=RULE)
    assert page["EvaluationResults"] == []
    assert "NextToken" not in page


def test_scheduled_event_has_the_shape_config_sends(sim: Simulation, now: datetime) -> None:
    event = sim.scheduled_event(
        RULE, ACCOUNT, rule_parameters={"max_days_for_last_used": "60"}, notification_time=now
    )

    assert event["version"] == "1.0"
    assert json.loads(event["invokingEvent"]) == {
        "awsAccountId": ACCOUNT,
        "notificationCreationTime": "2026-03-15T12:00:00.000Z",
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    assert json.loads(event["ruleParameters"]) == {"max_days_for_last_used": "60"}
    assert event["eventLeftScope"] is False
    assert event["executionRoleArn"] == (
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    assert event["configRuleArn"] == (
        f"arn:aws:config:us-east-1:{ACCOUNT}:config-rule/{event['configRuleId']}"
    )
    assert event["configRuleName"] == RULE
    assert event["accountId"] == ACCOUNT
    # The token in the event is accepted by PutEvaluations.
    sim.client("config").put_evaluations(
        Evaluations=[_evaluation("AROA1", now)], ResultToken=event["resultToken"]
    )
    assert len(sim.stored_evaluations(RULE, ACCOUNT)) == 1


def test_scheduled_event_without_parameters_has_no_rule_parameters(sim: Simulation) -> None:
    assert "ruleParameters" not in sim.scheduled_event(RULE, ACCOUNT)


def test_scheduled_event_refuses_a_naive_time(sim: Simulation) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sim.scheduled_event(RULE, ACCOUNT, notification_time=datetime(2026, 1, 1))
