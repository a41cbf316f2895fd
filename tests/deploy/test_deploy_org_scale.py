"""The organization set-up that scales past the central function's resource policy.

``deploy/org-stackset.yaml`` puts a function and its rule in every member account (no
cross-account invoke, no assumed role), ``deploy/org-code-bucket.yaml`` is the bucket
the organization reads the code from, ``deploy/org-aggregator.yaml`` gathers every
account's results. Each is linted, read as CloudFormation reads it, and created in the
simulated CloudFormation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.api import ManualArgs, lint_file
from deploy_support import (
    MAIN_TEMPLATE,
    PACKAGE_SOURCE,
    REPO_ROOT,
    allowed_actions,
    load_build_script,
    load_template,
    parameter_values,
    render_sub,
    resolve,
    statements,
)
from moto import mock_aws

from dormant.core.settings import EvaluationMode, parse_rule_parameters, settings_from_parameters

STACKSET_TEMPLATE = REPO_ROOT / "deploy" / "org-stackset.yaml"
BUCKET_TEMPLATE = REPO_ROOT / "deploy" / "org-code-bucket.yaml"
AGGREGATOR_TEMPLATE = REPO_ROOT / "deploy" / "org-aggregator.yaml"
NEW_TEMPLATES = (STACKSET_TEMPLATE, BUCKET_TEMPLATE, AGGREGATOR_TEMPLATE)
STACKSET = load_template(STACKSET_TEMPLATE)
BUCKET = load_template(BUCKET_TEMPLATE)
AGGREGATOR = load_template(AGGREGATOR_TEMPLATE)
MAIN = load_template(MAIN_TEMPLATE)
REQUIRED = {"CodeBucket": "dormant-code-111111111111"}
REGION = "us-east-1"

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*:UserWarning")


@pytest.mark.parametrize("template", NEW_TEMPLATES, ids=lambda path: path.name)
def test_cfn_lint_finds_nothing(template: Path) -> None:
    config = ManualArgs(include_checks=["I"], regions=["us-east-1", "eu-west-1"])
    assert [str(match) for match in lint_file(template, config=config)] == []


def _stackset(**overrides: str) -> dict[str, Any]:
    resources: dict[str, Any] = resolve(STACKSET, {**REQUIRED, **overrides})["Resources"]
    return resources


def test_every_account_runs_its_own_function_and_nothing_crosses_accounts() -> None:
    resources = _stackset()
    assert {name: body["Type"] for name, body in resources.items()} == {
        "LambdaExecutionRole": "AWS::IAM::Role",
        "LambdaLogGroup": "AWS::Logs::LogGroup",
        "CheckRoleLastUsedLambda": "AWS::Lambda::Function",
        "LambdaInvokePermission": "AWS::Lambda::Permission",
        "ConfigCustomRule": "AWS::Config::ConfigRule",
    }
    assert "Transform" not in STACKSET  # StackSets deploy it as it is
    assert allowed_actions(resources, "LambdaExecutionRole") == {
        "iam:GetAccountAuthorizationDetails",
        "config:PutEvaluations",
        "config:GetComplianceDetailsByConfigRule",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert not any("sts:" in a for a in allowed_actions(resources, "LambdaExecutionRole"))
    permission = resources["LambdaInvokePermission"]["Properties"]
    assert permission["Principal"] == "config.amazonaws.com"
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/*"
    }
    source = resources["ConfigCustomRule"]["Properties"]["Source"]
    assert source["SourceIdentifier"] == {"Fn::GetAtt": ["CheckRoleLastUsedLambda", "Arn"]}
    function = resources["CheckRoleLastUsedLambda"]["Properties"]
    assert function["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}


def test_stackset_function_is_the_single_account_function() -> None:
    main = resolve(MAIN)["Resources"]
    ours = _stackset()
    for key in ("Handler", "Runtime", "Timeout", "MemorySize", "Environment"):
        assert (
            ours["CheckRoleLastUsedLambda"]["Properties"][key]
            == (main["CheckRoleLastUsedLambda"]["Properties"][key])
        ), key
    assert statements(ours, "LambdaExecutionRole") == statements(main, "LambdaExecutionRole")
    for name in ("NameOfSolution", "MaxDaysForLastUsed", "EvaluationMode", "EvaluationFrequency"):
        assert STACKSET["Parameters"][name] == MAIN["Parameters"][name] or (
            STACKSET["Parameters"][name].get("Default") == MAIN["Parameters"][name]["Default"]
        ), name


@pytest.mark.parametrize("whitelist", ["", "/breakglass-role|/security-*"])
def test_stackset_rule_parameters_are_what_the_function_reads(whitelist: str) -> None:
    overrides = {"RolePatternWhitelist": whitelist, "EvaluationMode": "changes"}
    props = _stackset(**overrides)["ConfigCustomRule"]["Properties"]
    values = parameter_values(STACKSET, {**REQUIRED, **overrides})
    params = parse_rule_parameters(render_sub(props["InputParameters"], values))
    assert "execution_role_name" not in params
    settings = settings_from_parameters(params)
    assert settings.evaluation_mode is EvaluationMode.CHANGES
    assert settings.allow_patterns == tuple(p for p in whitelist.split("|") if p)


def test_code_bucket_is_readable_by_the_organization_only() -> None:
    resources = resolve(BUCKET, {"OrganizationId": "o-abcdefghij"})["Resources"]
    block = resources["CodeBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())
    policy = resources["CodeBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in policy if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}}
    assert set(allow["Action"]) == {"s3:GetObject", "s3:GetObjectVersion"}


def test_aggregator_reads_the_organization_with_the_aws_managed_policy() -> None:
    resources = resolve(AGGREGATOR)["Resources"]
    role = resources["AggregatorRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {
            "Fn::Sub": (
                "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"
            )
        }
    ]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "config.amazonaws.com"}
    source = resources["OrganizationAggregator"]["Properties"]["OrganizationAggregationSource"]
    assert source == {"RoleArn": {"Fn::GetAtt": ["AggregatorRole", "Arn"]}, "AllAwsRegions": True}
    chosen = resolve(AGGREGATOR, {"AggregatorRegions": "us-east-1,eu-west-1"})["Resources"]
    source = chosen["OrganizationAggregator"]["Properties"]["OrganizationAggregationSource"]
    assert source["AllAwsRegions"] is False
    assert source["AwsRegions"] == {"Fn::Split": [",", {"Ref": "AggregatorRegions"}]}
    pattern = AGGREGATOR["Parameters"]["AggregatorRegions"]["AllowedPattern"]
    for good in ("", "us-east-1", "us-east-1,eu-west-1", "us-gov-west-1"):
        assert re.fullmatch(pattern, good), good
    for bad in ("us-east-1, eu-west-1", "US-EAST-1", "us-east-1,"):
        assert not re.fullmatch(pattern, bad), bad


def test_the_guide_no_longer_advises_an_unconditioned_invoke_permission() -> None:
    guide = (REPO_ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    # The old fallback let any AWS account's Config invoke the function (a confused deputy).
    assert "give Config in every account the right to invoke" not in guide
    assert "rely on `OrganizationId`" not in guide
    assert "Never give `config.amazonaws.com` an invoke permission without `SourceAccount`" in (
        " ".join(guide.split())
    )
    assert "org-stackset.yaml" in guide
    assert "org-aggregator.yaml" in guide


# --- created in the simulated CloudFormation ------------------------------------------------


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _create(name: str, template: Path, parameters: dict[str, str]) -> dict[str, str]:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(load_template(template)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


@pytest.mark.usefixtures("aws")
def test_bucket_then_member_stack_come_up(tmp_path: Path) -> None:
    outputs = _create("dormant-code", BUCKET_TEMPLATE, {"OrganizationId": "o-abcdefghij"})
    bucket = outputs["CodeBucket"]
    s3 = boto3.client("s3", region_name=REGION)
    # moto creates the bucket but not its policy (test_code_bucket_... reads the policy).
    s3.head_bucket(Bucket=bucket)
    zip_path = tmp_path / "dormant-lambda.zip"
    load_build_script().build_zip(PACKAGE_SOURCE, zip_path)
    s3.put_object(Bucket=bucket, Key="dormant-lambda.zip", Body=zip_path.read_bytes())

    member = _create(
        "dormant-member", STACKSET_TEMPLATE, {"CodeBucket": bucket, "EvaluationMode": "changes"}
    )
    lambda_ = boto3.client("lambda", region_name=REGION)
    function = lambda_.get_function(FunctionName="iam-role-last-used")["Configuration"]
    assert function["Handler"] == "dormant.handler.lambda_handler"
    assert member["FunctionArn"] == function["FunctionArn"]
    (statement,) = json.loads(lambda_.get_policy(FunctionName="iam-role-last-used")["Policy"])[
        "Statement"
    ]
    assert statement["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": "123456789012"},
        "ArnLike": {"AWS:SourceArn": "arn:aws:config:us-east-1:123456789012:config-rule/*"},
    }


@pytest.mark.usefixtures("aws")
def test_aggregator_stack_comes_up() -> None:
    # moto creates the role and skips the aggregator, which it does not model; the
    # aggregator's properties are checked by reading the template above.
    _create("dormant-aggregator", AGGREGATOR_TEMPLATE, {"AggregatorRegions": "us-east-1"})
    iam = boto3.client("iam", region_name=REGION)
    (role,) = [
        r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("dormant-aggregator")
    ]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "config.amazonaws.com"}
