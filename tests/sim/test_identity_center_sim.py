"""The simulated Identity Center refuses and delays what AWS does (dormant_sim.identity_center)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from dormant_sim.seed.identity_center import IdentityCenterSeed
from dormant_sim.server import Simulation

MEMBER = "222222222222"


def _request(seed: IdentityCenterSeed, permission_set: str, user: str) -> dict[str, str]:
    return {
        "InstanceArn": seed.instance_arn,
        "TargetId": MEMBER,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": permission_set,
        "PrincipalType": "USER",
        "PrincipalId": user,
    }


def test_assignments_are_in_progress_until_a_later_describe(sim: Simulation) -> None:
    seed = IdentityCenterSeed()
    permission_set = seed.permission_set("Admin")
    user = seed.user("jdoe")
    sso = sim.client("sso-admin")
    status = sso.create_account_assignment(**_request(seed, permission_set, user))
    request_id = status["AccountAssignmentCreationStatus"]["RequestId"]
    assert status["AccountAssignmentCreationStatus"]["Status"] == "IN_PROGRESS"
    assert seed.assignments(MEMBER, permission_set) == []  # not done yet

    def describe() -> str:
        return str(
            sso.describe_account_assignment_creation_status(
                InstanceArn=seed.instance_arn, AccountAssignmentCreationRequestId=request_id
            )["AccountAssignmentCreationStatus"]["Status"]
        )

    assert describe() == "IN_PROGRESS"
    assert describe() == "SUCCEEDED"
    assert seed.assignments(MEMBER, permission_set) == [("USER", user)]
    # Provisioned to the account, with its reserved role there.
    accounts = sso.list_accounts_for_provisioned_permission_set(
        InstanceArn=seed.instance_arn, PermissionSetArn=permission_set
    )["AccountIds"]
    assert accounts == [MEMBER]
    role = sim.client("iam", MEMBER).get_role(RoleName=seed.role_name(MEMBER, permission_set))
    assert role["Role"]["Path"] == "/aws-reserved/sso.amazonaws.com/"


def test_a_creation_for_a_deleted_principal_fails(sim: Simulation) -> None:
    seed = IdentityCenterSeed()
    permission_set = seed.permission_set("Admin")
    user = seed.user("gone")
    seed.delete_user(user)
    sso = sim.client("sso-admin")
    status = sso.create_account_assignment(**_request(seed, permission_set, user))
    request_id = status["AccountAssignmentCreationStatus"]["RequestId"]
    for _ in range(2):
        final = sso.describe_account_assignment_creation_status(
            InstanceArn=seed.instance_arn, AccountAssignmentCreationRequestId=request_id
        )["AccountAssignmentCreationStatus"]
    assert final["Status"] == "FAILED"
    assert "does not exist" in final["FailureReason"]


def test_deleting_what_is_not_assigned_is_refused(sim: Simulation) -> None:
    seed = IdentityCenterSeed()
    permission_set = seed.permission_set("Admin")
    user = seed.user("jdoe")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        sim.client("sso-admin").delete_account_assignment(**_request(seed, permission_set, user))


def test_permission_set_names_are_capped_at_32_characters(sim: Simulation) -> None:
    seed = IdentityCenterSeed()
    assert seed.permission_set("x" * 32)
    with pytest.raises(ClientError, match="ValidationException"):
        seed.permission_set("x" * 33)


def test_provisioned_accounts_page_by_max_results(sim: Simulation) -> None:
    seed = IdentityCenterSeed()
    permission_set = seed.permission_set("ReadOnly")
    accounts = [f"{n:012d}" for n in range(200000000001, 200000000006)]
    for account in accounts:
        seed.provision(account, permission_set)
    sso = sim.client("sso-admin")
    pages = sso.get_paginator("list_accounts_for_provisioned_permission_set").paginate(
        InstanceArn=seed.instance_arn,
        PermissionSetArn=permission_set,
        PaginationConfig={"PageSize": 2},
    )
    sizes = [len(page["AccountIds"]) for page in pages]
    assert sizes == [2, 2, 1]
    with pytest.raises(ClientError, match="ValidationException"):
        sso.list_accounts_for_provisioned_permission_set(
            InstanceArn=seed.instance_arn, PermissionSetArn=permission_set, MaxResults=101
        )


def test_tags_of_a_permission_set(sim: Simulation) -> None:
    seed = IdentityCenterSeed()
    permission_set = seed.permission_set("Admin", {"owner": "platform"})
    tags = sim.client("sso-admin").list_tags_for_resource(
        InstanceArn=seed.instance_arn, ResourceArn=permission_set
    )["Tags"]
    assert tags == [{"Key": "owner", "Value": "platform"}]


def test_list_operations_take_at_most_100_results_a_page(sim: Simulation) -> None:
    seed = IdentityCenterSeed()
    permission_set = seed.permission_set("Admin")
    sso = sim.client("sso-admin")
    with pytest.raises(ClientError, match="ValidationException"):
        sso.list_permission_sets(InstanceArn=seed.instance_arn, MaxResults=101)
    with pytest.raises(ClientError, match="ValidationException"):
        sso.list_account_assignments(
            InstanceArn=seed.instance_arn,
            AccountId=MEMBER,
            PermissionSetArn=permission_set,
            MaxResults=101,
        )
    listed = sso.list_permission_sets(InstanceArn=seed.instance_arn, MaxResults=100)
    assert listed["PermissionSets"] == [permission_set]
