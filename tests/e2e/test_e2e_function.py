"""The Lambda function, run as its template role under an IAM that enforces that role.

`dormant.handler.lambda_handler` gets a real ScheduledNotification event, the function's
environment from template.yaml, and the credentials of a session of `LambdaExecutionRole`
holding exactly the policies the stack puts on it (the users' rule's included). Then one
needed action is taken out of those policies and the same run must fail with AccessDenied.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from deploy_support import MAIN_TEMPLATE
from e2e_support import Stack, deployed_role, without_action

from dormant.core.errors import DormantError
from dormant.handler import lambda_handler
from dormant_sim import credentials
from dormant_sim.enforcement import PrincipalCredentials
from dormant_sim.seed import KeySeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
FUNCTION_ROLE = "LambdaExecutionRole"


def _stack(**overrides: str) -> Stack:
    name = overrides.get("NameOfSolution", "iam-role-last-used")
    log_group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/{name}:*"
    return Stack.of(
        MAIN_TEMPLATE,
        {"EvaluateUserCredentials": "true", **overrides},
        attributes={"LambdaLogGroup.Arn": log_group},
    )


def _function_environment(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    environment = stack.property("CheckRoleLastUsedLambda", "Environment")
    for name, value in environment["Variables"].items():
        monkeypatch.setenv(name, str(value))


def _seed(sim: Simulation, now: datetime) -> None:
    sim.put_role(ACCOUNT, "StaleRole", created=now - timedelta(days=300))
    sim.put_role(
        ACCOUNT,
        "BusyRole",
        created=now - timedelta(days=300),
        last_used=now - timedelta(days=2),
    )
    credentials.set_report_polls(0)
    sim.put_user(
        ACCOUNT,
        "old-key-user",
        created=now - timedelta(days=400),
        keys=[KeySeed(created=now - timedelta(days=300))],
    )


def _run(
    sim: Simulation, stack: Stack, rule: str, function_role: PrincipalCredentials, now: datetime
) -> dict[str, object]:
    event = sim.scheduled_event(
        stack.property(rule, "ConfigRuleName"),
        ACCOUNT,
        notification_time=now,
        rule_parameters=stack.rule_parameters(rule),
    )
    with sim.enforcing(), sim.acting_as(function_role):
        return lambda_handler(event, None)


@pytest.mark.parametrize("mode", ["full", "changes"])
def test_the_roles_rule_runs_with_exactly_the_function_roles_permissions(
    sim: Simulation, now: datetime, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    stack = _stack(EvaluationMode=mode)
    _function_environment(stack, monkeypatch)
    _seed(sim, now)
    function_role = deployed_role(sim, stack, FUNCTION_ROLE)

    summary = _run(sim, stack, "ConfigCustomRule", function_role, now)

    stored = sim.stored_evaluations("iam-role-last-used", ACCOUNT)
    # StaleRole, BusyRole and the function's own role (created just now: COMPLIANT).
    assert len(stored) == 3
    assert summary["by_compliance"] == {"COMPLIANT": 2, "NON_COMPLIANT": 1}
    assert sim.recorder.calls(operation="GetAccountAuthorizationDetails") >= 1
    # It reads what Config holds (on this account's rules) before it posts.
    assert sim.recorder.calls(operation="GetComplianceDetailsByConfigRule") >= 1


def test_the_users_rule_runs_with_exactly_the_function_roles_permissions(
    sim: Simulation, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _stack()
    _function_environment(stack, monkeypatch)
    _seed(sim, now)
    function_role = deployed_role(sim, stack, FUNCTION_ROLE)
    assert stack.rule_parameters("UserCredentialsConfigRule")["resource_type"] == ("AWS::IAM::User")

    summary = _run(sim, stack, "UserCredentialsConfigRule", function_role, now)

    assert summary["by_compliance"] == {"NON_COMPLIANT": 1}
    assert sim.recorder.calls(operation="GetCredentialReport") >= 1


@pytest.mark.parametrize(
    ("rule", "action"),
    [
        ("ConfigCustomRule", "iam:GetAccountAuthorizationDetails"),
        ("ConfigCustomRule", "config:PutEvaluations"),
        ("ConfigCustomRule", "config:GetComplianceDetailsByConfigRule"),
        ("UserCredentialsConfigRule", "iam:GetCredentialReport"),
        ("UserCredentialsConfigRule", "iam:GenerateCredentialReport"),
    ],
)
def test_a_missing_grant_fails_the_run_with_access_denied(
    sim: Simulation, now: datetime, monkeypatch: pytest.MonkeyPatch, rule: str, action: str
) -> None:
    stack = _stack()
    _function_environment(stack, monkeypatch)
    _seed(sim, now)
    trimmed = without_action(stack.role_policies(FUNCTION_ROLE), action)
    function_role = deployed_role(sim, stack, FUNCTION_ROLE, policies=trimmed)

    with pytest.raises(DormantError, match="AccessDenied"):
        _run(sim, stack, rule, function_role, now)
