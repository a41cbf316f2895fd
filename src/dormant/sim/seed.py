"""Build realistic simulated AWS accounts: roles with ages, last use, trusts and policies.

Roles are created through the IAM API of the simulation (so moto validates names, paths and
documents as IAM would), then the two facts no API can set, `CreateDate` and `RoleLastUsed`,
are written into moto's backend (`Role.create_date`, `.last_used`, `.last_used_region`, which
moto documents as public). `bulk_roles` skips the API for benchmark-sized accounts and yields
the same API output.

Seeding requests carry `strict.SIM_INTERNAL_HEADER`, so they are neither recorded, delayed nor
failed by injections, and select their account with moto's `x-moto-account-id` header (never
the MOTO_ACCOUNT_ID environment variable, which would override every caller's account).
This module is test and demo support; nothing in dormant's core may import it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto.iam import models as iam_models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.utils import random_role_id

from dormant.sim.strict import SIM_INTERNAL_HEADER

__all__ = [
    "ADMINISTRATOR_ACCESS_ARN",
    "DEFAULT_ACCOUNT_ID",
    "DEMO_ALLOW_PATTERNS",
    "DEMO_MAX_DAYS",
    "READ_ONLY_ACCESS_ARN",
    "SeededRole",
    "bulk_roles",
    "describe",
    "ensure_aws_managed_policy",
    "fake_session",
    "internal_client",
    "new_client",
    "put_role",
    "seed_demo_account",
    "trust_policy_for_account",
    "trust_policy_for_service",
]

DEFAULT_ACCOUNT_ID = "123456789012"  # the account moto gives credentials it does not know
FAKE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # a documented example key

# The settings under which seed_demo_account's `expected_*` fields hold.
DEMO_MAX_DAYS = 60
DEMO_ALLOW_PATTERNS = "/breakglass-role|/security-*"

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


def _mark_internal(request: Any, account_id: str, **_: Any) -> None:
    request.headers[SIM_INTERNAL_HEADER] = "1"
    request.headers["x-moto-account-id"] = account_id


_session_lock = threading.Lock()
_sessions: dict[str, boto3.session.Session] = {}
_internal_clients: dict[tuple[str, str, str, str | None], Any] = {}


def fake_session(region: str = "us-east-1") -> boto3.session.Session:
    """A shared boto3 session with the fake credentials (sharing it caches service models)."""
    with _session_lock:
        session = _sessions.get(region)
        if session is None:
            session = boto3.session.Session(
                aws_access_key_id=FAKE_ACCESS_KEY_ID,
                aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
                region_name=region,
            )
            _sessions[region] = session
        return session


def new_client(service: str, *, region: str = "us-east-1", endpoint_url: str | None = None) -> Any:
    """A new boto3 client with the fake credentials (creating clients is not thread-safe)."""
    session = fake_session(region)
    with _session_lock:
        return session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]


def internal_client(
    service: str,
    account_id: str = DEFAULT_ACCOUNT_ID,
    *,
    region: str = "us-east-1",
    endpoint_url: str | None = None,
) -> Any:
    """A boto3 client acting in `account_id` whose calls the simulation does not record.

    `endpoint_url=None` talks to the in-process `mock_aws()` (which must be active).
    Clients are cached: they carry no state that a reset of the simulation invalidates.
    """
    key = (service, account_id, region, endpoint_url)
    with _session_lock:
        cached = _internal_clients.get(key)
    if cached is not None:
        return cached
    client = new_client(service, region=region, endpoint_url=endpoint_url)
    client.meta.events.register(
        "before-sign.*.*", functools.partial(_mark_internal, account_id=account_id)
    )
    with _session_lock:
        return _internal_clients.setdefault(key, client)


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


def _as_utc(moment: datetime, what: str) -> datetime:
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
    description: str | None = None,
    max_session_duration: int = 3600,
    permissions_boundary: str | None = None,
    instance_profiles: Sequence[str] = (),
    endpoint_url: str | None = None,
) -> SeededRole:
    """Create one role through the IAM API, then set its CreateDate and RoleLastUsed.

    `last_used_region` defaults to "us-east-1" when `last_used` is given. Instance profiles are
    created when missing. Customer managed policy ARNs must exist; AWS managed ones are loaded.
    """
    created_utc = _as_utc(created, "created")
    last_used_utc = _as_utc(last_used, "last_used") if last_used is not None else None
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
    now_utc = _as_utc(now, "now")
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


def _saml_metadata(entity_id: str) -> str:
    # IAM requires at least 1,000 characters; a real document's bulk is its certificate.
    certificate = "MIIC" + "A" * 1200
    return (
        '<?xml version="1.0"?>'
        f'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">'
        '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">'
        f"<X509Data><X509Certificate>{certificate}</X509Certificate></X509Data>"
        "</KeyInfo></KeyDescriptor>"
        '<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{entity_id}/sso"/>'
        "</IDPSSODescriptor></EntityDescriptor>"
    )


def _ago(now: datetime, days: int, hours: int = 3) -> datetime:
    # A few hours past the whole day, so "N days ago" is N under floor rounding.
    return now - timedelta(days=days, hours=hours)


def seed_demo_account(
    account_id: str,
    now: datetime,
    *,
    endpoint_url: str | None = None,
    partner_account_id: str = "222222222222",
) -> list[SeededRole]:
    """Seed the realistic mix of roles the demo shows, and describe it.

    Expected results hold with max_days_for_last_used = DEMO_MAX_DAYS and
    role_whitelist = DEMO_ALLOW_PATTERNS, as of `now`.
    """
    now_utc = _as_utc(now, "now")
    admin_inline = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    read_logs = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:us-east-1:{account_id}:log-group:/aws/lambda/*",
            }
        ],
    }
    oidc_provider = f"arn:aws:iam::{account_id}:oidc-provider/token.actions.githubusercontent.com"
    saml_provider = f"arn:aws:iam::{account_id}:saml-provider/CorporateIdP"
    oidc_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:example/*"},
                },
            }
        ],
    }
    saml_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": saml_provider},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }
    iam = internal_client("iam", account_id, endpoint_url=endpoint_url)
    iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    iam.create_saml_provider(
        Name="CorporateIdP",
        SAMLMetadataDocument=_saml_metadata("https://idp.example.com/saml"),
    )

    seeded: list[SeededRole] = []

    def add(
        name: str,
        expected: str | None,
        annotation: str | None,
        note: str,
        **kwargs: Any,
    ) -> None:
        role = put_role(account_id, name, endpoint_url=endpoint_url, **kwargs)
        seeded.append(
            SeededRole(
                **{
                    **role.__dict__,
                    "expected_compliance": expected,
                    "expected_annotation": annotation,
                    "note": note,
                }
            )
        )

    add(
        "AdminRole",
        "COMPLIANT",
        "Was last used in us-west-2 46 days ago",
        "recently used administrator role",
        created=_ago(now_utc, 400),
        last_used=_ago(now_utc, 46),
        last_used_region="us-west-2",
        managed_policy_arns=[ADMINISTRATOR_ACCESS_ARN],
        description="Administrators, through the corporate sign-in",
        tags={"team": "platform"},
    )
    add(
        "ReportingRole",
        "NON_COMPLIANT",
        "Was last used in us-east-1 200 days ago",
        "stale: last used 200 days ago",
        created=_ago(now_utc, 500),
        last_used=_ago(now_utc, 200),
        last_used_region="us-east-1",
        managed_policy_arns=[READ_ONLY_ACCESS_ARN],
        trust_policy=trust_policy_for_service("lambda.amazonaws.com"),
        inline_policies={"write-logs": read_logs},
    )
    add(
        "Ec2DevRole",
        "NON_COMPLIANT",
        "No record of usage",
        "never used, 300 days old",
        created=_ago(now_utc, 300),
        trust_policy=trust_policy_for_service("ec2.amazonaws.com"),
        instance_profiles=["Ec2DevProfile"],
        tags={"env": "dev", "owner": "<dev-team>"},
    )
    add(
        "NewPipelineRole",
        "COMPLIANT",
        "Role age is 10 days",
        "young and never used",
        created=_ago(now_utc, 10),
        trust_policy=trust_policy_for_service("codebuild.amazonaws.com"),
    )
    add(
        "BatchJobRole",
        "COMPLIANT",
        f"Was last used in eu-west-1 {DEMO_MAX_DAYS} days ago",
        "used exactly at the window's edge",
        created=_ago(now_utc, 250),
        last_used=_ago(now_utc, DEMO_MAX_DAYS),
        last_used_region="eu-west-1",
        trust_policy=trust_policy_for_service("batch.amazonaws.com"),
    )
    add(
        "LegacyEtlRole",
        "NON_COMPLIANT",
        f"Was last used in eu-west-1 {DEMO_MAX_DAYS + 1} days ago",
        "one day past the window",
        created=_ago(now_utc, 900),
        last_used=_ago(now_utc, DEMO_MAX_DAYS + 1),
        last_used_region="eu-west-1",
        trust_policy=trust_policy_for_service("glue.amazonaws.com"),
    )
    add(
        "breakglass-role",
        "COMPLIANT",
        None,
        "allow-listed emergency access, never used",
        created=_ago(now_utc, 700),
        managed_policy_arns=[ADMINISTRATOR_ACCESS_ARN],
    )
    add(
        "security-incident-response-role",
        "COMPLIANT",
        None,
        "allow-listed, last used 150 days ago",
        created=_ago(now_utc, 650),
        last_used=_ago(now_utc, 150),
        last_used_region="us-east-1",
        managed_policy_arns=[READ_ONLY_ACCESS_ARN],
    )
    add(
        "VendorAuditRole",
        "NON_COMPLIANT",
        "Was last used in us-east-1 120 days ago",
        "administrator power, trusted by another account",
        created=_ago(now_utc, 800),
        last_used=_ago(now_utc, 120),
        last_used_region="us-east-1",
        trust_policy=trust_policy_for_account(partner_account_id, external_id="vendor-audit"),
        inline_policies={"full-access": admin_inline},
        max_session_duration=7200,
    )
    add(
        "GitHubDeployRole",
        "COMPLIANT",
        "Was last used in us-east-1 3 days ago",
        "OIDC (web identity) trust, used recently",
        created=_ago(now_utc, 180),
        last_used=_ago(now_utc, 3),
        last_used_region="us-east-1",
        trust_policy=oidc_trust,
        permissions_boundary=READ_ONLY_ACCESS_ARN,
    )
    add(
        "SamlReadOnlyRole",
        "NON_COMPLIANT",
        "No record of usage",
        "SAML trust, never used",
        created=_ago(now_utc, 90),
        trust_policy=saml_trust,
        managed_policy_arns=[READ_ONLY_ACCESS_ARN],
    )
    add(
        "AWSServiceRoleForSupport",
        "NOT_APPLICABLE",
        None,
        "service-linked: cannot be deleted or quarantined by users",
        path="/aws-service-role/support.amazonaws.com/",
        created=_ago(now_utc, 800),
        trust_policy=trust_policy_for_service("support.amazonaws.com"),
        description="Enables resource access for AWS to provide billing, administrative and "
        "support services",
    )
    add(
        "AWSServiceRoleForConfig",
        "NOT_APPLICABLE",
        None,
        "service-linked role AWS Config uses",
        path="/aws-service-role/config.amazonaws.com/",
        created=_ago(now_utc, 800),
        last_used=_ago(now_utc, 0),
        last_used_region="us-east-1",
        trust_policy=trust_policy_for_service("config.amazonaws.com"),
    )
    return seeded


def describe(roles: Iterable[SeededRole]) -> str:
    """A plain-text table of seeded roles (for the demo's and tests' messages)."""
    lines = []
    for r in roles:
        used = r.last_used.date().isoformat() if r.last_used else "never"
        lines.append(
            f"{r.path}{r.name}\tcreated {r.created.date().isoformat()}\tused {used}"
            f"\t{r.expected_compliance or '-'}\t{r.note}"
        )
    return "\n".join(lines)
