"""Every request is checked against botocore's service model before moto serves it.

One bad value per kind of constraint (required member, minimum and maximum length, minimum
and maximum value, enum, pattern, list length) for each service the tests use, sent with
botocore's own client-side validation turned off (as a raw request or another SDK would
send it): the simulation answers the service's validation error, as AWS does.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from dormant_sim import service_models
from dormant_sim.server import SimulatedAws, Simulation

RAW = Config(parameter_validation=False, retries={"max_attempts": 1})
ROLE_ARN = "arn:aws:iam::123456789012:role/example"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
LONG = "x" * 3000


def _rule(**overrides: Any) -> dict[str, Any]:
    rule = {
        "ConfigRuleName": "dormant-roles",
        "Source": {
            "Owner": "CUSTOM_LAMBDA",
            "SourceIdentifier": FUNCTION_ARN,
            "SourceDetails": [
                {"EventSource": "aws.config", "MessageType": "ScheduledNotification"}
            ],
        },
    }
    rule.update(overrides)
    return rule


def _remediation(static: str) -> list[dict[str, Any]]:
    return [
        {
            "ConfigRuleName": "dormant-roles",
            "TargetType": "SSM_DOCUMENT",
            "TargetId": "dormant-quarantine",
            "Parameters": {"RoleName": {"StaticValue": {"Values": [static]}}},
        }
    ]


# (service, kind of constraint, operation, parameters, member named in the refusal)
CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("iam", "required", "get_role", {}, "roleName"),
    ("iam", "min length", "get_role", {"RoleName": ""}, "roleName"),
    ("iam", "max length", "get_role", {"RoleName": "r" * 65}, "roleName"),
    ("iam", "pattern", "get_role", {"RoleName": "two words"}, "roleName"),
    ("iam", "min value", "list_roles", {"MaxItems": 0}, "maxItems"),
    ("iam", "max value", "list_roles", {"MaxItems": 1001}, "maxItems"),
    ("iam", "enum", "list_policies", {"Scope": "Everything"}, "scope"),
    (
        "iam",
        "list length",
        "tag_role",
        {"RoleName": "r", "Tags": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]},
        "tags",
    ),
    ("sts", "required", "assume_role", {"RoleArn": ROLE_ARN}, "roleSessionName"),
    ("sts", "min length", "assume_role", {"RoleArn": "arn:", "RoleSessionName": "s1"}, "roleArn"),
    (
        "sts",
        "max length",
        "assume_role",
        {"RoleArn": ROLE_ARN, "RoleSessionName": "s" * 65},
        "roleSessionName",
    ),
    (
        "sts",
        "pattern",
        "assume_role",
        {"RoleArn": ROLE_ARN, "RoleSessionName": "two words"},
        "roleSessionName",
    ),
    (
        "sts",
        "min value",
        "assume_role",
        {"RoleArn": ROLE_ARN, "RoleSessionName": "s1", "DurationSeconds": 899},
        "durationSeconds",
    ),
    (
        "sts",
        "max value",
        "assume_role",
        {"RoleArn": ROLE_ARN, "RoleSessionName": "s1", "DurationSeconds": 43201},
        "durationSeconds",
    ),
    ("config", "required", "put_config_rule", {}, "configRule"),
    (
        "config",
        "max length",
        "put_config_rule",
        {"ConfigRule": _rule(InputParameters=json.dumps({"p": "v" * 1100}))},
        "configRule.inputParameters",
    ),
    (
        "config",
        "max length",
        "put_remediation_configurations",
        {"RemediationConfigurations": _remediation("r" * 257)},
        "remediationConfigurations.1.member.parameters.RoleName.staticValue.values.1.member",
    ),
    (
        "config",
        "min length",
        "describe_config_rules",
        {"ConfigRuleNames": [""]},
        "configRuleNames.1.member",
    ),
    (
        "config",
        "enum",
        "get_compliance_details_by_config_rule",
        {"ConfigRuleName": "dormant-roles", "ComplianceTypes": ["UNKNOWN"]},
        "complianceTypes.1.member",
    ),
    (
        "config",
        "max value",
        "get_compliance_details_by_config_rule",
        {"ConfigRuleName": "dormant-roles", "Limit": 101},
        "limit",
    ),
    (
        "config",
        "list length",
        "describe_config_rules",
        {"ConfigRuleNames": [f"rule-{i}" for i in range(26)]},
        "configRuleNames",
    ),
    ("organizations", "required", "describe_account", {}, "accountId"),
    ("organizations", "pattern", "describe_account", {"AccountId": "12345"}, "accountId"),
    ("organizations", "max length", "describe_account", {"AccountId": "1" * 13}, "accountId"),
    ("organizations", "max value", "list_accounts", {"MaxResults": 21}, "maxResults"),
    ("securityhub", "list length", "batch_import_findings", {"Findings": []}, "findings"),
    ("securityhub", "max value", "get_findings", {"MaxResults": 101}, "maxResults"),
    ("s3", "required", "put_bucket_versioning", {"Bucket": "b"}, "versioningConfiguration"),
    (
        "s3",
        "enum",
        "put_object",
        {"Bucket": "b", "Key": "k", "Body": b"x", "ServerSideEncryption": "ROT13"},
        "serverSideEncryption",
    ),
    ("sns", "required", "publish", {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}, "message"),
    ("sqs", "required", "create_queue", {}, "queueName"),
    ("secretsmanager", "min length", "get_secret_value", {"SecretId": ""}, "secretId"),
    ("secretsmanager", "max length", "get_secret_value", {"SecretId": LONG}, "secretId"),
    ("secretsmanager", "enum", "list_secrets", {"SortOrder": "sideways"}, "sortOrder"),
    ("lambda", "pattern", "get_function", {"FunctionName": "two words"}, "functionName"),
    ("lambda", "max value", "list_functions", {"MaxItems": 10001}, "maxItems"),
    (
        "lambda",
        "enum",
        "invoke",
        {"FunctionName": "f", "InvocationType": "Later"},
        "invocationType",
    ),
    ("ssm", "max length", "get_parameter", {"Name": LONG}, "name"),
    ("ssm", "max value", "describe_parameters", {"MaxResults": 51}, "maxResults"),
    ("cloudformation", "required", "create_stack", {}, "stackName"),
    (
        "cloudformation",
        "enum",
        "create_stack",
        {"StackName": "s", "TemplateBody": "{}", "OnFailure": "SHRUG"},
        "onFailure",
    ),
    (
        "cloudformation",
        "min length",
        "create_stack",
        {"StackName": "s", "TemplateBody": "{}", "RoleARN": "arn:"},
        "roleARN",
    ),
    ("scheduler", "pattern", "get_schedule", {"Name": "two words"}, "name"),
    ("scheduler", "max value", "list_schedules", {"MaxResults": 101}, "maxResults"),
    ("scheduler", "enum", "list_schedules", {"State": "PAUSED"}, "state"),
    ("ec2", "min value", "describe_vpcs", {"MaxResults": 4}, "maxResults"),
    (
        "ec2",
        "enum",
        "create_vpc",
        {"CidrBlock": "10.0.0.0/16", "InstanceTenancy": "x"},
        "instanceTenancy",
    ),
]


@pytest.mark.parametrize(
    ("service", "kind", "operation", "params", "member"),
    CASES,
    ids=[f"{case[0]}-{case[1]}-{case[2]}" for case in CASES],
)
def test_a_request_the_model_refuses_answers_the_services_validation_error(
    sim: Simulation, service: str, kind: str, operation: str, params: dict[str, Any], member: str
) -> None:
    client = boto3.client(service, region_name="us-east-1", config=RAW)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        getattr(client, operation)(**params)
    error = raised.value.response["Error"]
    assert error["Code"] == service_models.ERROR_CODES.get(service, "ValidationException")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert f"at '{member}'" in error["Message"] or member in error["Message"]
    assert "failed to satisfy constraint" in error["Message"]


def test_a_valid_request_is_served_as_before(sim: Simulation) -> None:
    iam = boto3.client("iam", region_name="us-east-1", config=RAW)
    iam.create_role(RoleName="ok", AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    assert iam.get_role(RoleName="ok")["Role"]["RoleName"] == "ok"


def test_the_check_holds_for_raw_requests_to_the_loopback_server(
    sim_server: SimulatedAws,
) -> None:
    """No botocore at all: a form-encoded IAM query, as any HTTP client could send it."""
    body = urllib.parse.urlencode(
        {"Action": "GetRole", "Version": "2010-05-08", "RoleName": "r" * 65}
    ).encode()
    request = urllib.request.Request(
        f"{sim_server.endpoint_url}/",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/"
            "us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    text = raised.value.read().decode()
    assert raised.value.code == 400
    assert "<Code>ValidationError</Code>" in text
    assert "Member must have length less than or equal to 64" in text


def test_patterns_java_writes_are_translated_not_skipped() -> None:
    """IAM's tag keys use Java's \\p{L}\\p{Z}\\p{N}: a letter passes, a control character not."""
    params = {"RoleName": "r", "Tags": [{"Key": "Kostenstelle é", "Value": "v"}]}
    assert service_models.check("iam", "TagRole", params) is None
    refused = service_models.check(
        "iam", "TagRole", {"RoleName": "r", "Tags": [{"Key": "bad\u0007", "Value": "v"}]}
    )
    assert refused is not None
    assert "tags.1.member.key" in refused.message
