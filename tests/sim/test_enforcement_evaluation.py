"""IAM's evaluation logic end to end in the simulation, for the classes where it used to differ.

Explicit denies are named where they are (identity policy, permissions boundary, session
policy, resource policy) as AWS's AccessDenied messages name them; a trust policy naming a
user's or a session's ARN grants past a permissions boundary, one naming the role's ARN does
not (IAM User Guide, "Permissions boundaries for IAM entities"); a request for another
account's resource needs that resource's policy too ("Cross-account policy evaluation logic");
policy variables are filled from the caller; Config and Security Hub requests are authorized
on the resources IAM's service reference gives them; a malformed policy answers "cannot
authorize", never a server error.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.iam.models import iam_backends

from dormant_sim.enforcement import CANNOT_AUTHORIZE, PrincipalCredentials
from dormant_sim.request_context import RESOURCES
from dormant_sim.resource_reference import reference_resource_types
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
OTHER = "111111111111"
ROLES = f"arn:aws:iam::{ACCOUNT}:role"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return document({"Effect": "Allow", "Action": action, "Resource": resource, **extra})


def deny(action: str, resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    try:
        call(**kwargs)
    except ClientError as error:
        return str(error.response["Error"]["Code"]), str(error.response["Error"]["Message"])
    return "ok", ""


def trusting(principal: str, effect: str = "Allow") -> dict[str, Any]:
    return document({"Effect": effect, "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


def boundary_of(document_: dict[str, Any], name: str = "boundary") -> str:
    created = boto3.client("iam").create_policy(
        PolicyName=name, PolicyDocument=json.dumps(document_)
    )
    return str(created["Policy"]["Arn"])


@pytest.fixture
def target(sim: Simulation, now: datetime) -> str:
    sim.put_role(ACCOUNT, "target-role", created=now)
    return f"{ROLES}/target-role"


# --- explicit denies, labelled -------------------------------------------------------------------


def test_an_explicit_deny_in_a_boundary_is_reported_as_explicit(
    sim: Simulation, target: str
) -> None:
    boundary = boundary_of(document(allow("iam:*")["Statement"][0], deny("iam:GetRole", target)))
    credentials = sim.principal("bounded", policies=[allow("iam:*")])
    boto3.client("iam").put_role_permissions_boundary(
        RoleName="bounded", PermissionsBoundary=boundary
    )
    with sim.enforcing(), sim.acting_as(credentials):
        code, message = error_of(boto3.client("iam").get_role, RoleName="target-role")
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in a permissions boundary")


def test_an_explicit_deny_is_reported_before_a_missing_allow(sim: Simulation, target: str) -> None:
    # The identity policy does not allow GetRole; the boundary denies it: AWS names the deny.
    boundary = boundary_of(document(deny("iam:GetRole", target)))
    credentials = sim.principal("bounded", policies=[allow("iam:ListRoles")])
    boto3.client("iam").put_role_permissions_boundary(
        RoleName="bounded", PermissionsBoundary=boundary
    )
    with sim.enforcing(), sim.acting_as(credentials):
        _, message = error_of(boto3.client("iam").get_role, RoleName="target-role")
    assert "with an explicit deny in a permissions boundary" in message


def test_an_explicit_deny_in_a_session_policy_is_reported_as_explicit(
    sim: Simulation, target: str, now: datetime
) -> None:
    # IAM refuses a trust policy naming a principal that does not exist yet: the caller first.
    caller = sim.principal("caller", policies=[allow("sts:AssumeRole", f"{ROLES}/worker")])
    sim.put_role(ACCOUNT, "worker", created=now, trust_policy=trusting(f"{ROLES}/caller"))
    boto3.client("iam").put_role_policy(
        RoleName="worker", PolicyName="all", PolicyDocument=json.dumps(allow("iam:*"))
    )
    session_policy = document(allow("iam:*")["Statement"][0], deny("iam:GetRole", target))
    with sim.enforcing(), sim.acting_as(caller):
        assumed = boto3.client("sts").assume_role(
            RoleArn=f"{ROLES}/worker", RoleSessionName="narrow", Policy=json.dumps(session_policy)
        )
    keys = assumed["Credentials"]
    session = PrincipalCredentials(
        ACCOUNT,
        assumed["AssumedRoleUser"]["Arn"],
        keys["AccessKeyId"],
        keys["SecretAccessKey"],
        keys["SessionToken"],
    )
    with sim.enforcing(), sim.acting_as(session):
        iam = boto3.client("iam")
        assert error_of(iam.list_roles)[0] == "ok"
        code, message = error_of(iam.get_role, RoleName="target-role")
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in a session policy")


def test_an_explicit_deny_in_a_trust_policy_is_reported_as_explicit(
    sim: Simulation, now: datetime
) -> None:
    caller = sim.principal("caller", policies=[allow("sts:AssumeRole")])
    trust = document(
        trusting(f"{ROLES}/caller")["Statement"][0],
        trusting(f"{ROLES}/caller", "Deny")["Statement"][0],
    )
    sim.put_role(ACCOUNT, "guarded", created=now, trust_policy=trust)
    with sim.enforcing(), sim.acting_as(caller):
        code, message = error_of(
            boto3.client("sts").assume_role, RoleArn=f"{ROLES}/guarded", RoleSessionName="s1"
        )
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in a resource-based policy")


# --- a trust policy's grant and a permissions boundary -------------------------------------------


def test_a_trust_policy_naming_the_user_grants_past_its_boundary(
    sim: Simulation, now: datetime
) -> None:
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    alice = sim.principal("alice", kind="user", policies=[allow("iam:ListRoles")])
    sim.put_role(ACCOUNT, "for-alice", created=now, trust_policy=trusting(user_arn))
    # moto keeps no user boundaries (PutUserPermissionsBoundary is not implemented there), so
    # the boundary is put on its user object as IAM would hold it.
    iam_backends[ACCOUNT]["aws"].get_user("alice").permissions_boundary_arn = boundary_of(
        allow("iam:ListRoles")
    )
    with sim.enforcing(), sim.acting_as(alice):
        code, _ = error_of(
            boto3.client("sts").assume_role, RoleArn=f"{ROLES}/for-alice", RoleSessionName="s1"
        )
    assert code == "ok"


def test_a_trust_policy_naming_the_role_stays_limited_by_its_boundary(
    sim: Simulation, now: datetime
) -> None:
    caller = sim.principal("caller", policies=[allow("iam:ListRoles")])
    sim.put_role(ACCOUNT, "for-caller", created=now, trust_policy=trusting(f"{ROLES}/caller"))
    boto3.client("iam").put_role_permissions_boundary(
        RoleName="caller", PermissionsBoundary=boundary_of(allow("iam:ListRoles"))
    )
    with sim.enforcing(), sim.acting_as(caller):
        code, message = error_of(
            boto3.client("sts").assume_role, RoleArn=f"{ROLES}/for-caller", RoleSessionName="s1"
        )
    assert code == "AccessDenied"
    assert "because no permissions boundary allows the sts:AssumeRole action" in message


def test_a_trust_policy_naming_the_session_grants_past_the_boundary(
    sim: Simulation, now: datetime
) -> None:
    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/caller/the-session"
    caller = sim.principal("caller", policies=[allow("iam:ListRoles")], session_name="the-session")
    sim.put_role(ACCOUNT, "for-session", created=now, trust_policy=trusting(session_arn))
    boto3.client("iam").put_role_permissions_boundary(
        RoleName="caller", PermissionsBoundary=boundary_of(allow("iam:ListRoles"))
    )
    with sim.enforcing(), sim.acting_as(caller):
        code, _ = error_of(
            boto3.client("sts").assume_role, RoleArn=f"{ROLES}/for-session", RoleSessionName="s1"
        )
    assert code == "ok"


# --- across accounts -----------------------------------------------------------------------------


def test_another_accounts_role_is_out_of_reach_of_identity_policies_alone(
    sim: Simulation, now: datetime
) -> None:
    sim.put_role(OTHER, "theirs", created=now)
    caller = sim.principal("caller", policies=[allow("iam:GetRole")])
    with sim.enforcing(), sim.acting_as(caller):
        # IAM roles have no resource policy that could let another account read them.
        code, message = error_of(
            boto3.client("iam").get_policy,
            PolicyArn=f"arn:aws:iam::{OTHER}:policy/theirs",
        )
    assert code == "AccessDenied"
    assert "because no resource-based policy allows the iam:GetPolicy action" in message


def test_assuming_another_accounts_role_needs_both_sides(sim: Simulation, now: datetime) -> None:
    without_grant = sim.principal("caller", policies=[allow("iam:ListRoles")])
    sim.put_role(OTHER, "trusts-caller", created=now, trust_policy=trusting(f"{ROLES}/caller"))
    sim.put_role(
        OTHER, "trusts-nobody", created=now, trust_policy=trusting(f"arn:aws:iam::{OTHER}:root")
    )
    with sim.enforcing(), sim.acting_as(without_grant):
        sts = boto3.client("sts")
        code, message = error_of(
            sts.assume_role,
            RoleArn=f"arn:aws:iam::{OTHER}:role/trusts-caller",
            RoleSessionName="s1",
        )
        assert code == "AccessDenied"
        assert "no identity-based policy" in message
    boto3.client("iam").put_role_policy(
        RoleName="caller", PolicyName="assume", PolicyDocument=json.dumps(allow("sts:AssumeRole"))
    )
    with sim.enforcing(), sim.acting_as(without_grant):
        sts = boto3.client("sts")
        ok = error_of(
            sts.assume_role,
            RoleArn=f"arn:aws:iam::{OTHER}:role/trusts-caller",
            RoleSessionName="s1",
        )
        refused = error_of(
            sts.assume_role,
            RoleArn=f"arn:aws:iam::{OTHER}:role/trusts-nobody",
            RoleSessionName="s1",
        )
    assert ok[0] == "ok"
    assert refused[0] == "AccessDenied"
    assert "no resource-based policy" in refused[1]


def test_a_cross_account_resource_whose_policy_is_not_read_cannot_be_authorized(
    sim: Simulation,
) -> None:
    caller = sim.principal("caller", policies=[allow("sns:Publish")])
    with sim.enforcing(), sim.acting_as(caller):
        code, message = error_of(
            boto3.client("sns", region_name="us-east-1").publish,
            TopicArn=f"arn:aws:sns:us-east-1:{OTHER}:notices",
            Message="hello",
        )
    assert code == CANNOT_AUTHORIZE
    assert OTHER in message


# --- policy variables ----------------------------------------------------------------------------


def test_a_self_service_policy_with_the_username_variable(sim: Simulation, now: datetime) -> None:
    sim.put_user(ACCOUNT, "bob", created=now)
    own = allow("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")
    alice = sim.principal("alice", kind="user", policies=[own])
    with sim.enforcing(), sim.acting_as(alice):
        iam = boto3.client("iam")
        assert error_of(iam.get_user, UserName="alice")[0] == "ok"
        assert error_of(iam.get_user)[0] == "ok"
        assert error_of(iam.get_user, UserName="bob")[0] == "AccessDenied"


def test_a_role_session_has_no_username_so_the_variable_names_nothing(
    sim: Simulation, target: str
) -> None:
    policy = allow("iam:GetRole", f"{ROLES}/${{aws:username}}")
    caller = sim.principal("target-role-reader", policies=[policy])
    with sim.enforcing(), sim.acting_as(caller):
        assert error_of(boto3.client("iam").get_role, RoleName="target-role")[0] == "AccessDenied"


def test_the_principal_tag_variable_is_the_roles_tag(sim: Simulation, now: datetime) -> None:
    sim.put_role(ACCOUNT, "blue-app", created=now)
    sim.put_role(ACCOUNT, "red-app", created=now)
    policy = allow("iam:GetRole", f"{ROLES}/${{aws:PrincipalTag/team}}-*")
    caller = sim.principal("blue-reader", policies=[policy])
    boto3.client("iam").tag_role(RoleName="blue-reader", Tags=[{"Key": "team", "Value": "blue"}])
    with sim.enforcing(), sim.acting_as(caller):
        iam = boto3.client("iam")
        assert error_of(iam.get_role, RoleName="blue-app")[0] == "ok"
        assert error_of(iam.get_role, RoleName="red-app")[0] == "AccessDenied"


# --- resources from IAM's service reference ------------------------------------------------------


def test_every_resource_builder_is_for_an_action_the_reference_gives_resource_types() -> None:
    for action in RESOURCES:
        assert reference_resource_types(action), action


def test_an_action_without_resource_types_is_authorized_against_any_resource() -> None:
    assert reference_resource_types("iam:ListRoles") == ()
    assert reference_resource_types("config:DescribeConfigRules") == ()
    assert reference_resource_types("nosuch:Action") is None


@pytest.fixture
def hub(sim: Simulation) -> Any:
    client = sim.client("securityhub")
    client.enable_security_hub()
    return client


def _finding(product: str) -> dict[str, Any]:
    return {
        "SchemaVersion": "2018-10-08",
        "Id": "dormant/unused-iam-role/one",
        "ProductArn": product,
        "GeneratorId": "dormant/unused-iam-role",
        "AwsAccountId": ACCOUNT,
        "CreatedAt": "2026-03-15T12:00:00Z",
        "UpdatedAt": "2026-03-15T12:00:00Z",
        "Title": "Unused IAM role r",
        "Description": "No record of usage",
        "Resources": [{"Type": "AwsIamRole", "Id": f"{ROLES}/r"}],
    }


def test_batch_import_findings_is_authorized_on_the_findings_product(
    sim: Simulation, hub: Any
) -> None:
    product = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default"
    other = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/other"
    caller = sim.principal("exporter", policies=[allow("securityhub:BatchImportFindings", other)])
    with sim.enforcing(), sim.acting_as(caller):
        client = boto3.client("securityhub", region_name="us-east-1")
        code, message = error_of(client.batch_import_findings, Findings=[_finding(product)])
    assert code == "AccessDeniedException"  # Security Hub is rest-json: IAM's denial is named so
    assert product in message


def test_start_config_rules_evaluation_is_authorized_on_each_rule(sim: Simulation) -> None:
    rules = f"arn:aws:config:us-east-1:{ACCOUNT}:config-rule/*"
    caller = sim.principal("starter", policies=[allow("config:StartConfigRulesEvaluation", rules)])
    narrow = sim.principal(
        "narrow",
        policies=[allow("config:StartConfigRulesEvaluation", f"{rules[:-1]}config-rule-other")],
    )
    with sim.enforcing():
        with sim.acting_as(narrow):
            config = boto3.client("config", region_name="us-east-1")
            code, _ = error_of(config.start_config_rules_evaluation, ConfigRuleNames=["a"])
            assert code == "AccessDenied"
        with sim.acting_as(caller):
            config = boto3.client("config", region_name="us-east-1")
            code, message = error_of(config.start_config_rules_evaluation)
            assert code == CANNOT_AUTHORIZE, message
