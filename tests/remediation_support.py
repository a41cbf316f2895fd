"""Helpers for remediation tests: a role with every kind of attachment, and a raw view of it.

`describe_raw` reads a role with plain boto3 calls, independently of the adapter under test,
so a round trip is judged by what IAM itself reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dormant_sim.seed import SeededRole
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SECURITY_AUDIT = "arn:aws:iam::aws:policy/SecurityAudit"

WRITE_LOGS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/app/*",
        }
    ],
}
READ_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}


def put_full_role(
    sim: Simulation,
    name: str,
    now: datetime,
    *,
    path: str = "/app/",
    last_used_days: int | None = 200,
    instance_profile: str | None = None,
    account_id: str = ACCOUNT,
) -> SeededRole:
    """A stale role with inline and managed policies, tags, boundary, description, profile."""
    return sim.put_role(
        account_id,
        name,
        path=path,
        created=now - timedelta(days=400),
        last_used=None if last_used_days is None else now - timedelta(days=last_used_days),
        inline_policies={"write-logs": WRITE_LOGS, "read-bucket": READ_BUCKET},
        managed_policy_arns=[READ_ONLY, SECURITY_AUDIT],
        tags={"team": "data", "cost-center": "42"},
        description=f"{name} for the nightly job",
        max_session_duration=7200,
        permissions_boundary=READ_ONLY,
        instance_profiles=[instance_profile or f"{name}-profile"],
    )


def describe_raw(iam: Any, name: str) -> dict[str, Any]:
    """Everything IAM says about a role, read with plain API calls."""
    role = dict(iam.get_role(RoleName=name)["Role"])
    role["Tags"] = sorted(role.get("Tags", []), key=lambda t: t["Key"])
    names = sorted(iam.list_role_policies(RoleName=name)["PolicyNames"])
    role["Inline"] = {
        n: iam.get_role_policy(RoleName=name, PolicyName=n)["PolicyDocument"] for n in names
    }
    role["Attached"] = sorted(
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    )
    role["Profiles"] = sorted(
        (p["InstanceProfileName"], p["Path"])
        for p in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
    )
    role.pop("ResponseMetadata", None)
    return role


def role_exists(iam: Any, name: str) -> bool:
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True
