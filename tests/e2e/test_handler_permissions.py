"""The permissions rule through the Lambda handler, against the strict simulated AWS
(in-process moto with dormant_sim's service-last-accessed jobs)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant.handler import lambda_handler
from dormant_sim import access
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
RULE = "iam-role-last-used-permissions"
PERMISSIONS = {"kind": "permissions", "resource_type": "AWS::IAM::Role"}


def _allow(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def _seed(
    sim: Simulation,
    name: str,
    now: datetime,
    used: dict[str, float],
    *,
    actions: Sequence[str] = ("s3:GetObject", "kms:Decrypt", "sqs:SendMessage"),
    age_days: float = 400,
) -> None:
    sim.put_role(
        ACCOUNT,
        name,
        created=now - timedelta(days=age_days),
        last_used=now - timedelta(days=1),
        inline_policies={"app": _allow(*actions)},
    )
    for namespace, days in used.items():
        access.set_last_access(ACCOUNT, name, namespace, now - timedelta(days=days))


def _stored(sim: Simulation) -> dict[str, tuple[str, str | None]]:
    ids = {
        r["RoleId"]: r["RoleName"]
        for r in sim.client("iam", ACCOUNT).list_roles(MaxItems=1000)["Roles"]
    }
    return {
        ids.get(e.resource_id, e.resource_id): (e.compliance_type, e.annotation)
        for e in sim.stored_evaluations(RULE, ACCOUNT)
    }


def _event(sim: Simulation, now: datetime, **parameters: str) -> dict[str, Any]:
    return sim.scheduled_event(
        RULE, ACCOUNT, notification_time=now, rule_parameters={**PERMISSIONS, **parameters}
    )


class LambdaContext:
    """Lambda's context, whose remaining time falls by ``per_call_ms`` per request served."""

    def __init__(self, sim: Simulation, total_ms: int, per_call_ms: int) -> None:
        self.sim, self.total_ms, self.per_call_ms = sim, total_ms, per_call_ms
        self.before = self._served()

    def _served(self) -> int:
        return sum(self.sim.recorder.counts(ACCOUNT).values())

    def get_remaining_time_in_millis(self) -> int:
        return self.total_ms - self.per_call_ms * (self._served() - self.before)


@pytest.fixture(autouse=True)
def _jobs_complete_at_the_first_poll(sim: Simulation) -> None:
    access.set_polls_to_complete(0)  # the handler's back-off sleeps for real


def test_the_permissions_rule_reports_unused_services(sim: Simulation, now: datetime) -> None:
    _seed(sim, "app", now, {"s3": 3, "sqs": 200})
    _seed(sim, "busy", now, {"s3": 1, "kms": 20, "sqs": 5})
    _seed(sim, "young", now, {}, age_days=10)
    access.set_polls_to_complete(1)
    sim.recorder.reset()

    summary = lambda_handler(_event(sim, now), None)

    assert _stored(sim) == {
        "app": ("NON_COMPLIANT", "2 of 3 granted services unused for more than 90 days: kms, sqs"),
        "busy": ("COMPLIANT", "All 3 granted services used within 90 days"),
        "young": ("COMPLIANT", "Role age is 10 days"),
    }
    assert summary["kind"] == "permissions"
    assert summary["roles"] == 3
    assert summary["left"] == 0
    assert summary["failed"] == 0
    # Per role read: 1 generate + 2 polls (the first IN_PROGRESS); the young role costs none.
    assert sim.recorder.calls(operation="GenerateServiceLastAccessedDetails") == 2
    assert sim.recorder.calls(operation="GetServiceLastAccessedDetails") == 4
    assert sim.recorder.calls(operation="GetAccountAuthorizationDetails") == 1


def test_changes_mode_names_dates_and_posts_only_what_changed(
    sim: Simulation, now: datetime
) -> None:
    _seed(sim, "app", now, {"s3": 3, "sqs": 200})
    lambda_handler(_event(sim, now, evaluation_mode="changes"), None)
    day = (now - timedelta(days=200)).date().isoformat()
    assert _stored(sim) == {
        "app": (
            "NON_COMPLIANT",
            f"2 of 3 granted services unused for more than 90 days: kms (never used), "
            f"sqs (last used {day})",
        )
    }
    later = lambda_handler(_event(sim, now + timedelta(days=1), evaluation_mode="changes"), None)
    assert later["evaluations_posted"] == 0
    assert later["unchanged_skipped"] == 1


def test_an_unknown_kind_fails_naming_the_parameter_with_nothing_posted(
    sim: Simulation, now: datetime
) -> None:
    _seed(sim, "app", now, {})
    sim.recorder.reset()
    with pytest.raises(InvalidParameter) as raised:
        lambda_handler(_event(sim, now, kind="permission"), None)
    assert raised.value.name == "kind"
    assert "permissions, roles, users" in str(raised.value)
    assert sim.recorder.calls(operation="PutEvaluations") == 0
    assert sim.recorder.calls("iam") == 0


def test_a_run_out_of_time_leaves_roles_that_the_next_run_reaches(
    sim: Simulation, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    names = [f"app-{i:02}" for i in range(12)]
    for name in names:
        _seed(sim, name, now, {"s3": 1})
    # 1 s a request; jobs start while more than 60 s are left: a few roles a run.
    budget = 60_000 + 12_000
    with caplog.at_level(logging.INFO, logger="dormant"):
        first = lambda_handler(_event(sim, now), LambdaContext(sim, budget, 1000))
    assert 0 < first["roles"] < 12
    assert first["roles"] + first["left"] == 12
    assert first["stale_results_cleared"] == 0
    logged = json.loads(caplog.records[-1].getMessage())
    assert (logged["roles"], logged["left"]) == (first["roles"], first["left"])
    reached = set(_stored(sim))
    runs = [first]
    while len(_stored(sim)) < 12 and len(runs) < 12:
        day = now + timedelta(days=len(runs))
        runs.append(lambda_handler(_event(sim, day), LambdaContext(sim, budget, 1000)))
        # Roles not reached keep their result; none is ever cleared as deleted.
        assert all(c == "NON_COMPLIANT" for c, _ in _stored(sim).values())
    assert set(_stored(sim)) == set(names)
    assert reached < set(names)
    assert all(run["stale_results_cleared"] == 0 for run in runs)
    # A run with the whole 900 s reaches every role at once.
    full = lambda_handler(_event(sim, now + timedelta(days=30)), LambdaContext(sim, 900_000, 40))
    assert (full["roles"], full["left"]) == (12, 0)


def test_a_denied_job_call_fails_the_run_with_nothing_posted(
    sim: Simulation, now: datetime
) -> None:
    _seed(sim, "app", now, {})
    sim.inject_error(
        "iam", "GenerateServiceLastAccessedDetails", "AccessDenied", "not authorized", status=403
    )
    with pytest.raises(AwsAccessError, match="GenerateServiceLastAccessedDetails of role app"):
        lambda_handler(_event(sim, now), None)
    assert sim.stored_evaluations(RULE, ACCOUNT) == []


def test_a_failed_job_is_left_for_the_next_run_and_logged(sim: Simulation, now: datetime) -> None:
    _seed(sim, "app", now, {})
    _seed(sim, "other", now, {"s3": 1, "kms": 1, "sqs": 1})
    access.fail_jobs("app", message="Service is busy")
    summary = lambda_handler(_event(sim, now), None)
    assert set(_stored(sim)) == {"other"}
    assert summary["left"] == 1
    assert summary["failed"] == 1
    (message,) = summary["failures"]  # type: ignore[misc]
    assert "role app" in message
    assert "Service is busy" in message
