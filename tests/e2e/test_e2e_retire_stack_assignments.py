"""deploy/retire.yaml with Assignments Enabled, as the stack's own role, enforced: the daily
run in the management account tells each permission set's owner on day 0, and on the day
the notice announced (NoticeDays whole days after the notice day, by the function's
clock) backs up and removes the
unused pairs' assignments in three accounts; the account whose member role may read
nothing is named and left; restore gives the assignments back exactly. In Notify mode the
role may not remove an assignment, and none is removed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from assignments_support import DENIED, MEMBERS, Organization, build
from click.testing import CliRunner
from e2e_support import deployed_role, without_action
from retire_support import BUCKET, FUNCTION_ROLE, RetireDeployment

from dormant.cli.main import cli
from dormant.core.errors import DormantError
from dormant_sim.server import Simulation

# Ahead of the clock: the function's role, made now, is younger than any window.
DAY0 = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=1)
UNUSED = {
    ("111111111111", "ReadOnly"),
    ("222222222222", "AdministratorAccess"),
    ("333333333333", "ReadOnly"),
}


def _organization(sim: Simulation) -> Organization:
    organization = build(sim, DAY0)
    sim.create_organization((*MEMBERS, DENIED))
    return organization


def _assigned(organization: Organization) -> dict[tuple[str, str], list[tuple[str, str]]]:
    return {
        (account, name): organization.seed.assignments(account, organization.sets[name])
        for account, name in UNUSED
    }


def test_notice_then_unassign_on_the_announced_day_and_restore(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deployed = RetireDeployment.create(
        sim, monkeypatch, {"RetireMode": "Apply", "Assignments": "Enabled"}
    )
    organization = _organization(sim)
    before = _assigned(organization)
    assert all(before.values())

    day0 = deployed.run(sim, DAY0)
    assigned = day0["assignments"]
    assert assigned["steps"] == {"notify": 3}  # type: ignore[index]
    assert [a["account_id"] for a in assigned["accounts_not_read"]] == [DENIED]  # type: ignore[index]
    told = {m["owner"]: m["text"] for m in deployed.messages()}
    announced = (DAY0 + timedelta(days=15)).date().isoformat()
    assert f"ReadOnly in 111111111111: unassigned on {announced}" in told["security"]
    assert (
        f"AdministratorAccess in 222222222222: unassigned on {announced}" in told["platform-team"]
    )
    assert _assigned(organization) == before

    day7 = deployed.run(sim, DAY0 + timedelta(days=7))
    assert day7["assignments"]["steps"] == {"keep": 3}  # type: ignore[index]
    assert _assigned(organization) == before

    day15 = deployed.run(sim, DAY0 + timedelta(days=15))
    assert day15["assignments"]["steps"] == {"unassign": 3}  # type: ignore[index]
    assert day15["assignments"]["done"] == 3  # type: ignore[index]
    assert all(not found for found in _assigned(organization).values())
    told = {m["owner"]: m["text"] for m in deployed.messages()}
    assert f"s3://{BUCKET}/assignments/" in told["security"]
    # The permission sets are untouched; the other pairs keep their assignments.
    assert organization.seed.assignments("111111111111", organization.sets["AdministratorAccess"])

    s3 = boto3.client("s3")
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="assignments/")["Contents"]
        if not o["Key"].endswith("assignment-notices.json")
    ]
    assert len(keys) == 3
    for key in keys:
        path = tmp_path / key.rsplit("/", 1)[1]
        path.write_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        with sim.acting_as(organization.operator), sim.enforcing():
            restored = CliRunner().invoke(cli, ["restore", str(path), "--apply"])
        assert restored.exit_code == 0, restored.output
    assert _assigned(organization) == before

    # Restored and still unused: a fresh notice, never an unassignment without one.
    day16 = deployed.run(sim, DAY0 + timedelta(days=16))
    assert day16["assignments"]["steps"] == {"notify": 3}  # type: ignore[index]
    notices = json.loads(
        s3.get_object(Bucket=BUCKET, Key="assignments/assignment-notices.json")["Body"].read()
    )
    assert set(notices["notices"].values()) == {(DAY0 + timedelta(days=16)).date().isoformat()}


def test_notify_mode_may_not_remove_an_assignment_and_does_not(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"Assignments": "Enabled"})
    allowed = {
        action
        for document in deployed.stack.role_policies(FUNCTION_ROLE).values()
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    assert "sso:ListAccountAssignments" in allowed
    assert not allowed & {"sso:DeleteAccountAssignment", "sso:CreateAccountAssignment"}
    organization = _organization(sim)
    before = _assigned(organization)
    assert deployed.run(sim, DAY0)["assignments"]["steps"] == {"notify": 3}  # type: ignore[index]
    day15 = deployed.run(sim, DAY0 + timedelta(days=15))
    assert day15["assignments"]["steps"] == {"keep": 3}  # type: ignore[index]
    assert _assigned(organization) == before


@pytest.mark.parametrize(
    ("action", "day"),
    [("organizations:DescribeOrganization", 0), ("sso:DeleteAccountAssignment", 15)],
)
def test_each_new_grant_is_needed(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, action: str, day: int
) -> None:
    full = RetireDeployment.create(
        sim, monkeypatch, {"RetireMode": "Apply", "Assignments": "Enabled"}
    )
    organization = _organization(sim)
    if day:
        full.run(sim, DAY0)
    trimmed = without_action(full.stack.role_policies(FUNCTION_ROLE), action)
    role = deployed_role(sim, full.stack, FUNCTION_ROLE, name="retire-trimmed", policies=trimmed)
    short = RetireDeployment(full.stack, role, full.policy_arn, full.topic_arn, full.queue_url)
    before = _assigned(organization)
    with pytest.raises(DormantError, match="AccessDenied") as failed:
        short.run(sim, DAY0 + timedelta(days=day))
    assert action in str(failed.value)
    assert _assigned(organization) == before
