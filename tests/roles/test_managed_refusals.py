"""Roles managed elsewhere are refused by quarantine and delete unless --force, and the
refusal says where to retire them instead. Over dormant.testing's in-memory IAM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dormant.core.settings import Settings
from dormant.remediation import Status, Target
from dormant.roles.model import Role
from dormant.roles.remediate import delete, quarantine, refusal, release
from dormant.testing import InMemoryRoleMutator

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
ACCOUNT = "111111111111"


def stale(name: str, path: str = "/", tags: tuple[tuple[str, str], ...] = ()) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path=path,
        arn=f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=200),
        last_used_region="us-east-1",
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=tags,
        account_id=ACCOUNT,
    )


MANAGED = {
    "cloudformation": (
        stale("PaymentsTaskRole", tags=(("aws:cloudformation:stack-name", "payments"),)),
        "is managed by cloudformation (created by CloudFormation stack payments (by its "
        "aws:cloudformation:stack-name tag, not from a stack): remove it from the stack); "
        "retire it there instead; --force changes it anyway",
    ),
    "stacksets (fixed name)": (
        stale("AWSCloudFormationStackSetExecutionRole"),
        "is managed by stacksets (a StackSets execution role: retire it with the StackSet)",
    ),
    "stacksets (prefix)": (
        stale("stacksets-exec-0123456789abcdef"),
        "is managed by stacksets",
    ),
    "control-tower (name)": (
        stale("AWSControlTowerExecution"),
        "is managed by control-tower (managed by AWS Control Tower",
    ),
    "control-tower (path)": (
        stale("aws-controltower-ForwardSnsNotificationRole", "/aws-controltower/"),
        "is managed by control-tower",
    ),
    "control-tower (member account role, no path)": (
        stale("aws-controltower-AdministratorExecutionRole"),
        "is managed by control-tower",
    ),
    "organizations": (
        stale("OrganizationAccountAccessRole"),
        "is managed by organizations (the organization's access role",
    ),
    "account factory for terraform": (
        stale("AWSAFTExecution"),
        "is managed by account-factory-for-terraform (an Account Factory for Terraform role",
    ),
}


def account(*roles: Role) -> InMemoryRoleMutator:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    for role in roles:
        mutator.add_role(role)
    return mutator


@pytest.mark.parametrize("case", sorted(MANAGED))
@pytest.mark.parametrize("command", ["quarantine", "delete"])
def test_managed_roles_are_refused_without_force(case: str, command: str, tmp_path: Path) -> None:
    role, says = MANAGED[case]
    mutator = account(role)
    targets = [Target(role.name)]
    if command == "quarantine":
        outcomes = list(quarantine(mutator, targets, settings=Settings(), now=NOW, apply=True))
    else:
        outcomes = list(
            delete(mutator, targets, settings=Settings(), now=NOW, apply=True, backup_dir=tmp_path)
        )
    assert [o.status for o in outcomes] == [Status.REFUSED]
    assert says in outcomes[0].message
    assert mutator.write_calls() == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", sorted(MANAGED))
def test_force_acts_on_managed_roles(case: str, tmp_path: Path) -> None:
    role, _ = MANAGED[case]
    mutator = account(role)
    targets = [Target(role.name)]
    done = list(quarantine(mutator, targets, settings=Settings(), now=NOW, apply=True, force=True))
    assert [o.status for o in done] == [Status.DONE]
    deleted = list(
        delete(
            mutator,
            targets,
            settings=Settings(),
            now=NOW,
            apply=True,
            backup_dir=tmp_path,
            force=True,
        )
    )
    assert [o.status for o in deleted] == [Status.DONE]
    assert role.name not in mutator.role_names()


def test_release_never_refuses_a_managed_role() -> None:
    role, _ = MANAGED["cloudformation"]
    mutator = account(role)
    list(
        quarantine(
            mutator, [Target(role.name)], settings=Settings(), now=NOW, apply=True, force=True
        )
    )
    released = list(release(mutator, [Target(role.name)], apply=True))
    assert [o.status for o in released] == [Status.DONE]


def test_identity_center_roles_stay_refused_even_forced() -> None:
    role = stale("AWSReservedSSO_Admin_0123456789abcdef", "/aws-reserved/sso.amazonaws.com/")
    mutator = account(role)
    outcomes = list(
        quarantine(
            mutator, [Target(role.name)], settings=Settings(), now=NOW, apply=True, force=True
        )
    )
    assert [o.status for o in outcomes] == [Status.REFUSED]
    assert "is AWS-reserved" in outcomes[0].message
    assert "remove its assignment to this account" in outcomes[0].message
    assert "--force" not in outcomes[0].message
    assert mutator.write_calls() == []


@pytest.mark.parametrize(
    "role",
    [
        stale("app-role", tags=(("owner", "payments"),)),
        stale("OrganizationAccountAccessRoleCopy"),
    ],
)
def test_roles_not_managed_elsewhere_are_not_refused(role: Role) -> None:
    assert refusal(role, settings=Settings()) is None


def test_an_exempted_role_is_spared_by_the_recheck(tmp_path: Path) -> None:
    role = stale("BreakGlass", tags=(("dormant:exempt", "until=2026-12-31 drill"),))
    mutator = account(role)
    targets = [Target(role.name)]
    outcomes = [
        *quarantine(mutator, targets, settings=Settings(), now=NOW, apply=True),
        *delete(mutator, targets, settings=Settings(), now=NOW, apply=True, backup_dir=tmp_path),
    ]
    assert [o.status for o in outcomes] == [Status.SKIPPED, Status.SKIPPED]
    assert "Exempt by tag dormant:exempt until 2026-12-31: drill" in outcomes[0].message
    assert mutator.write_calls() == []
    lapsed = list(
        quarantine(mutator, targets, settings=Settings(), now=NOW.replace(year=2027), apply=False)
    )
    assert [o.status for o in lapsed] == [Status.PLANNED]
