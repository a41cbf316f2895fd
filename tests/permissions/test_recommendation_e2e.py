"""`dormant restrict ROLE --recommendation access-analyzer` and its release, end to end: the
real command against the loopback simulation, under IAM enforcement with exactly the policy
docs/recommendations.md documents (checked against IAM's service reference). A
recommendation applied to an inline policy, an AWS-managed policy, a shared customer-managed
policy and one it detaches, then released to the exact earlier state (the role's and the
policies' GetAccountAuthorizationDetails compared before and after)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.deploy.policy_reference import PolicyKind, check_policy

from dormant_sim import access, access_analyzer
from dormant_sim.server import SimulatedAws

ACCOUNT = "123456789012"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "recommendations.md"
AWS_MANAGED = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
INLINE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "sqs:SendMessage"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ],
}
SHARED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "s3:GetObject"], "Resource": "*"}],
}
KMS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
}


def documented_policy() -> dict[str, Any]:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- restrict-recommendation-policy -->\n```json\n(.*?)\n```", text, re.S)
    assert match is not None, "docs/recommendations.md no longer documents the policy"
    rendered = match.group(1).replace("<region>", "us-east-1").replace("<account-id>", ACCOUNT)
    policy: dict[str, Any] = json.loads(rendered)
    return policy


def test_the_documented_policy_holds_to_iams_service_reference() -> None:
    assert [str(v) for v in check_policy(documented_policy(), PolicyKind.IDENTITY)] == []


def seed(sim: Any, now: datetime) -> dict[str, str]:
    """Role `app` (used), its three kinds of policy, and `other` sharing one of them."""
    iam = sim.client("iam")
    shared = iam.create_policy(PolicyName="shared", PolicyDocument=json.dumps(SHARED))
    kms = iam.create_policy(PolicyName="kms-only", PolicyDocument=json.dumps(KMS_ONLY))
    arns = {"shared": shared["Policy"]["Arn"], "kms": kms["Policy"]["Arn"]}
    old = now - timedelta(days=200)
    sim.put_role(
        ACCOUNT,
        "app",
        created=old,
        last_used=now - timedelta(days=1),
        inline_policies={"app-inline": INLINE},
        managed_policy_arns=[AWS_MANAGED, arns["shared"], arns["kms"]],
    )
    sim.put_role(
        ACCOUNT,
        "other",
        created=old,
        last_used=now - timedelta(days=1),
        managed_policy_arns=[arns["shared"]],
    )
    access.set_last_access(ACCOUNT, "app", "s3", now - timedelta(days=3), action="GetObject")
    access_analyzer.create_analyzer(ACCOUNT, "unused", endpoint_url=sim.endpoint_url)
    access_analyzer.analyze(now - timedelta(days=1))
    access_analyzer.set_recommendation_polls(1)
    access.set_polls_to_complete(0)
    return arns


def authorization_details(iam: Any) -> dict[str, Any]:
    """The account's roles and local policies as GAAD has them, in an order-free form."""
    roles: dict[str, Any] = {}
    policies: dict[str, Any] = {}
    for page in iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["Role", "LocalManagedPolicy"]
    ):
        for role in page["RoleDetailList"]:
            role["AttachedManagedPolicies"] = sorted(
                role["AttachedManagedPolicies"], key=lambda p: p["PolicyArn"]
            )
            role["RolePolicyList"] = sorted(role["RolePolicyList"], key=lambda p: p["PolicyName"])
            role["Tags"] = sorted(role.get("Tags", []), key=lambda t: t["Key"])
            roles[role["RoleName"]] = role
        for policy in page["Policies"]:
            policies[policy["PolicyName"]] = policy
    return {"roles": roles, "policies": policies}


def dormant(sim: SimulatedAws, credentials: Any, *args: str) -> subprocess.CompletedProcess[str]:
    with sim.enforcing():
        return subprocess.run(
            [sys.executable, "-m", "dormant", *args],
            capture_output=True,
            text=True,
            env=sim.env(credentials=credentials),
            timeout=120,
            check=False,
        )


@pytest.fixture
def operator(sim_server: SimulatedAws) -> Any:
    return sim_server.principal("dormant-operator", kind="user", policies=[documented_policy()])


def test_the_dry_run_shows_each_policy_as_a_diff_within_80_columns_and_writes_nothing(
    sim_server: SimulatedAws, operator: Any
) -> None:
    seed(sim_server, datetime.now(UTC).replace(microsecond=0))
    sim_server.recorder.reset()
    result = dormant(sim_server, operator, "restrict", "app", "--recommendation", "access-analyzer")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "planned: would apply AWS's recommendation to 4 policies of role app"
    assert "  replace inline policy app-inline" in lines
    assert "  attach dormant-recommended-app-1 in place of" in lines
    assert f"    {AWS_MANAGED}" in lines
    assert any(line.startswith("  detach ") and line.endswith(":policy/kms-only") for line in lines)
    assert '    -        "sqs:SendMessage"' in lines
    assert '    +      "Action": "s3:GetObject",' in lines
    diff = lines[2 : lines.index(next(line for line in lines if line.startswith("  iam:")))]
    assert len(diff) > 20
    assert all(len(line) <= 80 for line in diff)
    assert [c for c in sim_server.recorder.write_calls() if c.service == "iam"] == []


def test_applied_then_released_to_the_exact_earlier_state(
    sim_server: SimulatedAws, operator: Any, tmp_path: Path
) -> None:
    arns = seed(sim_server, datetime.now(UTC).replace(microsecond=0))
    iam = sim_server.client("iam")
    before = authorization_details(iam)
    applied = dormant(
        sim_server,
        operator,
        "restrict",
        "app",
        "--recommendation",
        "access-analyzer",
        "--apply",
        "--backup-dir",
        str(tmp_path),
    )
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[0].startswith(
        "done: applied AWS's recommendation to 4 policies of role app, backup "
    )
    during = authorization_details(iam)
    app = during["roles"]["app"]
    inline = {p["PolicyName"]: p["PolicyDocument"] for p in app["RolePolicyList"]}
    assert inline["app-inline"]["Statement"] == [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ]
    attached = {p["PolicyName"] for p in app["AttachedManagedPolicies"]}
    assert attached == {"dormant-recommended-app-1", "dormant-recommended-app-2"}
    # The shared policy is unchanged, and the other role keeps it.
    assert (
        during["policies"]["shared"]["PolicyVersionList"]
        == before["policies"]["shared"]["PolicyVersionList"]
    )
    assert [p["PolicyArn"] for p in during["roles"]["other"]["AttachedManagedPolicies"]] == [
        arns["shared"]
    ]
    tags = {t["Key"]: t["Value"] for t in app["Tags"]}
    assert tags["dormant:recommendation-backup"] == str(tmp_path / f"{ACCOUNT}-app.json")

    released = dormant(sim_server, operator, "release", "app", "--only", "restriction", "--apply")
    assert released.returncode == 0, released.stderr
    assert released.stdout.splitlines()[0] == "done: released role app (restriction only)"
    assert authorization_details(iam) == before


def test_bad_options_are_refused_with_one_line_before_any_call(
    sim_server: SimulatedAws, operator: Any
) -> None:
    sim_server.recorder.reset()
    hub = dormant(
        sim_server,
        operator,
        "restrict",
        "app",
        "--recommendation",
        "securityhub",
        "--analyzer-arn",
        f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused",
    )
    assert hub.returncode == 2
    assert hub.stderr.splitlines() == [
        "dormant: error: invalid parameter --analyzer-arn: applies to --recommendation "
        "access-analyzer, not securityhub"
    ]
    no_dir = dormant(
        sim_server, operator, "restrict", "app", "--recommendation", "access-analyzer", "--apply"
    )
    assert no_dir.returncode == 2
    assert len(no_dir.stderr.splitlines()) == 1
    assert "invalid parameter --backup-dir: is required with --recommendation --apply" in (
        no_dir.stderr
    )
    alone = dormant(sim_server, operator, "restrict", "app", "--backup-dir", "backups")
    assert alone.returncode == 2
    assert "--backup-dir: applies only with --recommendation" in alone.stderr
    assert sim_server.recorder.calls() == 0
