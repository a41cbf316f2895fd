"""The non-escalating quarantine: attach dormant's managed deny (the deployed form) instead of
writing an inline policy; recognised as quarantined; released by detaching it exactly; the
same through the IAM adapter in the simulated account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dormant.core.settings import Settings
from dormant.remediation import Status, Target
from dormant.remediation.quarantine import (
    TAG_QUARANTINED_AT,
    is_quarantine_policy_arn,
)
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.model import Role
from dormant.roles.remediate import is_quarantined, quarantine, release
from dormant.roles.remediate.status import role_status
from dormant.testing import InMemoryRoleMutator
from dormant_sim.server import Simulation
from remediation_support import ACCOUNT as SIM_ACCOUNT

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNT = "111111111111"
DENY = f"arn:aws:iam::{ACCOUNT}:policy/dormant/dormant-quarantine-deny-iam-role-last-used-us-east-1"


def stale(name: str) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=200),
        last_used_region="us-east-1",
        trust_policy={"Version": "2012-10-17", "Statement": []},
        account_id=ACCOUNT,
    )


def test_only_dormants_deny_under_its_path_is_recognised() -> None:
    assert is_quarantine_policy_arn(DENY)
    assert is_quarantine_policy_arn(
        f"arn:aws:iam::{ACCOUNT}:policy/dormant/dormant-quarantine-deny"
    )
    assert not is_quarantine_policy_arn(f"arn:aws:iam::{ACCOUNT}:policy/dormant-quarantine-deny")
    assert not is_quarantine_policy_arn(f"arn:aws:iam::{ACCOUNT}:policy/dormant/other-deny")
    assert not is_quarantine_policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")


def test_quarantine_attaches_the_managed_deny_and_release_detaches_it() -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(stale("AppRole"))
    mutator.add_managed_policy(DENY)
    [outcome] = quarantine(
        mutator,
        [Target("AppRole")],
        settings=Settings(),
        now=NOW,
        apply=True,
        clock=lambda: NOW,
        managed_policy_arn=DENY,
    )
    assert outcome.status is Status.DONE
    assert [c.operation for c in mutator.write_calls()] == ["AttachRolePolicy", "TagRole"]
    state = mutator.describe_role("AppRole")
    assert state is not None
    assert state.role.attached_policy_arns == (DENY,)
    assert state.role.inline_policies == ()
    assert is_quarantined(state)
    status = role_status(state, settings=Settings(), now=NOW + timedelta(days=31))
    assert status.quarantined
    assert status.days_quarantined(NOW + timedelta(days=31)) == 31

    [again] = quarantine(
        mutator,
        [Target("AppRole")],
        settings=Settings(),
        now=NOW,
        apply=True,
        managed_policy_arn=DENY,
    )
    assert again.status is Status.UNCHANGED

    [released] = release(mutator, [Target("AppRole")], apply=True)
    assert released.status is Status.DONE
    state = mutator.describe_role("AppRole")
    assert state is not None
    assert state.role.attached_policy_arns == ()
    assert state.tag(TAG_QUARANTINED_AT) is None


def test_the_iam_adapter_attaches_and_detaches_the_deny(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    iam = sim.client("iam")
    arn = iam.create_policy(
        PolicyName="dormant-quarantine-deny",
        Path="/dormant/",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}',
    )["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{SIM_ACCOUNT}:policy/dormant/dormant-quarantine-deny"
    sim.put_role(SIM_ACCOUNT, "OldJob", created=now - timedelta(days=400), last_used=None)
    [outcome] = quarantine(
        mutator,
        [Target("OldJob")],
        settings=Settings(),
        now=now,
        apply=True,
        clock=lambda: now,
        managed_policy_arn=arn,
    )
    assert outcome.status is Status.DONE, outcome.message
    attached = iam.list_attached_role_policies(RoleName="OldJob")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]
    assert iam.list_role_policies(RoleName="OldJob")["PolicyNames"] == []
    state = mutator.describe_role("OldJob")
    assert state is not None
    assert is_quarantined(state)
    [released] = release(mutator, [Target("OldJob")], apply=True)
    assert released.status is Status.DONE, released.message
    assert iam.list_attached_role_policies(RoleName="OldJob")["AttachedPolicies"] == []
