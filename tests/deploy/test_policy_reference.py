"""The policy checker itself: it fails on each kind of bad policy and passes on good ones.

The cases are small documents with a known verdict under IAM's service reference; the
checker must name the statement and the action of each violation.
"""

from __future__ import annotations

from typing import Any

import pytest
from policy_reference import PolicyKind, arn_matches_format, check_policy, dataset_version
from template_policies import UnsupportedPolicy, resolve_value

IDENTITY, RESOURCE, TRUST = PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST
ROLES = "arn:aws:iam::111111111111:role/*"
LOG_GROUP = "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/f"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource, **extra}


GOOD = [
    ("resource-less action on *", IDENTITY, _doc(_allow("iam:GetAccountAuthorizationDetails"))),
    ("action on its own ARN type", IDENTITY, _doc(_allow(["iam:GetRole", "iam:TagRole"], ROLES))),
    ("action with types on *", IDENTITY, _doc(_allow("iam:GetRole"))),
    (
        "log streams through the group's :*",
        IDENTITY,
        _doc(_allow("logs:PutLogEvents", LOG_GROUP + ":*")),
    ),
    ("wildcard action", IDENTITY, _doc(_allow(["iam:Get*", "s3:*"]))),
    ("case-insensitive action", IDENTITY, _doc(_allow("IAM:getrole", ROLES))),
    (
        "action's own condition key",
        IDENTITY,
        _doc(
            _allow("iam:AttachRolePolicy", ROLES, Condition={"ArnEquals": {"iam:PolicyARN": "x"}})
        ),
    ),
    (
        "resource type's condition key",
        IDENTITY,
        _doc(
            _allow("iam:GetRole", ROLES, Condition={"StringEquals": {"aws:ResourceTag/team": "a"}})
        ),
    ),
    (
        "global condition key, IfExists operator",
        IDENTITY,
        _doc(
            _allow("iam:GetRole", ROLES, Condition={"StringEqualsIfExists": {"aws:SourceVpc": "v"}})
        ),
    ),
    (
        "mixed types, each resource for one action",
        IDENTITY,
        _doc(_allow(["logs:CreateLogGroup", "logs:PutLogEvents"], [LOG_GROUP, LOG_GROUP + ":*"])),
    ),
    (
        "deny everything",
        IDENTITY,
        _doc(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": "t"}},
            }
        ),
    ),
    (
        "NotAction of existing actions on *",
        IDENTITY,
        _doc(
            {"Effect": "Deny", "NotAction": ["iam:Get*", "sts:GetCallerIdentity"], "Resource": "*"}
        ),
    ),
    (
        "trust policy",
        TRUST,
        _doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "ssm.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": "111111111111", "sts:ExternalId": "x"}
                },
            }
        ),
    ),
    (
        "bucket policy",
        RESOURCE,
        _doc(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    ),
    (
        "policy variable in an ARN",
        IDENTITY,
        _doc(_allow("iam:GetUser", "arn:aws:iam::111111111111:user/${aws:username}")),
    ),
]

# (case, kind, document, the violations expected: (statement, action, words in the problem))
BAD = [
    (
        "unknown action",
        IDENTITY,
        _doc(_allow("iam:GetRoles", ROLES)),
        [("S", "iam:GetRoles", "no such action")],
    ),
    (
        "unknown service",
        IDENTITY,
        _doc(_allow("iamx:GetRole")),
        [("S", "iamx:GetRole", "no such action")],
    ),
    (
        "wildcard matching nothing",
        IDENTITY,
        _doc(_allow("iam:Fetch*")),
        [("S", "iam:Fetch*", "no such action")],
    ),
    (
        "resource-less action on an ARN",
        IDENTITY,
        _doc(_allow(["iam:ListRoles", "iam:GetRole"], ROLES)),
        [("S", "iam:ListRoles", 'has no resource types: grant it on "*"')],
    ),
    (
        "wrong ARN type",
        IDENTITY,
        _doc(_allow("sns:Publish", ROLES)),
        [("S", "sns:Publish", "match none of its resource types' ARN formats")],
    ),
    (
        "log group without :* for stream actions",
        IDENTITY,
        _doc(_allow("logs:PutLogEvents", LOG_GROUP)),
        [("S", "logs:PutLogEvents", "log-stream:${LogStreamName}")],
    ),
    (
        "one of two resources fits no action",
        IDENTITY,
        _doc(_allow("iam:GetRole", [ROLES, "arn:aws:sns:us-east-1:111111111111:t"])),
        [("S", "iam:GetRole", "resource 'arn:aws:sns:us-east-1:111111111111:t' matches no")],
    ),
    (
        "region in a global service's ARN",
        IDENTITY,
        _doc(_allow("iam:GetRole", "arn:aws:iam:us-east-1:111111111111:role/x")),
        [("S", "iam:GetRole", "ARN formats")],
    ),
    (
        "unknown condition key",
        IDENTITY,
        _doc(_allow("iam:GetRole", ROLES, Condition={"StringEquals": {"iam:PolicyARN": "x"}})),
        [("S", "iam:GetRole", "condition key 'iam:PolicyARN'")],
    ),
    (
        "misspelt global condition key",
        IDENTITY,
        _doc(_allow("iam:GetRole", ROLES, Condition={"StringEquals": {"aws:SourceArm": "x"}})),
        [("S", "iam:GetRole", "condition key 'aws:SourceArm'")],
    ),
    (
        "unknown condition operator",
        IDENTITY,
        _doc(_allow("iam:GetRole", ROLES, Condition={"StringEqual": {"aws:SourceAccount": "x"}})),
        [("S", "", "unknown condition operator 'StringEqual'")],
    ),
    (
        "NotResource",
        IDENTITY,
        _doc({"Sid": "S", "Effect": "Allow", "Action": "iam:GetRole", "NotResource": ROLES}),
        [("S", "", "NotResource is not checked")],
    ),
    (
        "NotAction on an ARN",
        IDENTITY,
        _doc({"Sid": "S", "Effect": "Deny", "NotAction": "iam:GetRole", "Resource": ROLES}),
        [("S", "", 'checked only on Resource "*"')],
    ),
    (
        "NotAction of an unknown action",
        IDENTITY,
        _doc({"Sid": "S", "Effect": "Deny", "NotAction": "iam:Nothing", "Resource": "*"}),
        [("S", "iam:Nothing", "no such action")],
    ),
    (
        "NotAction with a service condition key",
        IDENTITY,
        _doc(
            {
                "Sid": "S",
                "Effect": "Deny",
                "NotAction": "iam:GetRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PolicyARN": "x"}},
            }
        ),
        [("S", "", "only with global condition keys")],
    ),
    (
        "NotPrincipal",
        RESOURCE,
        _doc(
            {
                "Sid": "S",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": "x"},
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::b",
            }
        ),
        [("S", "", "NotPrincipal is not checked")],
    ),
    (
        "Principal in an identity policy",
        IDENTITY,
        _doc(_allow("iam:GetRole", Principal="*")),
        [("S", "", "identity policy has no Principal")],
    ),
    (
        "Resource in a trust policy",
        TRUST,
        _doc(
            {
                "Sid": "S",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
            }
        ),
        [("S", "", "trust policy has no Resource")],
    ),
    (
        "a non-assume action in a trust policy",
        TRUST,
        _doc({"Sid": "S", "Effect": "Allow", "Principal": "*", "Action": "iam:GetRole"}),
        [("S", "iam:GetRole", "trust policy allows only")],
    ),
    (
        "not an ARN",
        IDENTITY,
        _doc(_allow("iam:GetRole", "role/x")),
        [("S", "", "is not '*' nor an ARN")],
    ),
    (
        "wrong version",
        IDENTITY,
        {"Version": "2008-10-17", "Statement": [_allow("iam:GetRole")]},
        [("(document)", "", "Version")],
    ),
    (
        "unnamed statement",
        IDENTITY,
        _doc({"Effect": "Allow", "Action": "iam:GetRoles", "Resource": "*"}),
        [("#0", "iam:GetRoles", "no such action")],
    ),
]


@pytest.mark.parametrize(
    ("kind", "document"), [case[1:] for case in GOOD], ids=[c[0] for c in GOOD]
)
def test_good_policies_pass(kind: PolicyKind, document: dict[str, Any]) -> None:
    assert [str(v) for v in check_policy(document, kind)] == []


@pytest.mark.parametrize(
    ("kind", "document", "expected"), [case[1:] for case in BAD], ids=[c[0] for c in BAD]
)
def test_bad_policies_fail_naming_statement_and_action(
    kind: PolicyKind, document: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    violations = check_policy(document, kind)
    assert violations, "the checker passed a bad policy"
    for statement, action, words in expected:
        assert any(
            v.statement == statement and v.action == action and words in v.problem
            for v in violations
        ), (statement, action, words, [str(v) for v in violations])


def test_every_violation_is_reported_not_only_the_first() -> None:
    document = _doc(
        _allow("iam:GetRoles"),
        {"Sid": "Two", "Effect": "Allow", "Action": "iam:ListRoles", "Resource": ROLES},
    )
    assert {(v.statement, v.action) for v in check_policy(document, IDENTITY)} == {
        ("S", "iam:GetRoles"),
        ("Two", "iam:ListRoles"),
    }


@pytest.mark.parametrize(
    ("arn", "arn_format", "matches"),
    [
        (
            "arn:aws:iam::*:role/x",
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            True,
        ),
        (
            "arn:aws:iam::111111111111:role/a/b",
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            True,
        ),
        (
            "arn:aws:iam::111111111111:role/",
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            False,
        ),
        (
            "arn:aws:iam::111111111111:user/x",
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            False,
        ),
        ("arn:aws:s3:::b/*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", True),
        ("arn:aws:s3:::b", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", False),
        ("arn:aws:s3:::b", "arn:${Partition}:s3:::${BucketName}", True),
        (
            "arn:aws:sns:us-east-1:111111111111:t",
            "arn:${Partition}:sns:${Region}:${Account}:${TopicName}",
            True,
        ),
        (
            "arn:aws:sns::111111111111:t",
            "arn:${Partition}:sns:${Region}:${Account}:${TopicName}",
            False,
        ),
        (
            "arn:aws:config:us-east-1:111111111111:config-rule/*",
            "arn:${Partition}:config:${Region}:${Account}:config-rule/${ConfigRuleId}",
            True,
        ),
        (
            "arn:aws:config:us-east-?:111111111111:config-rule/c",
            "arn:${Partition}:config:${Region}:${Account}:config-rule/${ConfigRuleId}",
            True,
        ),
        ("arn:aws:iam::111111111111", "arn:${Partition}:iam::${Account}:root", False),
    ],
)
def test_arns_match_formats_part_by_part(arn: str, arn_format: str, matches: bool) -> None:
    assert arn_matches_format(arn, arn_format) is matches


def test_the_dataset_is_the_pinned_one_or_newer() -> None:
    assert tuple(int(part) for part in dataset_version().split(".")) >= (0, 1, 202610271)


# --- The CloudFormation resolver ------------------------------------------------------------

_PARAMS = {"Name": "dormant", "Ids": ["111111111111", "222222222222"]}
_RESOURCES = {
    "Group": {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Name}"}},
    },
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
    "Rule": {"Type": "AWS::Config::ConfigRule", "Properties": {"ConfigRuleName": "r"}},
}


@pytest.mark.parametrize(
    ("node", "value"),
    [
        ({"Ref": "AWS::AccountId"}, "111111111111"),
        ({"Ref": "Name"}, "dormant"),
        ({"Ref": "Ids"}, ["111111111111", "222222222222"]),
        ({"Ref": "Topic"}, "arn:aws:sns:us-east-1:111111111111:dormant-stack-topic"),
        ({"Ref": "Bucket"}, "dormant-stack-bucket"),
        (
            {"Fn::GetAtt": ["Group", "Arn"]},
            "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/dormant:*",
        ),
        (
            {"Fn::GetAtt": "Rule.Arn"},
            "arn:aws:config:us-east-1:111111111111:config-rule/config-rule-a1b2c3",
        ),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Name}"},
            "arn:aws:iam::111111111111:role/dormant",
        ),
        ({"Fn::Sub": "${Bucket.Arn}/*"}, "arn:aws:s3:::dormant-stack-bucket/*"),
        ({"Fn::Sub": ["${X}-${Name}", {"X": {"Ref": "AWS::Region"}}]}, "us-east-1-dormant"),
        ({"Fn::Sub": "user/${!aws:username}"}, "user/${aws:username}"),
        ({"Fn::Join": [":", ["a", {"Ref": "Name"}]]}, "a:dormant"),
        (
            {"Condition": {"StringEquals": {"aws:PrincipalOrgID": {"Ref": "Name"}}}},
            {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "dormant"}}},
        ),
    ],
)
def test_resolver_gives_representative_values(node: Any, value: Any) -> None:
    assert resolve_value(node, _PARAMS, _RESOURCES) == value


@pytest.mark.parametrize(
    "node",
    [
        {"Fn::If": ["C", "a", "b"]},
        {"Fn::Select": [0, ["a"]]},
        {"Fn::ImportValue": "x"},
        {"Ref": "Missing"},
        {"Fn::GetAtt": ["Bucket", "DomainName"]},
        {"Fn::Sub": "${Ids}"},
    ],
)
def test_resolver_refuses_what_it_cannot_represent(node: Any) -> None:
    with pytest.raises(UnsupportedPolicy):
        resolve_value(node, _PARAMS, _RESOURCES)
