"""deploy/retire.yaml read as CloudFormation reads it, its zip, and the stack brought up in
moto's CloudFormation (which skips AWS::Scheduler::Schedule, AWS::S3::BucketPolicy and
AWS::Lambda::EventInvokeConfig with a warning, and a bucket's versioning: those are checked
by reading the template).

The function's role must change only what the lifecycle changes: its actions are compared
with the operations the code plans (notice, quarantine, delete), its tag keys with the code's.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from deploy_support import (
    PACKAGE_SOURCE,
    RETIRE_TEMPLATE,
    STACKSET_TEMPLATE,
    as_list,
    load_build_script,
    load_template,
    parameter_values,
    render,
    resolve,
    statements,
)
from moto import mock_aws

from dormant.campaign.handler import RetireEnvironment
from dormant.remediation.notice import TAG_NOTICE_AT
from dormant.remediation.quarantine import TAG_QUARANTINED_AT, TAG_QUARANTINED_BY
from dormant.roles.model import Role
from dormant.roles.remediate.backup import TAG_BACKUP_VERSION
from dormant.roles.remediate.plan import delete_steps, quarantine_steps
from dormant.roles.remediate.state import InstanceProfileRef, RoleState

TEMPLATE = load_template(RETIRE_TEMPLATE)
REQUIRED = {"CodeBucket": "dormant-code"}
REGION = "us-east-1"
ROLE = "RetireFunctionRole"

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*:UserWarning")
build = load_build_script()


def _resources(**overrides: str) -> dict[str, Any]:
    resources: dict[str, Any] = resolve(TEMPLATE, {**REQUIRED, **overrides})["Resources"]
    return resources


def _allowed(resources: dict[str, Any]) -> set[str]:
    return {
        action
        for statement in statements(resources, ROLE)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }


def _full_state() -> RoleState:
    role = Role(
        role_id="AROAEXAMPLE",
        name="AppRole",
        path="/",
        arn="arn:aws:iam::111111111111:role/AppRole",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        last_used=None,
        last_used_region=None,
        trust_policy={},
        inline_policies=(("inline", {"Version": "2012-10-17", "Statement": []}),),
        attached_policy_arns=("arn:aws:iam::111111111111:policy/x",),
        account_id="111111111111",
    )
    return RoleState(role, instance_profiles=(InstanceProfileRef("profile", "/"),))


def test_apply_mode_allows_exactly_the_lifecycles_operations() -> None:
    state = _full_state()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    planned = {
        f"iam:{step.operation}"
        for step in [
            *delete_steps(state),
            *quarantine_steps(state, now, "arn:x", managed_policy_arn="arn:p"),
        ]
    }
    # A quarantined role's delete bounds it by the deny first; that step's undo puts its
    # own boundary back (or removes the deny's).
    deny = "arn:aws:iam::111111111111:policy/dormant/dormant-quarantine-deny"
    denied = replace(state, role=replace(state.role, attached_policy_arns=(deny,)))
    bounded = replace(
        denied,
        role=replace(denied.role, permissions_boundary_arn="arn:aws:iam::111111111111:policy/b"),
    )
    planned |= {
        f"iam:{call.operation}"
        for step in [*delete_steps(denied), *delete_steps(bounded)]
        if step.operation == "PutRolePermissionsBoundary"
        for call in (step, *step.undo)
    }
    assert {"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"} <= planned
    # A role in an instance profile is referenced: the campaign never deletes it, so it
    # never takes a role out of one.
    planned -= {"iam:RemoveRoleFromInstanceProfile"}
    reads = {
        "cloudformation:ListStacks",  # which roles the stacks hold
        "cloudformation:ListStackResources",
        "iam:GetAccountAuthorizationDetails",
        "iam:GetRole",
        "iam:ListRolePolicies",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
    }
    other = {
        "iam:UntagRole",  # a withdrawn notice
        "s3:GetBucketVersioning",
        "s3:ListBucket",
        "s3:PutObject",
        "s3:GetObject",
        "s3:GetObjectVersion",  # a backup read back, and at its delete, by its version id
        "sns:Publish",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    # A role in an instance profile is referenced: the deployed campaign never deletes it,
    # so its role may not take a role out of one.
    planned -= {"iam:RemoveRoleFromInstanceProfile"}
    # References=config (the default): AWS Config's queries and its recorders' state.
    references = {
        "config:SelectResourceConfig",
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
    }
    assert _allowed(_resources(RetireMode="Apply")) == planned | reads | other | references
    iam_only = _allowed(_resources(RetireMode="Apply", References="iam"))
    assert iam_only == planned | reads | other
    assert "iam:PutRolePolicy" not in planned | reads | other
    with_webhook = _resources(
        RetireMode="Apply",
        WebhookSecretArn="arn:aws:secretsmanager:us-east-1:111111111111:secret:hook-AbCdEf",
    )
    assert _allowed(with_webhook) - _allowed(_resources(RetireMode="Apply")) == {
        "secretsmanager:GetSecretValue"
    }


def test_notify_mode_may_not_quarantine_or_delete() -> None:
    allowed = _allowed(_resources())
    assert not allowed & {
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:DeleteRole",
        "iam:RemoveRoleFromInstanceProfile",
    }
    assert {"iam:TagRole", "iam:UntagRole", "sns:Publish"} <= allowed


def test_attach_only_the_stacks_deny_and_tag_only_dormants_keys() -> None:
    found = {s.get("Sid"): s for s in statements(_resources(RetireMode="Apply"), ROLE)}
    attach = found["AttachOnlyDormantsDeny"]
    assert attach["Condition"] == {"ArnEquals": {"iam:PolicyARN": {"Ref": "QuarantineDenyPolicy"}}}
    tags = found["TagOnlyDormantsKeys"]["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"]
    assert set(tags) == {TAG_NOTICE_AT, TAG_QUARANTINED_AT, TAG_QUARANTINED_BY, TAG_BACKUP_VERSION}
    deny = found["NeverTouchAwsManagedOrOwnRoles"]
    assert deny["Effect"] == "Deny"
    writes = {a for s in found.values() if s["Effect"] == "Allow" for a in as_list(s["Action"])}
    role_writes = {a for a in writes if a.startswith("iam:") and not a.startswith("iam:Get")}
    role_writes -= {"iam:ListRolePolicies", "iam:ListAttachedRolePolicies"}
    role_writes -= {"iam:ListInstanceProfilesForRole", "iam:RemoveRoleFromInstanceProfile"}
    assert set(as_list(deny["Action"])) == role_writes
    params = parameter_values(TEMPLATE, REQUIRED)
    denied = render(deny["Resource"], params)
    assert denied == [
        "arn:aws:iam::123456789012:role/aws-service-role/*",
        "arn:aws:iam::123456789012:role/aws-reserved/*",
        "arn:aws:iam::123456789012:role/dormant-retire-us-east-1",
        "arn:aws:iam::123456789012:role/dormant-retire-schedule-us-east-1",
    ]
    names = {render(r["Properties"]["RoleName"], params) for r in _iam_roles()}
    assert names == {"dormant-retire-us-east-1", "dormant-retire-schedule-us-east-1"}


def _iam_roles() -> list[dict[str, Any]]:
    return [r for r in _resources().values() if r["Type"] == "AWS::IAM::Role"]


def test_the_deny_policy_is_template_yamls() -> None:
    deny = _resources()["QuarantineDenyPolicy"]
    main = resolve(load_template(RETIRE_TEMPLATE.parent.parent / "template.yaml"), {})
    assert "QuarantineDenyPolicy" not in main["Resources"]  # only with remediation on
    props = deny["Properties"]
    assert props["Path"] == "/dormant/"
    assert props["ManagedPolicyName"] == {
        "Fn::Sub": "dormant-quarantine-deny-${NameOfSolution}-${AWS::Region}"
    }
    assert props["PolicyDocument"]["Statement"] == [
        {"Sid": "DormantDenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}
    ]
    assert deny["DeletionPolicy"] == "Retain"


def test_the_backup_bucket_keeps_versions_400_days_encrypted_private() -> None:
    resources = _resources(BreakGlassRoleArn="arn:aws:iam::123456789012:role/breakglass")
    bucket = resources["BackupBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True
    )
    (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 400
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 400}
    tls, deletes = resources["BackupBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert tls["Effect"] == "Deny"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deletes["Effect"] == "Deny"
    assert deletes["Principal"] == "*"
    assert set(deletes["Action"]) == {"s3:DeleteObject", "s3:DeleteObjectVersion"}
    assert deletes["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": {"Ref": "BreakGlassRoleArn"}}
    }
    # Without a break-glass role nobody may delete a backup.
    (_, nobody) = _resources()["BackupBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert "Condition" not in nobody


def test_the_schedule_and_its_role_invoke_only_the_function() -> None:
    resources = _resources()
    schedule = resources["RetireSchedule"]["Properties"]
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["RetireFunction", "Arn"]}
    assert "<aws.scheduler.scheduled-time>" in schedule["Target"]["Input"]
    assert statements(resources, "ScheduleRole") == [
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": {"Fn::GetAtt": ["RetireFunction", "Arn"]},
        }
    ]
    (trust,) = resources["ScheduleRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}


def test_the_functions_environment_is_what_the_handler_reads() -> None:
    params = parameter_values(TEMPLATE, {**REQUIRED, "RetireMode": "Apply"})
    attributes = {
        "NotifyTopic": "arn:aws:sns:us-east-1:123456789012:dormant-retire-notices",
        "BackupBucket": "backups",
        "QuarantineDenyPolicy": "arn:aws:iam::123456789012:policy/dormant/dormant-quarantine-deny",
    }
    function = _resources(RetireMode="Apply")["RetireFunction"]["Properties"]
    assert function["Handler"] == "dormant.campaign.handler.lambda_handler"
    variables = render(function["Environment"]["Variables"], params, attributes)
    read = RetireEnvironment({k: str(v) for k, v in variables.items()})
    assert (read.mode, read.notice_days, read.after_days, read.max_roles) == ("Apply", 14, 30, 10)
    assert read.settings.max_days == 60
    assert read.topic_arn == attributes["NotifyTopic"]


@pytest.fixture
def aws(tmp_path: Path) -> Iterator[Path]:
    with mock_aws():
        zip_path = tmp_path / "dormant-retire.zip"
        build.build_zip(PACKAGE_SOURCE, zip_path, "campaign/handler.py")
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="dormant-code")
        s3.put_object(Bucket="dormant-code", Key="dormant-retire.zip", Body=zip_path.read_bytes())
        yield zip_path


def test_the_retire_zip_carries_the_campaign_and_no_command_line(aws: Path) -> None:
    with zipfile.ZipFile(aws) as archive:
        names = archive.namelist()
    assert "dormant/campaign/handler.py" in names
    assert "dormant/roles/aws_mutator.py" in names
    assert "dormant/aws/s3.py" in names
    assert not [n for n in names if n.startswith(("dormant/cli/", "dormant/commands/"))]
    assert "dormant/handler.py" not in names


def test_the_stack_comes_up_in_cloudformation(aws: Path) -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName="dormant-retire",
        TemplateBody=RETIRE_TEMPLATE.read_text(),
        Parameters=[
            {"ParameterKey": "CodeBucket", "ParameterValue": "dormant-code"},
            {"ParameterKey": "RetireMode", "ParameterValue": "Apply"},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    (stack,) = cloudformation.describe_stacks(StackName="dormant-retire")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    function = boto3.client("lambda", region_name=REGION).get_function(
        FunctionName="dormant-retire"
    )["Configuration"]
    assert function["Handler"] == "dormant.campaign.handler.lambda_handler"
    assert function["Role"] == outputs["FunctionRoleArn"]
    iam = boto3.client("iam", region_name=REGION)
    assert sorted(iam.list_role_policies(RoleName="dormant-retire-us-east-1")["PolicyNames"]) == [
        "backups",
        "query-config-for-references",  # References=config, the default
        "read-roles",
        "retire-roles",
        "tell-owners",
        "write-own-logs",
    ]
    policy = iam.get_policy(PolicyArn=outputs["QuarantinePolicyArn"])["Policy"]
    assert policy["Path"] == "/dormant/"
    s3 = boto3.client("s3", region_name=REGION)
    # moto's CloudFormation applies the encryption, not the versioning (read above).
    encryption = s3.get_bucket_encryption(Bucket=outputs["BackupBucketName"])
    (rule,) = encryption["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    topics = boto3.client("sns", region_name=REGION).list_topics()["Topics"]
    assert outputs["NotifyTopicArn"] in [t["TopicArn"] for t in topics]


def test_the_retire_zip_refuses_the_command_line_and_an_unknown_entry(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "dormant"
    shutil.copytree(PACKAGE_SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    handler = copy / "campaign" / "handler.py"
    handler.write_text(handler.read_text() + "\nfrom dormant.cli import common\n")
    with pytest.raises(build.BuildError, match=r"imports dormant\.cli"):
        build.build_zip(copy, tmp_path / "out.zip", "campaign/handler.py")
    with pytest.raises(build.BuildError, match="not a handler the templates name"):
        build.build_zip(copy, tmp_path / "out.zip", "commands/retire.py")
    # The Config rule's zip does not carry the retire entry, so is not affected.
    assert "dormant/campaign/handler.py" not in build.build_zip(copy, tmp_path / "rule.zip")


def test_the_stackset_runs_the_same_template_in_every_account_when_on() -> None:
    stackset = load_template(STACKSET_TEMPLATE)
    off = resolve(stackset, REQUIRED)["Resources"]
    assert "RetireCampaignStack" not in off
    on = {**REQUIRED, "RetireCampaign": "On", "BreakGlassRoleName": "security/breakglass"}
    nested = resolve(stackset, on)["Resources"]["RetireCampaignStack"]["Properties"]
    params = parameter_values(stackset, on)
    assert render(nested["TemplateURL"], params) == (
        "https://dormant-code.s3.us-east-1.amazonaws.com/dormant-retire.yaml"
    )
    passed = render(nested["Parameters"], params)
    assert set(passed) <= set(TEMPLATE["Parameters"])
    required = {k for k, v in TEMPLATE["Parameters"].items() if "Default" not in v}
    assert required <= set(passed)
    assert passed["CodeKey"] == "dormant-retire.zip"
    assert passed["RetireMode"] == "Notify"
    assert passed["BreakGlassRoleArn"] == "arn:aws:iam::123456789012:role/security/breakglass"
    assert (passed["Source"], passed["ArchiveFindings"]) == ("dormant", "false")
    # AWS's findings organization-wide: each member's campaign reads its own account's.
    # The analyzer is each account's own (AnalyzerArn left empty), never an ARN shared by
    # every account.
    sourced = {**on, "RetireSource": "securityhub", "RetireArchiveFindings": "true"}
    passed = render(nested["Parameters"], parameter_values(stackset, sourced))
    assert (passed["Source"], passed["ArchiveFindings"]) == ("securityhub", "true")
    assert "AnalyzerArn" not in passed
    for name in ("RetireSource", "RetireArchiveFindings"):
        assert (
            stackset["Parameters"][name]["AllowedValues"]
            == TEMPLATE["Parameters"][name.removeprefix("Retire")]["AllowedValues"]
        )
