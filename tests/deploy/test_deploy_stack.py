"""template.yaml deployed for real, in the simulated AWS: SAM translation, then a stack.

The SAM transform runs offline with aws-sam-translator (the template names no managed
policies, so the policy loader has nothing to look up), with CodeUri pointing at the
built zip uploaded to a simulated bucket, as `sam deploy` or `aws cloudformation
package` would leave it. moto's CloudFormation then creates the stack. moto does not
model AWS::Config::ConfigRule or RemediationConfiguration and skips them silently;
test_deploy_template.py checks those by reading the template.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from deploy_support import MAIN_TEMPLATE, PACKAGE_SOURCE, load_build_script, load_template
from moto import mock_aws
from samtranslator.translator.transform import transform

BUCKET = "dormant-deploy-artifacts"
KEY = "dormant-lambda.zip"
REGION = "us-east-1"

# moto warns about each resource type it skips (Config rule, remediation, topic policy).
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*:UserWarning")


class _NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs only when a template names one."""

    def load(self) -> dict[str, str]:
        return {}


def _translated() -> dict[str, Any]:
    template = load_template(MAIN_TEMPLATE)
    function = template["Resources"]["CheckRoleLastUsedLambda"]["Properties"]
    function["CodeUri"] = f"s3://{BUCKET}/{KEY}"
    translated: dict[str, Any] = transform(template, {}, _NoManagedPolicies())
    return translated


def test_sam_translation_leaves_plain_cloudformation() -> None:
    translated = _translated()
    assert "Transform" not in translated
    types = {body["Type"] for body in translated["Resources"].values()}
    assert not [t for t in types if t.startswith("AWS::Serverless::")]
    function = translated["Resources"]["CheckRoleLastUsedLambda"]
    assert function["Type"] == "AWS::Lambda::Function"
    assert function["Properties"]["Code"] == {"S3Bucket": BUCKET, "S3Key": KEY}
    # The template brings its own role: SAM must not add one with broader rights.
    # CloudFormation checks the Rules after the transform: SAM must hand them on unchanged.
    assert translated["Rules"] == load_template(MAIN_TEMPLATE)["Rules"]
    roles = [n for n, b in translated["Resources"].items() if b["Type"] == "AWS::IAM::Role"]
    assert sorted(roles) == ["LambdaExecutionRole", "QuarantineAutomationRole"]


@pytest.fixture
def aws(tmp_path: Path) -> Iterator[None]:
    with mock_aws():
        zip_path = tmp_path / KEY
        load_build_script().build_zip(PACKAGE_SOURCE, zip_path)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=zip_path.read_bytes())
        yield


def _create_stack(name: str, parameters: dict[str, str]) -> dict[str, str]:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(_translated()),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


@pytest.mark.usefixtures("aws")
def test_default_stack_brings_up_role_function_permission_and_log_group() -> None:
    outputs = _create_stack("iam-role-last-used", {})
    iam = boto3.client("iam", region_name=REGION)
    lambda_ = boto3.client("lambda", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)

    role = iam.get_role(RoleName="iam-role-last-used-lambda-us-east-1")["Role"]
    policies = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    assert sorted(policies) == ["read-roles", "report-to-config", "write-own-logs"]
    assert iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"] == []

    function = lambda_.get_function(FunctionName="iam-role-last-used")["Configuration"]
    assert function["Handler"] == "dormant.handler.lambda_handler"
    assert function["Role"] == role["Arn"]
    assert function["Timeout"] == 900
    # moto keeps a Number parameter as a number; CloudFormation passes strings.
    variables = {key: str(value) for key, value in function["Environment"]["Variables"].items()}
    assert variables == {
        "MAX_DAYS_FOR_LAST_USED": "60",
        "ROLE_WHITELIST": "",
        "INCLUDE_SERVICE_LINKED_ROLES": "false",
        "EVALUATION_MODE": "full",
        "EXEMPT_TAG_KEY": "dormant:exempt",
        "OWNER_TAG_KEYS": "owner,Owner,team,Team",
        "REFERENCES": "iam",
        "MAX_EXEMPTION_DAYS": "",
    }
    assert outputs["FunctionArn"] == function["FunctionArn"]
    assert outputs["LambdaExecutionRoleArn"] == role["Arn"]

    (statement,) = json.loads(lambda_.get_policy(FunctionName="iam-role-last-used")["Policy"])[
        "Statement"
    ]
    assert statement["Principal"] == {"Service": "config.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": "123456789012"},
        "ArnLike": {"AWS:SourceArn": "arn:aws:config:us-east-1:123456789012:config-rule/*"},
    }

    (group,) = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/iam-role-last-used")[
        "logGroups"
    ]
    assert group["logGroupName"] == "/aws/lambda/iam-role-last-used"
    assert group["retentionInDays"] == 30


@pytest.mark.usefixtures("aws")
def test_stack_with_every_option_comes_up() -> None:
    outputs = _create_stack(
        "dormant-everything",
        {
            "NameOfSolution": "dormant-all",
            "MaxDaysForLastUsed": "90",
            "RolePatternWhitelist": "/breakglass-role|/security-*",
            "NotificationEmail": "security@example.com",
            "ExecutionRoleName": "dormant-rule-execution",
            "OrganizationId": "o-abcdefghij",
            "RemediationMode": "Manual",
            "LambdaLayerArn": "arn:aws:lambda:us-east-1:123456789012:layer:boto3:3",
        },
    )
    iam = boto3.client("iam", region_name=REGION)
    role_name = "dormant-all-lambda-us-east-1"
    assert "assume-member-role" in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assume = iam.get_role_policy(RoleName=role_name, PolicyName="assume-member-role")
    document: Any = assume["PolicyDocument"]  # boto3 decodes it to a dict
    (statement,) = document["Statement"]
    assert statement["Resource"] == "arn:aws:iam::*:role/dormant-rule-execution"

    function = boto3.client("lambda", region_name=REGION).get_function(FunctionName="dormant-all")[
        "Configuration"
    ]
    assert function["Environment"]["Variables"]["ROLE_WHITELIST"] == (
        "/breakglass-role|/security-*"
    )

    topics = boto3.client("sns", region_name=REGION).list_topics()["Topics"]
    assert outputs["NotificationTopicArn"] in [topic["TopicArn"] for topic in topics]
    (rule,) = boto3.client("events", region_name=REGION).list_rules(
        NamePrefix="dormant-all-noncompliant"
    )["Rules"]
    assert json.loads(rule["EventPattern"])["detail"]["configRuleName"] == ["dormant-all"]

    # moto stores the document but cannot describe one given as a YAML object; its name
    # in the stack's outputs shows that it was created.
    assert outputs["QuarantineDocumentName"] == "dormant-all-quarantine-role"


@pytest.mark.usefixtures("aws")
def test_stack_with_the_users_rule_comes_up() -> None:
    _create_stack(
        "dormant-users",
        {
            "NameOfSolution": "dormant-u",
            "EvaluateUserCredentials": "true",
            "UserAllowList": "/emergency/*",
            "NotificationEmail": "security@example.com",
        },
    )
    iam = boto3.client("iam", region_name=REGION)
    role_name = "dormant-u-lambda-us-east-1"
    assert "read-credential-report" in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    report = iam.get_role_policy(RoleName=role_name, PolicyName="read-credential-report")
    document: Any = report["PolicyDocument"]
    (statement,) = document["Statement"]
    assert sorted(statement["Action"]) == [
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
    ]
    # moto's CloudFormation creates no AWS::Config::ConfigRule: tests/deploy/test_deploy_users.py
    # checks the users' rule in the resolved template instead.
    events = boto3.client("events", region_name=REGION)
    (rule,) = events.list_rules(NamePrefix="dormant-u-users-noncompliant")["Rules"]
    assert json.loads(rule["EventPattern"])["detail"]["configRuleName"] == ["dormant-u-users"]


@pytest.mark.usefixtures("aws")
def test_stack_with_the_permissions_rule_comes_up() -> None:
    outputs = _create_stack(
        "dormant-permissions", {"NameOfSolution": "dormant-p", "PermissionsRule": "On"}
    )
    iam = boto3.client("iam", region_name=REGION)
    role_name = "dormant-p-lambda-us-east-1"
    assert "read-service-last-accessed" in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    policy = iam.get_role_policy(RoleName=role_name, PolicyName="read-service-last-accessed")
    document: Any = policy["PolicyDocument"]
    assert {s["Action"]: s["Resource"] for s in document["Statement"]} == {
        "iam:GenerateServiceLastAccessedDetails": "arn:aws:iam::123456789012:role/*",
        "iam:GetServiceLastAccessedDetails": "*",
    }
    # moto creates no AWS::Config::ConfigRule (nor the outputs naming one):
    # tests/deploy/test_deploy_permissions.py checks the rule in the resolved template.
    assert outputs["FunctionArn"].endswith(":function:dormant-p")
