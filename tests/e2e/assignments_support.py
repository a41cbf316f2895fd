"""A simulated organization on IAM Identity Center, for the assignments' end-to-end tests.

Three member accounts and a fourth whose member role may read nothing; four permission sets
(one name of the full 32 characters); a group and users assigned; each reserved role aged.
The operator in the management account and the member roles hold exactly the policies of
deploy/identity-center-policies.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dormant_sim.enforcement import PrincipalCredentials
from dormant_sim.seed import trust_policy_for_account
from dormant_sim.seed.identity_center import IdentityCenterSeed
from dormant_sim.server import Simulation

POLICIES = Path(__file__).resolve().parents[2] / "deploy" / "identity-center-policies.json"
MANAGEMENT = "123456789012"
MEMBERS = ("111111111111", "222222222222", "333333333333")
DENIED = "444444444444"
MEMBER_ROLE = "OrganizationAccountAccessRole"
LONG_NAME = "DataPlatformEngineeringReadWrite"  # 32 characters, IAM's 64 as a role name


def policies() -> dict[str, Any]:
    return dict(json.loads(POLICIES.read_text(encoding="utf-8"))["Policies"])


@dataclass
class Organization:
    seed: IdentityCenterSeed
    sets: dict[str, str]  # name -> ARN
    users: dict[str, str]  # name -> id
    group: str
    operator: PrincipalCredentials


def build(
    sim: Simulation, now: datetime, *, change: bool = True, retire: bool = False
) -> Organization:
    assert len(LONG_NAME) == 32
    seed = IdentityCenterSeed(MANAGEMENT)
    until = (now + timedelta(days=46)).date()  # 2026-04-30 from the `now` fixture
    sets = {
        "AdministratorAccess": seed.permission_set(
            "AdministratorAccess", {"owner": "platform-team"}
        ),
        "ReadOnly": seed.permission_set("ReadOnly", {"owner": "security"}),
        "Billing": seed.permission_set(
            "Billing", {"dormant:exempt": f"until={until.isoformat()} quarter close"}
        ),
        LONG_NAME: seed.permission_set(LONG_NAME, {"team": "data"}),
    }
    users = {name: seed.user(name) for name in ("jdoe", "asmith", "bwong")}
    group = seed.group("Platform-Admins", [users["asmith"], users["bwong"]])
    plan = [
        ("111111111111", "AdministratorAccess", "GROUP", group, 5),
        ("111111111111", "AdministratorAccess", "USER", users["jdoe"], 5),
        ("111111111111", "ReadOnly", "USER", users["jdoe"], 200),
        ("222222222222", "AdministratorAccess", "GROUP", group, None),
        ("222222222222", "AdministratorAccess", "USER", users["bwong"], None),
        ("222222222222", LONG_NAME, "USER", users["jdoe"], 10),
        ("333333333333", "Billing", "GROUP", group, 150),
        ("333333333333", "ReadOnly", "GROUP", group, 95),
        (DENIED, "ReadOnly", "USER", users["jdoe"], 300),
    ]
    for account, name, kind, principal, _ in plan:
        seed.assign(account, sets[name], kind, principal)
    for account, name, _, _, days in plan:
        seed.set_role_use(
            account,
            sets[name],
            created=now - timedelta(days=400),
            last_used=None if days is None else now - timedelta(days=days),
        )
    documents = policies()
    granted = {"read": documents["AssignmentsRead"]}
    if change:
        granted["change"] = documents["AssignmentsChange"]
    if retire:
        granted["retire"] = documents["AssignmentsRetire"]
    operator = sim.principal("dormant-operator", policies=granted, account_id=MANAGEMENT)
    for account in (*MEMBERS, DENIED):
        sim.put_role(
            account,
            MEMBER_ROLE,
            created=now - timedelta(days=900),
            trust_policy=trust_policy_for_account(MANAGEMENT),
            # The denied account's member role may read nothing.
            inline_policies={} if account == DENIED else {"read": documents["MemberRead"]},
        )
    return Organization(seed, sets, users, group, operator)
