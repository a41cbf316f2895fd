"""The streamed snapshot scan finds exactly the references a brute-force reading finds.

``referenced_snapshot`` answers each role from an index built in one pass (exact and
wildcard ``iam:PassRole`` grants by their literal head, each action name matched once,
findings completed in place). Here a seeded generator writes snapshots holding every kind
of reference, and lookalikes that are none (a ``Deny``, ``NotResource``, a grant on every
role, a non-default policy version, a trust in a ``Deny``); the streamed scan is compared,
role by role, with a reading that tries every policy document on every role through
``allows_pass_role``, checks every trust policy by hand, and with the paged path a live
scan takes (``IamReferenceIndex.add_page`` and ``with_references``).
"""

from __future__ import annotations

import json
import random
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dormant.core.settings import Settings
from dormant.roles.decide import evaluate_roles
from dormant.roles.records import policy_document, role_from_detail
from dormant.roles.references import referenced
from dormant.roles.references.iam import IamReferenceIndex
from dormant.roles.references.passrole import allows_pass_role
from dormant.roles.references.snapshot import referenced_snapshot

ACCOUNT = "111111111111"
NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
PATHS = ("/", "/app/", "/svc/batch/", "/service-role/")
ACTIONS: tuple[Any, ...] = (
    "iam:PassRole",
    "IAM:passrole",
    "iam:Pass*",
    "iam:*",
    "*",
    "iam:P?ssRole",
    "s3:GetObject",
    ["s3:PutObject", "iam:PassRole"],
    ["sqs:SendMessage", "kms:Decrypt"],
)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _arn(path: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role{path}{name}"


def _resource(rng: random.Random, arns: list[str]) -> Any:
    target = rng.choice(arns)
    head, _, name = target.rpartition("/")
    choices = [
        target,
        f"{head}/*",  # a path's roles
        f"{head}/{name[:4]}*",
        f"{head}/{name[:-1]}?",
        f"arn:aws:iam::*:role/*/{name}",
        "*",  # every role: no reference
        f"arn:aws:iam::{ACCOUNT}:role/*",
        "arn:aws:iam::*:role/*",
        f"arn:aws:iam::222222222222:role/{name}",
        [target, rng.choice(arns)],
    ]
    return rng.choice(choices)


def _statement(rng: random.Random, arns: list[str]) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow" if rng.random() < 0.85 else "Deny"}
    if rng.random() < 0.1:
        statement["NotAction"] = rng.choice(["s3:*", ["iam:*"], ["iam:PassRole", "s3:*"]])
    else:
        statement["Action"] = rng.choice(ACTIONS)
    key = "NotResource" if rng.random() < 0.05 else "Resource"
    statement[key] = _resource(rng, arns)
    if rng.random() < 0.1:
        statement["Condition"] = {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    return statement


def _document(rng: random.Random, arns: list[str]) -> Any:
    document = {
        "Version": "2012-10-17",
        "Statement": [_statement(rng, arns) for _ in range(rng.randint(1, 3))],
    }
    if rng.random() < 0.15:  # as IAM's raw API returns it
        return urllib.parse.quote(json.dumps(document))
    return document


def _trust(rng: random.Random, arns: list[str]) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    for _ in range(rng.choice((0, 0, 1, 2))):
        principal: Any = rng.choice(arns)
        if rng.random() < 0.3:
            principal = [principal, f"arn:aws:iam::{ACCOUNT}:root"]
        statements.append(
            {
                "Effect": "Allow" if rng.random() < 0.8 else "Deny",
                "Principal": {"AWS": principal},
                "Action": "sts:AssumeRole",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _snapshot(seed: int, roles: int = 140) -> dict[str, Any]:
    rng = random.Random(seed)
    names = [
        (rng.choice(PATHS), f"role-{i:03d}-{rng.choice(['etl', 'api', 'ci'])}")
        for i in range(roles)
    ]
    arns = [_arn(path, name) for path, name in names]
    details = []
    for index, ((path, name), arn) in enumerate(zip(names, arns, strict=True)):
        last_used = NOW - timedelta(days=rng.choice((1, 30, 200, 400)))
        details.append(
            {
                "Path": path,
                "RoleName": name,
                "RoleId": f"AROA{index:017d}",
                "Arn": arn,
                "CreateDate": _iso(NOW - timedelta(days=500)),
                "AssumeRolePolicyDocument": _trust(rng, arns),
                "InstanceProfileList": [
                    {
                        "InstanceProfileName": f"profile-{index}-{n}",
                        "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/profile-{index}-{n}",
                    }
                    for n in range(rng.choice((0, 0, 0, 1, 2)))
                ],
                "RolePolicyList": [
                    {"PolicyName": f"inline-{n}", "PolicyDocument": _document(rng, arns)}
                    for n in range(rng.choice((0, 1, 1, 2)))
                ],
                "AttachedManagedPolicies": [],
                "Tags": [],
                "RoleLastUsed": {"LastUsedDate": _iso(last_used), "Region": "eu-west-1"}
                if rng.random() < 0.8
                else {},
            }
        )
    users = [
        {
            "UserName": f"user-{i}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/user-{i}",
            "UserId": f"AIDA{i:017d}",
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": _document(rng, arns)}],
        }
        for i in range(12)
    ]
    groups = [
        {
            "GroupName": f"group-{i}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:group/group-{i}",
            "GroupPolicyList": [{"PolicyName": "p", "PolicyDocument": _document(rng, arns)}],
        }
        for i in range(4)
    ]
    policies = []
    for i in range(10):
        default = rng.choice(("v1", "v2"))
        policies.append(
            {
                "PolicyName": f"managed-{i}",
                "Arn": f"arn:aws:iam::{ACCOUNT}:policy/managed-{i}",
                "DefaultVersionId": default,
                "PolicyVersionList": [
                    {
                        "VersionId": version,
                        "IsDefaultVersion": version == default,
                        "Document": _document(rng, arns),
                    }
                    for version in ("v1", "v2")
                ],
            }
        )
    # The lists in the order the AWS CLI writes them: the holders of grants after the roles.
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": details,
        "Policies": policies,
        "IsTruncated": False,
    }


def _by_hand(snapshot: dict[str, Any]) -> dict[str, list[tuple[str, str, str]]]:
    """Every role's references, each document tried on each role."""
    holders: list[tuple[str, str, list[Any]]] = []
    for role in snapshot["RoleDetailList"]:
        docs = [p["PolicyDocument"] for p in role["RolePolicyList"]]
        holders.append(("AWS::IAM::Role", role["Arn"], docs))
    for user in snapshot["UserDetailList"]:
        holders.append(
            ("AWS::IAM::User", user["Arn"], [p["PolicyDocument"] for p in user["UserPolicyList"]])
        )
    for group in snapshot["GroupDetailList"]:
        docs = [p["PolicyDocument"] for p in group["GroupPolicyList"]]
        holders.append(("AWS::IAM::Group", group["Arn"], docs))
    for policy in snapshot["Policies"]:
        docs = [
            v["Document"]
            for v in policy["PolicyVersionList"]
            if v["VersionId"] == policy["DefaultVersionId"]
        ]
        holders.append(("AWS::IAM::Policy", policy["Arn"], docs))
    found: dict[str, list[tuple[str, str, str]]] = {}
    for role in snapshot["RoleDetailList"]:
        arn = role["Arn"]
        refs = [
            ("AWS::IAM::InstanceProfile", p["Arn"], "instance-profile")
            for p in role["InstanceProfileList"]
        ]
        for other in snapshot["RoleDetailList"]:
            if other["Arn"] == arn:
                continue
            for statement in other["AssumeRolePolicyDocument"]["Statement"]:
                principals = statement["Principal"].get("AWS", [])
                principals = principals if isinstance(principals, list) else [principals]
                if statement["Effect"] == "Allow" and arn in principals:
                    refs.append(("AWS::IAM::Role", other["Arn"], "trust-policy"))
                    break
        for kind, holder, docs in holders:
            if holder != arn and any(allows_pass_role(policy_document(d), arn) for d in docs):
                refs.append((kind, holder, "iam:PassRole"))
        found[arn] = sorted(refs)
    return found


def _shown(finding: Any) -> tuple[Any, ...]:
    references = finding.references
    return (
        finding.compliance,
        finding.annotation,
        sorted((r.type, r.arn, r.via) for r in references.references),
        references.sources,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_the_streamed_scan_finds_what_a_brute_force_reading_finds(
    seed: int, tmp_path: Path
) -> None:
    snapshot = _snapshot(seed)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot, indent=4), encoding="utf-8")
    settings = Settings()

    streamed = list(referenced_snapshot(path, lambda roles: evaluate_roles(roles, settings, NOW)))
    expected = _by_hand(snapshot)
    assert len(streamed) == len(snapshot["RoleDetailList"])
    kinds: set[str] = set()
    for finding in streamed:
        got = sorted((r.type, r.arn, r.via) for r in finding.references.references)
        assert got == expected[finding.role.arn], finding.role.name
        kinds |= {via for _, _, via in got}
    assert kinds == {"instance-profile", "trust-policy", "iam:PassRole"}  # every kind seen

    # The paged path of a live scan: one index of the whole document, with_references.
    index = IamReferenceIndex()
    index.add_page(snapshot)
    roles = [role_from_detail(d) for d in snapshot["RoleDetailList"]]
    paged = list(referenced(evaluate_roles(roles, settings, NOW), index))
    assert [_shown(f) for f in streamed] == [_shown(f) for f in paged]
    assert any("Referenced by" in f.annotation for f in streamed)
