"""Seeded accounts look like real ones through the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from dormant_sim.seed import ADMINISTRATOR_ACCESS_ARN, DEMO_MAX_DAYS
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def test_put_role_sets_every_attribute(sim: Simulation, now: datetime) -> None:
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    seeded = sim.put_role(
        ACCOUNT,
        "Full",
        path="/team/",
        created=now - timedelta(days=30),
        last_used=now - timedelta(days=2),
        last_used_region="eu-west-1",
        inline_policies={
            "inline": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        },
        managed_policy_arns=[ADMINISTRATOR_ACCESS_ARN],
        tags={"owner": "<team>"},
        description="A role with everything",
        max_session_duration=7200,
        permissions_boundary=boundary,
        instance_profiles=["FullProfile"],
    )
    iam = sim.client("iam")

    role = iam.get_role(RoleName="Full")["Role"]
    detail = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"][0]

    assert role["Arn"] == seeded.arn == f"arn:aws:iam::{ACCOUNT}:role/team/Full"
    assert role["RoleId"] == seeded.role_id
    assert role["MaxSessionDuration"] == 7200
    assert role["Description"] == "A role with everything"
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert detail["CreateDate"] == now - timedelta(days=30)
    assert detail["RoleLastUsed"] == {
        "LastUsedDate": now - timedelta(days=2),
        "Region": "eu-west-1",
    }
    assert [p["PolicyName"] for p in detail["RolePolicyList"]] == ["inline"]
    assert [p["PolicyArn"] for p in detail["AttachedManagedPolicies"]] == [ADMINISTRATOR_ACCESS_ARN]
    assert detail["Tags"] == [{"Key": "owner", "Value": "<team>"}]
    assert [p["InstanceProfileName"] for p in detail["InstanceProfileList"]] == ["FullProfile"]


def test_bulk_roles_look_like_api_created_roles(sim: Simulation, now: datetime) -> None:
    sim.put_role(ACCOUNT, "ViaApi", created=now - timedelta(days=5))
    sim.bulk_roles(ACCOUNT, 3, now=now)
    details = sim.client("iam").get_account_authorization_details(Filter=["Role"])
    by_name = {r["RoleName"]: r for r in details["RoleDetailList"]}

    assert set(by_name) == {"ViaApi", "role-000000", "role-000001", "role-000002"}
    assert set(by_name["role-000001"]) == set(by_name["ViaApi"])
    assert by_name["role-000000"]["RoleLastUsed"] == {}
    assert by_name["role-000001"]["RoleLastUsed"]["Region"] == "us-west-2"
    assert by_name["role-000001"]["RoleId"].startswith("AROA")


def test_demo_account_has_the_realistic_mix(sim: Simulation, now: datetime) -> None:
    seeded = {r.name: r for r in sim.seed_demo_account(ACCOUNT, now)}
    listed = {
        r["RoleName"]: r
        for r in sim.client("iam").get_account_authorization_details(
            Filter=["Role"], MaxItems=1000
        )["RoleDetailList"]
    }

    assert set(seeded) == set(listed)
    admin = seeded["AdminRole"]
    assert admin.last_used is not None
    assert (now - admin.last_used).days == 46
    assert admin.expected_annotation == "Was last used in us-west-2 46 days ago"
    assert seeded["Ec2DevRole"].expected_annotation == (
        "No record of usage. Owner: dev-team. Referenced by 1 resource."
    )
    assert seeded["BatchJobRole"].expected_annotation.endswith(f" {DEMO_MAX_DAYS} days ago")
    assert listed["AWSServiceRoleForSupport"]["Path"].startswith("/aws-service-role/")
    assert {r.expected_compliance for r in seeded.values()} == {
        "COMPLIANT",
        "NON_COMPLIANT",
        "NOT_APPLICABLE",
    }
    for role in seeded.values():
        days_used = (now - role.last_used).days if role.last_used else None
        if role.expected_annotation and days_used is not None:
            assert role.expected_annotation.endswith(f" {days_used} days ago"), role.name


def test_organization_members_get_the_ids_asked_for(sim: Simulation) -> None:
    statuses = sim.create_organization(["111111111111", "222222222222"], suspended=["222222222222"])
    accounts = sim.client("organizations").list_accounts()["Accounts"]

    assert statuses == {"111111111111": "ACTIVE", "222222222222": "SUSPENDED"}
    assert {a["Id"]: a["Status"] for a in accounts} == {
        ACCOUNT: "ACTIVE",
        "111111111111": "ACTIVE",
        "222222222222": "SUSPENDED",
    }
