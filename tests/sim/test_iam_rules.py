"""IAM's own refusals: principals that exist, policy sizes, quotas, roles only AWS changes,
iam:PassRole on AddRoleToInstanceProfile, and UntagRole's keys as aws:TagKeys.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def trust(*principals: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": list(principals)},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def refusal(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def allow(actions: list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource, **extra}],
    }


@pytest.mark.parametrize(
    "principal",
    [
        pytest.param(f"arn:aws:iam::{ACCOUNT}:role/deleted", id="a deleted role"),
        pytest.param(f"arn:aws:iam::{ACCOUNT}:role/itself", id="the role itself, before it exists"),
        pytest.param("AROAEXAMPLESTALE12345", id="a stale unique id"),
        pytest.param(f"arn:aws:iam::{ACCOUNT}:user/nobody", id="a missing user"),
    ],
)
def test_a_trust_policy_naming_a_missing_principal_is_refused(
    sim: Simulation, principal: str
) -> None:
    iam = boto3.client("iam")
    iam.create_role(RoleName="deleted", AssumeRolePolicyDocument=trust(ACCOUNT))
    iam.delete_role(RoleName="deleted")
    code, message = refusal(
        iam.create_role, RoleName="itself", AssumeRolePolicyDocument=trust(principal)
    )
    assert (code, message) == (
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"{principal}"',
    )
    iam.create_role(RoleName="other", AssumeRolePolicyDocument=trust(ACCOUNT))
    code, _ = refusal(
        iam.update_assume_role_policy, RoleName="other", PolicyDocument=trust(principal)
    )
    assert code == "MalformedPolicyDocument"


def test_accounts_services_and_existing_principals_are_accepted(sim: Simulation) -> None:
    iam = boto3.client("iam")
    first = iam.create_role(RoleName="first", AssumeRolePolicyDocument=trust(ACCOUNT))["Role"]
    iam.create_role(
        RoleName="second",
        AssumeRolePolicyDocument=trust(
            first["Arn"], first["RoleId"], "arn:aws:iam::111111111111:root", "111111111111"
        ),
    )
    service = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    iam.create_role(RoleName="third", AssumeRolePolicyDocument=json.dumps(service))
    # A role may trust itself once it exists.
    iam.update_assume_role_policy(RoleName="first", PolicyDocument=trust(first["Arn"]))


def _policy(statements: int) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b/{i:04}"}
                for i in range(statements)
            ],
        }
    )


def test_policy_sizes_are_iams_counted_without_whitespace(sim: Simulation) -> None:
    iam = boto3.client("iam")
    role_arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust(ACCOUNT))["Role"]["Arn"]
    # Whitespace is not counted: a document padded with spaces is as small as without.
    padded = json.dumps(json.loads(_policy(60)), indent=8)
    assert len(padded) > 6144
    iam.create_policy(PolicyName="padded", PolicyDocument=padded)
    code, message = refusal(iam.create_policy, PolicyName="big", PolicyDocument=_policy(120))
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
    # Inline policies: 10,240 for all of a role's together.
    iam.put_role_policy(RoleName="r", PolicyName="one", PolicyDocument=_policy(100))
    code, message = refusal(
        iam.put_role_policy, RoleName="r", PolicyName="two", PolicyDocument=_policy(100)
    )
    assert code == "LimitExceeded"
    assert "10240" in message
    # Replacing the same policy counts it once.
    iam.put_role_policy(RoleName="r", PolicyName="one", PolicyDocument=_policy(110))
    code, message = refusal(
        iam.update_assume_role_policy, RoleName="r", PolicyDocument=trust(*[role_arn] * 70)
    )
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")


def test_quotas_ten_managed_policies_and_fifty_tags(sim: Simulation) -> None:
    iam = boto3.client("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust(ACCOUNT))
    arns = [
        iam.create_policy(PolicyName=f"p{i}", PolicyDocument=_policy(1))["Policy"]["Arn"]
        for i in range(11)
    ]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    iam.attach_role_policy(RoleName="r", PolicyArn=arns[0])  # attached again: no new one
    assert refusal(iam.attach_role_policy, RoleName="r", PolicyArn=arns[10]) == (
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
    )
    iam.tag_role(RoleName="r", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    iam.tag_role(RoleName="r", Tags=[{"Key": "k0", "Value": "new value"}])
    code, _ = refusal(iam.tag_role, RoleName="r", Tags=[{"Key": "k50", "Value": "v"}])
    assert code == "LimitExceeded"


@pytest.mark.parametrize(
    ("path", "operation", "kwargs"),
    [
        ("/aws-reserved/sso.amazonaws.com/", "delete_role", {}),
        ("/aws-reserved/sso.amazonaws.com/", "tag_role", {"Tags": [{"Key": "k", "Value": "v"}]}),
        ("/aws-reserved/sso.amazonaws.com/", "put_role_policy", {"PolicyName": "p"}),
        ("/aws-reserved/sso.amazonaws.com/", "update_role", {"Description": "mine now"}),
        ("/aws-service-role/support.amazonaws.com/", "delete_role", {}),
        ("/aws-service-role/support.amazonaws.com/", "put_role_policy", {"PolicyName": "p"}),
        ("/aws-service-role/support.amazonaws.com/", "attach_role_policy", {}),
        ("/aws-service-role/support.amazonaws.com/", "update_assume_role_policy", {}),
    ],
)
def test_roles_only_aws_changes_are_unmodifiable(
    sim: Simulation, path: str, operation: str, kwargs: dict[str, Any]
) -> None:
    sim.put_role(ACCOUNT, "protected", path=path, created=datetime(2025, 1, 1, tzinfo=UTC))
    iam = boto3.client("iam")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=_policy(1))["Policy"]["Arn"]
    arguments = {"RoleName": "protected", **kwargs}
    if operation == "put_role_policy":
        arguments["PolicyDocument"] = _policy(1)
    if operation == "attach_role_policy":
        arguments["PolicyArn"] = arn
    if operation == "update_assume_role_policy":
        arguments["PolicyDocument"] = trust(ACCOUNT)
    code, message = refusal(getattr(iam, operation), **arguments)
    assert code == "UnmodifiableEntity"
    assert "protected role 'protected'" in message


def test_add_role_to_instance_profile_needs_pass_role(sim: Simulation) -> None:
    iam = boto3.client("iam")
    role_arn = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(ACCOUNT))["Role"][
        "Arn"
    ]
    iam.create_instance_profile(InstanceProfileName="app")
    without = sim.principal("restorer", policies=[allow(["iam:AddRoleToInstanceProfile"])])
    with sim.enforcing(), sim.acting_as(without):
        code, message = refusal(
            boto3.client("iam").add_role_to_instance_profile,
            InstanceProfileName="app",
            RoleName="app",
        )
    assert code == "AccessDenied"
    assert f"iam:PassRole on resource: {role_arn}" in message
    with_pass = sim.principal(
        "restorer-2",
        policies=[allow(["iam:AddRoleToInstanceProfile"]), allow(["iam:PassRole"], role_arn)],
    )
    with sim.enforcing(), sim.acting_as(with_pass):
        boto3.client("iam").add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")


def test_untag_role_and_untag_user_fill_aws_tag_keys(sim: Simulation) -> None:
    sim.put_role(
        ACCOUNT,
        "tagged",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        tags={"dormant:notice-at": "x", "owner": "team"},
    )
    sim.put_user(
        ACCOUNT,
        "person",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        tags={"dormant:notice-at": "x", "owner": "team"},
    )
    only_dormant = {"ForAllValues:StringEquals": {"aws:TagKeys": ["dormant:notice-at"]}}
    credentials = sim.principal(
        "untagger", policies=[allow(["iam:UntagRole", "iam:UntagUser"], Condition=only_dormant)]
    )
    with sim.enforcing(), sim.acting_as(credentials):
        iam = boto3.client("iam")
        iam.untag_role(RoleName="tagged", TagKeys=["dormant:notice-at"])
        iam.untag_user(UserName="person", TagKeys=["dormant:notice-at"])
        assert refusal(iam.untag_role, RoleName="tagged", TagKeys=["owner"])[0] == "AccessDenied"
        assert refusal(iam.untag_user, UserName="person", TagKeys=["owner"])[0] == "AccessDenied"
