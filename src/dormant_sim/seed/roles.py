"""Seed roles into simulated accounts: with ages, last use, trusts and policies.

Roles are created through the IAM API of the simulation (so moto validates names, paths and
documents as IAM would), then the two facts no API can set, `CreateDate` and `RoleLastUsed`,
are written into moto's backend (`Role.create_date`, `.last_used`, `.last_used_region`, which
moto documents as public). `bulk_roles` skips the API for benchmark-sized accounts and yields
the same API output. Test and demo support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.iam import models as iam_models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.utils import random_role_id

from dormant_sim.seed.clients import internal_client

__all__ = [
    "ADMINISTRATOR_ACCESS_ARN",
    "READ_ONLY_ACCESS_ARN",
    "SeededRole",
    "as_utc",
    "bulk_roles",
    "ensure_aws_managed_policy",
    "put_role",
    "put_stack_role",
    "set_aws_written_tags",
    "trust_policy_for_account",
    "trust_policy_for_service",
]

ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ACCESS_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@dataclass(frozen=True)
class SeededRole:
    """A role that was seeded, and what the blog's rules say about it.

    `expected_compliance`/`expected_annotation` are given for the demo settings
    (`DEMO_MAX_DAYS`, `DEMO_ALLOW_PATTERNS`, service-linked roles excluded) where the
    annotation is fixed by the specification; None where it is not (e.g. allow-listed roles).
    """

    account_id: str
    name: str
    path: str
    role_id: str
    arn: str
    created: datetime
    last_used: datetime | None
    last_used_region: str | None
    expected_compliance: str | None = None
    expected_annotation: str | None = None
    note: str = ""


def trust_policy_for_service(*services: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": list(services) if len(services) > 1 else services[0]},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def trust_policy_for_account(account_id: str, *, external_id: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _backend(account_id: str) -> iam_models.IAMBackend:
    return iam_models.iam_backends[account_id]["aws"]


@functools.cache
def _aws_managed_policy_data() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(aws_managed_policies_data)
    return parsed


def ensure_aws_managed_policy(account_id: str, policy_arn: str) -> None:
    """Make an AWS managed policy (arn:aws:iam::aws:policy/...) attachable in the account.

    moto loads AWS managed policies only when MOTO_IAM_LOAD_MANAGED_POLICIES is set; real
    accounts always have them.
    """
    prefix = "arn:aws:iam::aws:policy"
    if not policy_arn.startswith(prefix + "/"):
        return
    backend = _backend(account_id)
    if policy_arn in backend.managed_policies:
        return
    name = policy_arn.rsplit("/", 1)[-1]
    data = _aws_managed_policy_data().get(name)
    if data is None:
        raise ValueError(f"unknown AWS managed policy {policy_arn}")
    policy = iam_models.AWSManagedPolicy.from_data(name, account_id, "us-east-1", data)
    if policy.arn != policy_arn:
        raise ValueError(f"AWS managed policy {policy_arn} has the path {policy.path}")
    backend.managed_policies[policy.arn] = policy
    backend.aws_managed_policies.append(policy)


def as_utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(UTC)


def put_role(
    account_id: str,
    name: str,
    *,
    path: str = "/",
    created: datetime,
    last_used: datetime | None = None,
    last_used_region: str | None = None,
    trust_policy: Mapping[str, Any] | None = None,
    inline_policies: Mapping[str, Mapping[str, Any]] | None = None,
    managed_policy_arns: Sequence[str] = (),
    tags: Mapping[str, str] | None = None,
    aws_written_tags: Mapping[str, str] | None = None,
    description: str | None = None,
    max_session_duration: int = 3600,
    permissions_boundary: str | None = None,
    instance_profiles: Sequence[str] = (),
    endpoint_url: str | None = None,
) -> SeededRole:
    """Create one role through the IAM API, then set its CreateDate and RoleLastUsed.

    `last_used_region` defaults to "us-east-1" when `last_used` is given. Instance profiles are
    created when missing. Customer managed policy ARNs must exist; AWS managed ones are loaded.
    `tags` go through CreateRole (which refuses `aws:` keys, as IAM does); `aws_written_tags`
    are tags only AWS writes, such as CloudFormation's `aws:cloudformation:stack-name`, set by
    `set_aws_written_tags`.
    """
    created_utc = as_utc(created, "created")
    last_used_utc = as_utc(last_used, "last_used") if last_used is not None else None
    if aws_written_tags:
        _check_aws_written(aws_written_tags)  # before anything is made
    iam = internal_client("iam", account_id, endpoint_url=endpoint_url)
    trust = trust_policy if trust_policy is not None else trust_policy_for_account(account_id)
    request: dict[str, Any] = {
        "RoleName": name,
        "Path": path,
        "AssumeRolePolicyDocument": json.dumps(trust),
        "MaxSessionDuration": max_session_duration,
    }
    if description is not None:
        request["Description"] = description
    if permissions_boundary is not None:
        ensure_aws_managed_policy(account_id, permissions_boundary)
        request["PermissionsBoundary"] = permissions_boundary
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    created_role = iam.create_role(**request)["Role"]
    for policy_name, document in (inline_policies or {}).items():
        iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    for arn in managed_policy_arns:
        ensure_aws_managed_policy(account_id, arn)
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    for profile in instance_profiles:
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_instance_profile(InstanceProfileName=profile)
        iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=name)

    if aws_written_tags:
        set_aws_written_tags(account_id, name, aws_written_tags)
    role = _backend(account_id).get_role(name)
    role.create_date = created_utc
    role.last_used = last_used_utc
    region = last_used_region or ("us-east-1" if last_used_utc is not None else None)
    role.last_used_region = region  # type: ignore[assignment]
    return SeededRole(
        account_id=account_id,
        name=name,
        path=path,
        role_id=str(created_role["RoleId"]),
        arn=str(created_role["Arn"]),
        created=created_utc,
        last_used=last_used_utc,
        last_used_region=region,
    )


def _check_aws_written(tags: Mapping[str, str]) -> None:
    wrong = [key for key in tags if not key.lower().startswith("aws:")]
    if wrong:
        raise ValueError(f"not tags only AWS writes (use the API for these): {wrong}")
    stacks = [key for key in tags if key.lower().startswith("aws:cloudformation:")]
    if stacks:
        raise ValueError(
            f"CloudFormation does not tag the IAM roles it creates: {stacks}; "
            "make the role with put_stack_role"
        )


def set_aws_written_tags(account_id: str, role_name: str, tags: Mapping[str, str]) -> None:
    """Tag a role as AWS does for itself, bypassing IAM's API (which refuses `aws:` keys).

    AWS services write `aws:`-prefixed tags through AWS's own path, never through TagRole;
    this writes them straight into moto's backend the same way. Only `aws:` keys are accepted
    here: every other tag goes through the API. CloudFormation puts no `aws:cloudformation:*`
    tag on the IAM roles it creates, so those are refused: a stack's role is made by a stack
    (`put_stack_role`).
    """
    _check_aws_written(tags)
    role = _backend(account_id).get_role(role_name)
    kept = [tag for tag in role.tags if tag["Key"] not in tags]
    role.tags = kept + [{"Key": key, "Value": value} for key, value in tags.items()]


def put_stack_role(
    account_id: str,
    stack_name: str,
    role_name: str,
    *,
    created: datetime,
    last_used: datetime | None = None,
    tags: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    endpoint_url: str | None = None,
) -> str:
    """A role made by a CloudFormation stack (moto's CloudFormation creates it, as AWS does,
    with no `aws:cloudformation:*` tag), then its CreateDate and RoleLastUsed set; the
    stack's id is returned."""
    role: dict[str, Any] = {
        "RoleName": role_name,
        "AssumeRolePolicyDocument": trust_policy_for_account(account_id),
    }
    if tags:
        role["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    template = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": role}}}
    cloudformation = internal_client(
        "cloudformation", account_id, region=region, endpoint_url=endpoint_url
    )
    stack_id = cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )["StackId"]
    made = _backend(account_id).get_role(role_name)
    made.create_date = as_utc(created, "created")
    made.last_used = as_utc(last_used, "last_used") if last_used is not None else None
    made.last_used_region = "us-east-1" if last_used is not None else None  # type: ignore[assignment]
    return str(stack_id)


def bulk_roles(
    account_id: str,
    count: int,
    *,
    now: datetime,
    prefix: str = "role-",
    path: str = "/",
    trust_policy: Mapping[str, Any] | None = None,
    inline_policies: Mapping[str, Mapping[str, Any]] | None = None,
    tags: Mapping[str, str] | None = None,
    start: int = 0,
) -> list[SeededRole]:
    """Create `count` roles fast, directly in moto's backend, for benchmarks.

    Names are `{prefix}{i:06d}` for i in start..start+count-1. Ages and last use vary
    deterministically with i: about a third never used, the rest used 0..364 days ago in one of
    three regions; ages from 1 to 1000 days. The roles appear in GAAD exactly as API-created ones.
    """
    backend = _backend(account_id)
    now_utc = as_utc(now, "now")
    trust = json.dumps(
        trust_policy if trust_policy is not None else trust_policy_for_account(account_id)
    )
    tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    policies = {k: json.dumps(v) for k, v in (inline_policies or {}).items()}
    existing = {role.name for role in backend.roles.values()}
    regions = ("us-east-1", "us-west-2", "eu-west-1")
    seeded: list[SeededRole] = []
    for i in range(start, start + count):
        name = f"{prefix}{i:06d}"
        if name in existing:
            raise ValueError(f"role {name} already exists in account {account_id}")
        role_id = random_role_id(account_id)
        # Bypassing IAMBackend.create_role avoids its linear scan for duplicate names,
        # which makes seeding 10,000 roles quadratic.
        role = iam_models.Role(  # type: ignore[abstract]
            account_id=account_id,
            partition="aws",
            role_id=role_id,
            name=name,
            assume_role_policy_document=trust,
            path=path,
            permissions_boundary=None,
            description="",
            tags=list(tag_list),
            max_session_duration="3600",
            linked_service=None,
        )
        role.policies = dict(policies)
        created = now_utc - timedelta(days=1 + (i * 37) % 1000, hours=i % 24)
        role.create_date = created
        last_used: datetime | None = None
        region: str | None = None
        if i % 3 != 0:
            last_used = max(created, now_utc - timedelta(days=(i * 13) % 365, minutes=i % 600))
            region = regions[i % len(regions)]
        role.last_used = last_used
        role.last_used_region = region  # type: ignore[assignment]
        backend.roles[role_id] = role
        seeded.append(
            SeededRole(
                account_id=account_id,
                name=name,
                path=path,
                role_id=role_id,
                arn=role.arn,
                created=created,
                last_used=last_used,
                last_used_region=region,
            )
        )
    return seeded
