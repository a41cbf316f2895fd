"""The demo account: a realistic mix of roles, each with what the rule should say about it.

`seed_demo_account` seeds it (recently used, stale, never used, young, allow-listed,
service-linked; OIDC, SAML and cross-account trusts); the expected results hold under
`DEMO_MAX_DAYS` and `DEMO_ALLOW_PATTERNS`. Used by `dormant demo` and the tests; never imported
by dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from dormant_sim.seed.clients import internal_client
from dormant_sim.seed.roles import (
    ADMINISTRATOR_ACCESS_ARN,
    READ_ONLY_ACCESS_ARN,
    SeededRole,
    as_utc,
    put_role,
    trust_policy_for_account,
    trust_policy_for_service,
)

__all__ = ["DEMO_ALLOW_PATTERNS", "DEMO_MAX_DAYS", "describe", "seed_demo_account"]

# The settings under which seed_demo_account's `expected_*` fields hold.
DEMO_MAX_DAYS = 60
DEMO_ALLOW_PATTERNS = "/breakglass-role|/security-*"


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
    now_utc = as_utc(now, "now")
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
        "No record of usage. Owner: dev-team. Referenced by 1 resource.",
        "never used, 300 days old, in an instance profile",
        created=_ago(now_utc, 300),
        trust_policy=trust_policy_for_service("ec2.amazonaws.com"),
        instance_profiles=["Ec2DevProfile"],
        tags={"env": "dev", "owner": "dev-team"},
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
