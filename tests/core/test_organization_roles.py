"""The one list of roles that keep the organization running: every path refuses them unless
forced, and the quarantine automation's copy of the list is the same list."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from dormant.campaign.run import Campaign, run_campaign
from dormant.core.managed import (
    MANAGED_ELSEWHERE,
    ORGANIZATION_ROLES,
    ManagedBy,
    management_of,
    organization_role,
)
from dormant.core.settings import Settings
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Role
from dormant.roles.remediate.backup_store import LocalBackupStore
from dormant.testing import InMemoryChannel, InMemoryRoleMutator

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ACCOUNT = "111111111111"

# What keeps an organization or a landing zone running, as the services name it.
KEEPS_THE_ORGANIZATION = {
    "OrganizationAccountAccessRole": ManagedBy.ORGANIZATIONS,
    "AWSControlTowerExecution": ManagedBy.CONTROL_TOWER,
    "AWSControlTowerAdmin": ManagedBy.CONTROL_TOWER,
    "AWSControlTowerStackSetRole": ManagedBy.CONTROL_TOWER,
    "AWSControlTowerCloudTrailRole": ManagedBy.CONTROL_TOWER,
    "aws-controltower-AdministratorExecutionRole": ManagedBy.CONTROL_TOWER,
    "aws-controltower-ReadOnlyExecutionRole": ManagedBy.CONTROL_TOWER,
    "aws-controltower-ConfigRecorderRole": ManagedBy.CONTROL_TOWER,
    "stacksets-exec-0123456789abcdef0123456789abcdef": ManagedBy.STACKSETS,
    "AWSCloudFormationStackSetExecutionRole": ManagedBy.STACKSETS,
    "AWSCloudFormationStackSetAdministrationRole": ManagedBy.STACKSETS,
    "AWSAFTExecution": ManagedBy.AFT,
    "AWSAFTService": ManagedBy.AFT,
    "AWSAFTAdmin": ManagedBy.AFT,
}


def stale(name: str, path: str = "/") -> Role:
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path=path,
        arn=f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=200),
        last_used_region="us-east-1",
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=(("owner", "platform"),),
        account_id=ACCOUNT,
    )


@pytest.mark.parametrize(("name", "manager"), sorted(KEEPS_THE_ORGANIZATION.items()))
def test_each_role_is_reported_managed_and_refused(name: str, manager: ManagedBy) -> None:
    assert organization_role(name, "/") is manager
    assert manager in MANAGED_ELSEWHERE
    finding = evaluate_role(stale(name), Settings(), NOW)
    assert finding.managed_by == str(manager)


@pytest.mark.parametrize("name", ["OrganizationAccountAccessRoleOld", "MyAWSAFTExecution", "app"])
def test_near_names_are_not_the_organizations(name: str) -> None:
    assert organization_role(name, "/") is None
    assert management_of(name, "/", ()) is None


def test_the_campaign_never_notices_quarantines_or_deletes_them(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    for name in KEEPS_THE_ORGANIZATION:
        mutator.add_role(stale(name))
    mutator.add_role(stale("app-role"))
    channel = InMemoryChannel("sns:arn:aws:sns:us-east-1:111111111111:dormant")
    for day in (0, 15, 45, 80):
        now = NOW + timedelta(days=day)
        states = [mutator.describe_role(n) for n in mutator.role_names()]
        report = run_campaign(
            account_id=ACCOUNT,
            roles=[s.role for s in states if s is not None],
            role_mutator=mutator,
            settings=Settings(),
            now=now,
            campaign=Campaign(notice_days=14, after_days=30, apply=True, channels=(channel,)),
            backups=LocalBackupStore(tmp_path),
            clock=lambda now=now: now,  # type: ignore[misc]
            caller_arn=mutator.caller_arn,
        )
        changed = {r.retirement.role_name for r in report.roles if r.retirement.changes}
        assert changed <= {"app-role"}, day
    assert set(mutator.role_names()) == set(KEEPS_THE_ORGANIZATION)
    written = {call.params.get("RoleName") for call in mutator.write_calls()}
    assert written <= {"app-role"}


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "organization_roles", ROOT / "tools" / "organization_roles.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("organization_roles", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("template", ["template.yaml", "deploy/org-member.yaml"])
def test_the_automations_copy_is_the_one_list(template: str) -> None:
    tool = _tool()
    text = (ROOT / template).read_text()
    assert tool.rendered(text, ROOT / template) == text, (
        f"{template}: the organization roles differ from dormant.core.managed; "
        "run python tools/organization_roles.py"
    )


def test_the_tool_rewrites_a_stale_copy() -> None:
    tool = _tool()
    stale_block = f"    {tool.BEGIN}\n    ORGANIZATION_ROLES = []\n    {tool.END}\n"
    new = tool.rendered(f"head\n{stale_block}tail", Path("x.yaml"))
    assert all(repr(row.name) in new for row in ORGANIZATION_ROLES)
    assert new.startswith("head\n    # BEGIN")
    assert new.endswith("\ntail")
