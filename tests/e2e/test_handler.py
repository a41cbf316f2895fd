"""The Lambda handler end to end against the strict simulated AWS (in-process moto)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from dormant.core.errors import (
    AssumeRoleError,
    EvaluationDeliveryError,
    InvalidEvent,
    InvalidParameter,
)
from dormant.handler import lambda_handler
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"  # the simulation's default account for unknown credentials
MEMBER = "222222222222"
RULE = "iam-role-last-used"


def stored(sim: Simulation, account: str = ACCOUNT) -> dict[str, tuple[str, str | None]]:
    return {
        e.resource_id: (e.compliance_type, e.annotation)
        for e in sim.stored_evaluations(RULE, account)
    }


def role_ids(sim: Simulation, account: str = ACCOUNT) -> dict[str, str]:
    iam = sim.client("iam", account)
    return {r["RoleName"]: r["RoleId"] for r in iam.list_roles(MaxItems=1000)["Roles"]}


def test_blog_report_lines_are_stored_in_config(sim: Simulation, now: datetime) -> None:
    sim.put_role(
        ACCOUNT,
        "AdminRole",
        created=now - timedelta(days=400),
        last_used=now - timedelta(days=46, hours=2),
        last_used_region="us-west-2",
    )
    sim.put_role(ACCOUNT, "Ec2DevRole", created=now - timedelta(days=300))
    sim.put_role(ACCOUNT, "NewRole", created=now - timedelta(days=10, hours=1))
    sim.put_role(ACCOUNT, "breakglass-role", created=now - timedelta(days=900))
    sim.put_role(
        ACCOUNT,
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        created=now - timedelta(days=900),
    )
    event = sim.scheduled_event(
        RULE,
        ACCOUNT,
        notification_time=now,
        rule_parameters={"role_whitelist": "/breakglass-role|/security-*"},
    )

    summary = lambda_handler(event, None)

    ids = role_ids(sim)
    results = stored(sim)
    assert results == {
        ids["AdminRole"]: ("COMPLIANT", "Was last used in us-west-2 46 days ago"),
        ids["Ec2DevRole"]: ("NON_COMPLIANT", "No record of usage"),
        ids["NewRole"]: ("COMPLIANT", "Role age is 10 days"),
        ids["breakglass-role"]: (
            "COMPLIANT",
            "Role matches allow-list pattern /breakglass-role",
        ),
        ids["AWSServiceRoleForSupport"]: (
            "NOT_APPLICABLE",
            "Service-linked role: AWS manages it and users cannot delete or quarantine it",
        ),
    }
    assert all(rid.startswith("AROA") for rid in results)
    assert {e.ordering_timestamp for e in sim.stored_evaluations(RULE, ACCOUNT)} == {now}
    assert summary["by_compliance"] == {"COMPLIANT": 3, "NON_COMPLIANT": 1, "NOT_APPLICABLE": 1}
    assert sim.recorder.calls(operation="AssumeRole") == 0


@pytest.mark.parametrize("count", [1000, 2345])
def test_calls_are_the_minimum(sim: Simulation, now: datetime, count: int) -> None:
    sim.bulk_roles(ACCOUNT, count, now=now)
    sim.recorder.reset()

    lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)

    assert sim.recorder.calls(operation="GetAccountAuthorizationDetails") == math.ceil(count / 1000)
    assert sim.recorder.calls(operation="PutEvaluations") == math.ceil(count / 100)
    assert sim.recorder.calls(operation="GetRole") == 0
    assert sim.recorder.calls(operation="ListRoles") == 0
    assert len(sim.stored_evaluations(RULE, ACCOUNT)) == count


def test_test_mode_token_validates_and_stores_nothing(sim: Simulation, now: datetime) -> None:
    sim.bulk_roles(ACCOUNT, 150, now=now)
    event = sim.scheduled_event(RULE, ACCOUNT, notification_time=now)
    event["resultToken"] = "TESTMODE"

    summary = lambda_handler(event, None)

    assert summary["test_mode"] is True
    assert sim.recorder.calls(operation="PutEvaluations") == 2
    assert sim.stored_evaluations(RULE, ACCOUNT) == []


def test_results_of_deleted_roles_become_not_applicable(sim: Simulation, now: datetime) -> None:
    sim.put_role(ACCOUNT, "Ec2DevRole", created=now - timedelta(days=300))
    sim.put_role(ACCOUNT, "KeepRole", created=now - timedelta(days=300))
    lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)
    gone = role_ids(sim)["Ec2DevRole"]
    sim.client("iam").delete_role(RoleName="Ec2DevRole")

    later = now + timedelta(days=1)
    summary = lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=later), None)

    assert stored(sim)[gone] == ("NOT_APPLICABLE", "Role no longer exists")
    assert summary["stale_results_cleared"] == 1
    # A third run does not report the same deleted role again: it is no longer
    # COMPLIANT or NON_COMPLIANT in Config.
    third = lambda_handler(
        sim.scheduled_event(RULE, ACCOUNT, notification_time=later + timedelta(days=1)), None
    )
    assert third["stale_results_cleared"] == 0


def test_failed_evaluations_are_sent_again(sim: Simulation, now: datetime) -> None:
    sim.bulk_roles(ACCOUNT, 120, now=now)
    sim.fail_evaluations(7, calls=2)

    lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)

    assert len(sim.stored_evaluations(RULE, ACCOUNT)) == 120


def test_evaluations_config_keeps_rejecting_fail_the_invocation(
    sim: Simulation, now: datetime
) -> None:
    sim.bulk_roles(ACCOUNT, 3, now=now)
    sim.fail_evaluations(1, calls=100)
    with pytest.raises(EvaluationDeliveryError, match="rejected 1 evaluation"):
        lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)


def test_throttling_is_absorbed_by_retries(sim: Simulation, now: datetime) -> None:
    sim.bulk_roles(ACCOUNT, 5, now=now)
    sim.inject_error(
        "iam", "GetAccountAuthorizationDetails", "Throttling", "Rate exceeded", times=2, status=400
    )
    lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)
    assert len(sim.stored_evaluations(RULE, ACCOUNT)) == 5


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"max_days_for_last_used": "-3"}, "max_days_for_last_used"),
        ({"max_days_for_last_used": "sixty"}, "max_days_for_last_used"),
        ({"max_days_for_last_used": "500"}, "max_days_for_last_used: 500 days is longer than IAM"),
        ({"role_whitelist": "/bad role"}, "role_whitelist"),
        ({"include_service_linked_roles": "perhaps"}, "include_service_linked_roles"),
    ],
)
def test_bad_rule_parameters_fail_and_post_nothing(
    sim: Simulation, now: datetime, parameters: dict[str, str], message: str
) -> None:
    sim.bulk_roles(ACCOUNT, 3, now=now)
    event = sim.scheduled_event(RULE, ACCOUNT, notification_time=now, rule_parameters=parameters)
    with pytest.raises(InvalidParameter, match=message):
        lambda_handler(event, None)
    assert sim.recorder.calls(operation="PutEvaluations") == 0


def test_rule_parameters_that_are_not_json(sim: Simulation, now: datetime) -> None:
    event = sim.scheduled_event(RULE, ACCOUNT, notification_time=now)
    event["ruleParameters"] = "{not json"
    with pytest.raises(InvalidParameter, match="ruleParameters"):
        lambda_handler(event, None)
    assert sim.recorder.calls(operation="PutEvaluations") == 0


def test_change_triggered_events_are_refused(sim: Simulation, now: datetime) -> None:
    event = sim.scheduled_event(RULE, ACCOUNT, notification_time=now)
    event["invokingEvent"] = '{"messageType": "ConfigurationItemChangeNotification"}'
    with pytest.raises(InvalidEvent, match="periodic"):
        lambda_handler(event, None)


def test_environment_defaults_apply(
    sim: Simulation, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim.put_role(
        ACCOUNT,
        "Used50",
        created=now - timedelta(days=400),
        last_used=now - timedelta(days=50),
        last_used_region="eu-west-1",
    )
    monkeypatch.setenv("MAX_DAYS_FOR_LAST_USED", "30")
    lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)
    assert stored(sim)[role_ids(sim)["Used50"]] == (
        "NON_COMPLIANT",
        "Was last used in eu-west-1 50 days ago",
    )


def test_cross_account_reads_and_reports_in_the_member_account(
    sim: Simulation, now: datetime
) -> None:
    sim.put_role(MEMBER, "MemberStale", created=now - timedelta(days=400))
    sim.put_role(ACCOUNT, "CentralRole", created=now - timedelta(days=400))
    event = sim.scheduled_event(
        RULE,
        MEMBER,
        notification_time=now,
        rule_parameters={"execution_role_name": "dormant-reader"},
    )

    lambda_handler(event, None)

    member_ids = role_ids(sim, MEMBER)
    assert stored(sim, MEMBER) == {
        member_ids["MemberStale"]: ("NON_COMPLIANT", "No record of usage")
    }
    assert stored(sim, ACCOUNT) == {}
    assert sim.recorder.calls(operation="AssumeRole") == 1


def test_assume_role_mode_uses_the_events_execution_role(
    sim: Simulation, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim.put_role(MEMBER, "MemberStale", created=now - timedelta(days=400))
    monkeypatch.setenv("ASSUME_ROLE_MODE", "true")
    event = sim.scheduled_event(
        RULE,
        MEMBER,
        notification_time=now,
        execution_role_arn=f"arn:aws:iam::{MEMBER}:role/config-execution",
    )
    lambda_handler(event, None)
    assert len(stored(sim, MEMBER)) == 1


def test_denied_assume_role_names_role_and_account_and_posts_nothing(
    sim: Simulation, now: datetime
) -> None:
    sim.put_role(MEMBER, "MemberStale", created=now - timedelta(days=400))
    sim.deny_assume_role(MEMBER)
    event = sim.scheduled_event(
        RULE,
        MEMBER,
        notification_time=now,
        rule_parameters={"execution_role_name": "dormant-reader"},
    )
    with pytest.raises(AssumeRoleError, match=f"dormant-reader in account {MEMBER}"):
        lambda_handler(event, None)
    assert sim.recorder.calls(operation="PutEvaluations") == 0


def test_rule_names_with_spaces_still_make_a_valid_session_name(
    sim: Simulation, now: datetime
) -> None:
    sim.put_role(MEMBER, "MemberStale", created=now - timedelta(days=400))
    event = sim.scheduled_event(
        "unused roles (prod)",
        MEMBER,
        notification_time=now,
        rule_parameters={"execution_role_name": "dormant-reader"},
    )
    lambda_handler(event, None)
    assert len(sim.stored_evaluations("unused roles (prod)", MEMBER)) == 1
