"""The simulation enforces IAM: a principal may make exactly the calls its policies allow.

For an IAM user and for an assumed-role session alike: a call inside the policy passes and one
outside it answers AccessDenied; resource ARNs (with paths), conditions (`iam:PolicyARN`,
`aws:TagKeys`, `aws:TokenIssueTime`), explicit denies, permissions boundaries and trust
policies count; what the simulation cannot evaluate fails loudly. Seeding clients are never
checked, and nothing is checked while enforcement is off.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role"


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    try:
        call(*args, **kwargs)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return "ok"


@pytest.fixture
def target(sim: Simulation, now: datetime) -> str:
    sim.put_role(ACCOUNT, "target-role", path="/app/", created=now - timedelta(days=400))
    return f"{ROLE_ARN}/app/target-role"


@pytest.mark.parametrize("kind", ["user", "role"])
def test_a_call_inside_the_policy_passes_and_one_outside_is_denied(
    sim: Simulation, target: str, kind: str
) -> None:
    credentials = sim.principal("reader", kind=kind, policies=[allow("iam:GetRole", target)])
    with sim.enforcing(), sim.acting_as(credentials):
        iam = boto3.client("iam")
        assert iam.get_role(RoleName="target-role")["Role"]["Arn"] == target
        with pytest.raises(ClientError) as denied:
            iam.list_roles()
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        assert credentials.arn in str(denied.value)
        assert "iam:ListRoles" in str(denied.value)
        # GetCallerIdentity needs no permission, as in IAM.
        assert boto3.client("sts").get_caller_identity()["Arn"] == credentials.arn


def test_the_resource_is_the_roles_arn_with_its_path(sim: Simulation, target: str) -> None:
    credentials = sim.principal(
        "reader", policies=[allow("iam:GetRole", f"{ROLE_ARN}/target-role")]
    )
    with sim.enforcing(), sim.acting_as(credentials):
        assert code_of(boto3.client("iam").get_role, RoleName="target-role") == "AccessDenied"


def test_a_resource_scoped_statement_does_not_grant_an_action_without_resource_types(
    sim: Simulation,
) -> None:
    credentials = sim.principal("lister", policies=[allow("iam:ListRoles", f"{ROLE_ARN}/*")])
    with sim.enforcing(), sim.acting_as(credentials):
        assert code_of(boto3.client("iam").list_roles) == "AccessDenied"


def test_actions_match_case_insensitively_with_wildcards(sim: Simulation, target: str) -> None:
    credentials = sim.principal("reader", policies=[allow("IAM:get*", f"{ROLE_ARN}/app/*")])
    with sim.enforcing(), sim.acting_as(credentials):
        iam = boto3.client("iam")
        assert code_of(iam.get_role, RoleName="target-role") == "ok"
        assert code_of(iam.list_role_tags, RoleName="target-role") == "AccessDenied"


def test_an_explicit_deny_wins(sim: Simulation, target: str) -> None:
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:GetRole", "Resource": target}],
    }
    credentials = sim.principal("reader", policies=[allow("iam:*"), deny])
    with sim.enforcing(), sim.acting_as(credentials):
        assert code_of(boto3.client("iam").get_role, RoleName="target-role") == "AccessDenied"


def test_a_permissions_boundary_limits_the_role(sim: Simulation, target: str) -> None:
    iam = boto3.client("iam")
    boundary = iam.create_policy(
        PolicyName="boundary", PolicyDocument=json.dumps(allow("iam:GetRole", target))
    )["Policy"]["Arn"]
    credentials = sim.principal("bounded", policies=[allow("iam:*")])
    iam.put_role_permissions_boundary(RoleName="bounded", PermissionsBoundary=boundary)
    with sim.enforcing(), sim.acting_as(credentials):
        session = boto3.client("iam")
        assert code_of(session.get_role, RoleName="target-role") == "ok"
        assert code_of(session.list_roles) == "AccessDenied"


def test_policy_arn_condition_allows_only_that_policy(sim: Simulation, target: str) -> None:
    iam = boto3.client("iam")
    ours = iam.create_policy(PolicyName="ours", PolicyDocument=json.dumps(allow("s3:GetObject")))[
        "Policy"
    ]["Arn"]
    theirs = iam.create_policy(PolicyName="theirs", PolicyDocument=json.dumps(allow("*")))[
        "Policy"
    ]["Arn"]
    condition = {"ArnEquals": {"iam:PolicyARN": ours}}
    credentials = sim.principal(
        "attacher", policies=[allow("iam:AttachRolePolicy", target, Condition=condition)]
    )
    with sim.enforcing(), sim.acting_as(credentials):
        session = boto3.client("iam")
        assert code_of(session.attach_role_policy, RoleName="target-role", PolicyArn=theirs) == (
            "AccessDenied"
        )
        assert code_of(session.attach_role_policy, RoleName="target-role", PolicyArn=ours) == "ok"


def test_tag_keys_condition(sim: Simulation, target: str) -> None:
    condition = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "owner"]}}
    credentials = sim.principal(
        "tagger", policies=[allow("iam:TagRole", target, Condition=condition)]
    )
    with sim.enforcing(), sim.acting_as(credentials):
        tag = boto3.client("iam").tag_role
        assert code_of(tag, RoleName="target-role", Tags=[{"Key": "team", "Value": "a"}]) == "ok"
        mixed = [{"Key": "team", "Value": "a"}, {"Key": "dormant:exempt", "Value": "x"}]
        assert code_of(tag, RoleName="target-role", Tags=mixed) == "AccessDenied"


def test_a_condition_that_does_not_hold_leaves_the_allow_out_not_a_deny(
    sim: Simulation, target: str
) -> None:
    never = {"StringEquals": {"aws:PrincipalAccount": "111111111111"}}
    credentials = sim.principal(
        "reader",
        policies=[allow("iam:GetRole", target, Condition=never), allow("iam:GetRole", target)],
    )
    with sim.enforcing(), sim.acting_as(credentials):
        assert code_of(boto3.client("iam").get_role, RoleName="target-role") == "ok"


def test_deny_before_token_issue_time_cuts_existing_sessions(sim: Simulation, target: str) -> None:
    credentials = sim.principal("session-holder", policies=[allow("iam:GetRole", target)])
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    revoke = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": later}},
            }
        ],
    }
    boto3.client("iam").put_role_policy(
        RoleName="session-holder", PolicyName="revoke", PolicyDocument=json.dumps(revoke)
    )
    with sim.enforcing(), sim.acting_as(credentials):
        assert code_of(boto3.client("iam").get_role, RoleName="target-role") == "AccessDenied"


def test_what_the_simulation_cannot_evaluate_fails_loudly(sim: Simulation, target: str) -> None:
    unknown_key = {"StringEquals": {"aws:SourceIp": "10.0.0.1"}}
    credentials = sim.principal(
        "reader", policies=[allow("iam:GetRole", target, Condition=unknown_key)]
    )
    with sim.enforcing(), sim.acting_as(credentials):
        assert code_of(boto3.client("iam").get_role, RoleName="target-role") == (
            "SimulationCannotAuthorize"
        )


def test_assume_role_needs_the_trust_policy_too(sim: Simulation, now: datetime) -> None:
    caller = sim.principal("caller", policies=[allow("sts:AssumeRole", f"{ROLE_ARN}/*")])
    caller_role = f"{ROLE_ARN}/caller"
    trusted = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": caller_role}, "Action": "sts:AssumeRole"}
        ],
    }
    sim.put_role(ACCOUNT, "trusts-caller", created=now, trust_policy=trusted)
    sim.put_role(
        ACCOUNT,
        "trusts-lambda",
        created=now,
        trust_policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
    )
    with sim.enforcing(), sim.acting_as(caller):
        sts = boto3.client("sts")
        assume = sts.assume_role
        assert code_of(assume, RoleArn=f"{ROLE_ARN}/trusts-caller", RoleSessionName="s1") == "ok"
        assert code_of(assume, RoleArn=f"{ROLE_ARN}/trusts-lambda", RoleSessionName="s2") == (
            "AccessDenied"
        )


def test_seeding_is_never_checked_and_nothing_is_checked_when_off(
    sim: Simulation, now: datetime
) -> None:
    credentials = sim.principal("nobody")
    with sim.enforcing():
        sim.put_role(ACCOUNT, "seeded-under-enforcement", created=now)
        with sim.acting_as(credentials):
            assert code_of(boto3.client("iam").list_roles) == "AccessDenied"
    with sim.acting_as(credentials):
        assert code_of(boto3.client("iam").list_roles) == "ok"


def test_unknown_credentials_are_refused_under_enforcement(sim: Simulation) -> None:
    with sim.enforcing():
        assert code_of(boto3.client("iam").list_roles) == "InvalidClientTokenId"


# --- aws: tags ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["aws:cloudformation:stack-name", "AWS:anything", "Aws:x"])
def test_iam_refuses_aws_prefixed_tag_keys(sim: Simulation, key: str) -> None:
    iam = boto3.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    tags = [{"Key": key, "Value": "payments"}]
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=trust)
    iam.create_user(UserName="plain")
    for call, kwargs in (
        (iam.create_role, {"RoleName": "tagged", "AssumeRolePolicyDocument": trust}),
        (iam.tag_role, {"RoleName": "plain"}),
        (iam.create_user, {"UserName": "tagged"}),
        (iam.tag_user, {"UserName": "plain"}),
    ):
        with pytest.raises(ClientError) as refused:
            call(Tags=tags, **kwargs)
        assert refused.value.response["Error"]["Code"] == "InvalidInput"
        assert key in refused.value.response["Error"]["Message"]
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["plain"]
    assert iam.list_role_tags(RoleName="plain")["Tags"] == []


def test_roles_of_stacks_are_made_by_stacks_without_stack_tags(
    sim: Simulation, now: datetime
) -> None:
    with pytest.raises(ValueError, match="CloudFormation does not tag the IAM roles"):
        sim.put_role(
            ACCOUNT,
            "stack-role",
            created=now,
            aws_written_tags={"aws:cloudformation:stack-name": "payments"},
        )
    sim.put_stack_role(ACCOUNT, "payments", "stack-role", created=now, tags={"team": "pay"})
    tags = boto3.client("iam").list_role_tags(RoleName="stack-role")["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "pay"}
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    (resource,) = cloudformation.list_stack_resources(StackName="payments")[
        "StackResourceSummaries"
    ]
    assert (resource["ResourceType"], resource["PhysicalResourceId"]) == (
        "AWS::IAM::Role",
        "stack-role",
    )
