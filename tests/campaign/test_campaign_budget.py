"""The run's time budget: no owner's changes start under the margin, a delete starts only
if it can finish, a notice gets only the time above the margin, and the deny comes off
last, after it became the role's permissions boundary, so a run killed anywhere in a delete
leaves the role denied."""

from __future__ import annotations

from dataclasses import replace

import pytest
from campaign_support import ACCOUNT, DENY, EXTRA, Account, on, stale, steps

from dormant.core.errors import DormantError
from dormant.remediation import Status
from dormant.remediation.budget import Budget, worst_call_ms
from dormant.remediation.outcome import execute_steps
from dormant.remediation.steps import Step
from dormant.roles.remediate import delete_steps
from dormant.roles.remediate.state import RoleState
from dormant.testing import InMemoryRoleMutator


def test_the_budget_costs_every_call_at_its_worst() -> None:
    assert worst_call_ms(3, 10, 3) == 3 * 13_000 + 2_000 + 4_000
    assert worst_call_ms(3, 10, 1) == 13_000
    left = [200_000]
    budget = Budget(lambda: left[0], margin_ms=120_000, call_ms=45_000, reserve_ms=10_000)
    assert budget.allows_owner()
    assert budget.allows_calls(4)  # 190 s
    assert not budget.allows_calls(5)  # 235 s
    assert budget.delivery_seconds() == 80.0
    left[0] = 119_999
    assert not budget.allows_owner()
    assert Budget().allows_calls(10_000)
    assert Budget().delivery_seconds() is None


def test_under_the_margin_no_owners_changes_start_and_nothing_fails() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    report = account.run(on(0), budget=Budget(lambda: 60_000))
    assert steps(report) == {"AppRole": "keep"}
    assert "not started: 60 s left in this run, under its margin of 120 s" in (
        report.roles[0].retirement.reason
    )
    assert report.failed == 0
    assert account.iam.write_calls() == []
    assert account.channel.sent == []


def test_the_time_runs_out_between_two_owners() -> None:
    account = Account()
    account.iam.add_role(stale("A1", "team-a"))
    account.iam.add_role(stale("B1", "team-b"))
    # The first owner's notice takes the run down to 100 s.
    report = account.run(on(0), budget=Budget(lambda: 100_000 if account.channel.sent else 900_000))
    assert steps(report) == {"A1": "notify", "B1": "keep"}
    assert [m.owner for m in account.channel.sent] == ["team-a"]
    assert account.channel.windows == [(900_000 - 120_000) / 1000]


def test_a_delete_that_could_not_finish_is_not_started() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole", full=True), instance_profiles=["app-profile"])
    account.run(on(0))
    account.run(on(15))
    writes = len(account.iam.write_calls())
    # 300 s left: over the margin, but under the 7 calls of this delete at 51 s each.
    (kept,) = account.run(on(45), budget=Budget(lambda: 300_000)).roles
    assert kept.outcome is not None
    assert kept.outcome.status is Status.SKIPPED
    assert "its 7 calls could take 367 s at worst and 300 s is left" in kept.outcome.message
    assert not kept.failed
    assert len(account.iam.write_calls()) == writes
    (deleted,) = account.run(on(46), budget=Budget(lambda: 900_000)).roles
    assert deleted.done


OWN_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/owner-boundary"


def _quarantined(boundary: str | None = None) -> InMemoryRoleMutator:
    mutator = InMemoryRoleMutator(clock=lambda: on(0))
    for arn in (DENY, EXTRA, OWN_BOUNDARY):
        mutator.add_managed_policy(arn)
    role = replace(stale("AppRole", full=True), permissions_boundary_arn=boundary)
    mutator.add_role(role, instance_profiles=["app-profile"])
    mutator.execute(Step("AttachRolePolicy", {"RoleName": "AppRole", "PolicyArn": DENY}))
    return mutator


def _denied(state: RoleState) -> bool:
    return DENY in state.role.attached_policy_arns or state.role.permissions_boundary_arn == DENY


def test_a_run_killed_at_any_call_of_a_delete_leaves_the_role_denied() -> None:
    state = _quarantined().describe_role("AppRole")
    assert state is not None
    plan = delete_steps(state)
    assert [s.operation for s in plan[-3:]] == [
        "PutRolePermissionsBoundary",
        "DetachRolePolicy",
        "DeleteRole",
    ]
    assert plan[-3].params["PermissionsBoundary"] == DENY
    assert plan[-2].params["PolicyArn"] == DENY
    for killed_at in range(len(plan)):
        trial = _quarantined()
        for step in plan[:killed_at]:  # the calls made before Lambda ends the run
            trial.execute(step)
        left = trial.describe_role("AppRole")
        assert left is not None
        assert _denied(left), f"killed before call {killed_at}: not denied"


def test_a_run_killed_right_after_the_deny_comes_off_leaves_it_as_the_boundary() -> None:
    mutator = _quarantined(OWN_BOUNDARY)
    state = mutator.describe_role("AppRole")
    assert state is not None
    plan = delete_steps(state)
    for step in plan[:-1]:  # everything but DeleteRole
        mutator.execute(step)
    left = mutator.describe_role("AppRole")
    assert left is not None
    assert left.role.attached_policy_arns == ()
    assert left.role.permissions_boundary_arn == DENY


def test_a_role_already_bounded_by_the_deny_is_not_bounded_again() -> None:
    mutator = _quarantined(DENY)
    state = mutator.describe_role("AppRole")
    assert state is not None
    assert "PutRolePermissionsBoundary" not in [s.operation for s in delete_steps(state)]


@pytest.mark.parametrize("boundary", [None, OWN_BOUNDARY])
def test_a_failed_delete_role_puts_the_deny_back_then_the_roles_own_boundary(
    boundary: str | None,
) -> None:
    mutator = _quarantined(boundary)
    state = mutator.describe_role("AppRole")
    assert state is not None
    plan = delete_steps(state)
    assert plan[-2].undo[0].operation == "AttachRolePolicy"
    mutator.fail("DeleteRole", role_name="AppRole", code="DeleteConflict")
    with pytest.raises(DormantError, match="were undone"):
        execute_steps(mutator, plan)
    left = mutator.describe_role("AppRole")
    assert left is not None
    assert DENY in left.role.attached_policy_arns
    assert left.role.permissions_boundary_arn == boundary
    undone = [c.operation for c in mutator.write_calls()][-len(plan) :]
    # In reverse: the deny back on before the boundary is given back.
    assert undone.index("AttachRolePolicy") < undone.index(
        "PutRolePermissionsBoundary" if boundary else "DeleteRolePermissionsBoundary"
    )
