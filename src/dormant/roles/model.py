"""Plain values the decision core works on: roles in, findings out.

Pure data: frozen dataclasses and enums, standard library only. AWS's PascalCase
fields are translated into these names once, in ``dormant.roles``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dormant.core.aws_findings import Agreement, AwsFinding
from dormant.core.managed import ManagedBy
from dormant.core.model import (
    AWS_RESERVED_PATH_PREFIX,
    RESOURCE_TYPE_ROLE,
    SERVICE_LINKED_PATH_PREFIX,
    Compliance,
)

__all__ = [
    "DENY_SID",
    "RESOURCE_TYPE_ROLE",
    "AboutRole",
    "Finding",
    "NotCovered",
    "Reason",
    "Reference",
    "Risk",
    "Role",
    "RoleReferences",
    "provider_name",
    "risk_text",
]

# The Sid of the deny of unused services that `dormant restrict` puts on a role: what the
# permissions' proposal writes and the roles' release recognizes.
DENY_SID = "DormantUnusedServices"


class Reason(enum.StrEnum):
    """Which rule of the decision table decided a finding."""

    SERVICE_LINKED = "service_linked"
    EXEMPT = "exempt"  # an exemption tag that still counts
    ALLOW_LISTED = "allow_listed"
    YOUNG = "young"
    NEVER_USED = "never_used"
    UNUSED = "unused"
    RECENTLY_USED = "recently_used"


@dataclass(frozen=True, slots=True)
class Role:
    """One IAM role as IAM describes it (GetAccountAuthorizationDetails' RoleDetail)."""

    role_id: str
    name: str
    path: str
    arn: str
    created: datetime
    last_used: datetime | None = None
    last_used_region: str | None = None
    trust_policy: dict[str, Any] | None = None
    inline_policies: tuple[tuple[str, dict[str, Any]], ...] = ()
    attached_policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    description: str | None = None
    permissions_boundary_arn: str | None = None
    account_id: str = ""
    # RoleDetail's InstanceProfileList: what maps an EC2 instance's profile to the role.
    instance_profile_arns: tuple[str, ...] = ()
    # The CloudFormation stack whose AWS::IAM::Role resource this role is, read from the
    # stacks (dormant.roles.aws_stacks); None: no stack holds it, or the stacks were not read.
    stack: str | None = None

    @property
    def path_and_name(self) -> str:
        """What allow-list patterns match against, e.g. ``/service/my-role``."""
        return f"{self.path}{self.name}"

    @property
    def is_service_linked(self) -> bool:
        return self.path.startswith(SERVICE_LINKED_PATH_PREFIX)

    @property
    def is_aws_reserved(self) -> bool:
        return self.path.startswith(AWS_RESERVED_PATH_PREFIX)


@dataclass(frozen=True, slots=True)
class Reference:
    """One resource or policy that names a role.

    ``via`` is the field or relationship that names it (``configuration.role``,
    ``instance-profile``, ``trust-policy``, ``iam:PassRole``); ``source`` is where it was
    found (``iam``, ``config`` or ``live``); ``state`` is what the resource's state adds, for
    example an instance's ``stopped``, or None.
    """

    type: str
    arn: str
    name: str
    account_id: str
    region: str | None
    via: str
    source: str
    state: str | None = None


@dataclass(frozen=True, slots=True)
class NotCovered:
    """A resource type (in a Region, or None for a global one) that was not looked at."""

    type: str
    region: str | None
    why: str


@dataclass(frozen=True, slots=True)
class RoleReferences:
    """Everything the sources found for one role, and what they could not look at."""

    references: tuple[Reference, ...] = ()
    sources: tuple[str, ...] = ()
    not_covered: tuple[NotCovered, ...] = field(default=())
    # The operator accepted the gaps (the stack's ForceUncovered): a role with gaps and no
    # reference found may be deleted. The gaps are still reported.
    gaps_accepted: bool = False

    @property
    def referenced(self) -> bool:
        return bool(self.references)

    @property
    def resources(self) -> int:
        """How many distinct resources and policies name the role."""
        return len({reference.arn for reference in self.references})


@dataclass(frozen=True, slots=True)
class Risk:
    """What makes an unused role dangerous, read from data IAM already returned.

    ``trusted_services``: AWS service principals (``ec2.amazonaws.com``);
    ``trusted_accounts``: other AWS account ids that may assume the role (``*`` for anyone);
    ``trusted_federated``: SAML/OIDC providers; ``admin``: AdministratorAccess attached
    or an inline ``Allow`` of ``*`` on ``*``.
    """

    trusted_services: tuple[str, ...] = ()
    trusted_accounts: tuple[str, ...] = ()
    trusted_federated: tuple[str, ...] = ()
    admin: bool = False

    @property
    def score(self) -> int:
        """Higher is more dangerous; used to order non-compliant findings."""
        score = 0
        if self.admin:
            score += 4
        if "*" in self.trusted_accounts:
            score += 4
        elif self.trusted_accounts:
            score += 2
        if self.trusted_federated:
            score += 2
        return score


class AboutRole:
    """The Config identity of a finding about one role (the ``Reportable`` half that
    follows from ``role``), shared by every kind of finding whose subject is a role."""

    __slots__ = ()
    role: Role

    @property
    def account_id(self) -> str:
        return self.role.account_id

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_ROLE

    @property
    def resource_id(self) -> str:
        # Config identifies IAM roles by RoleId (AROA...), so results link to its timeline.
        return self.role.role_id

    @property
    def resource_name(self) -> str:
        return self.role.name

    @property
    def arn(self) -> str:
        return self.role.arn


@dataclass(frozen=True, slots=True)
class Finding(AboutRole):
    """The decision about one role, and everything a report needs to explain it."""

    role: Role
    compliance: Compliance
    reason: Reason
    annotation: str
    days_unused: int | None
    age_days: int
    risk: Risk = field(default_factory=Risk)
    # From the role's tags, name and path (dormant.core.tags, dormant.core.managed): whom to ask,
    # what manages the role, and where to retire it.
    owner: str | None = None
    managed_by: ManagedBy | None = None
    hint: str | None = None
    # What references the role (``dormant.roles.references``); None: no source was asked.
    references: RoleReferences | None = None
    # With ``--source access-analyzer``: AWS's finding about the role, and whether dormant
    # agrees (``dormant.roles.agreement``); None with dormant's own source.
    aws_finding: AwsFinding | None = None
    agreement: Agreement | None = None


def provider_name(arn: str) -> str:
    """``arn:aws:iam::111111111111:oidc-provider/token.example.com`` -> the provider's name."""
    resource = arn.split(":", 5)[-1]
    kind, _, name = resource.partition("/")
    if kind == "saml-provider":
        return f"SAML {name}"
    return name or arn


def risk_text(risk: Risk) -> str:
    """``admin; accounts 222222222222; federated ...; services ec2.amazonaws.com``."""
    parts: list[str] = []
    if risk.admin:
        parts.append("admin")
    if risk.trusted_accounts:
        shown = ["anyone (*)" if a == "*" else a for a in risk.trusted_accounts]
        parts.append("accounts " + ", ".join(shown))
    if risk.trusted_federated:
        parts.append("federated " + ", ".join(provider_name(p) for p in risk.trusted_federated))
    if risk.trusted_services:
        parts.append("services " + ", ".join(risk.trusted_services))
    return "; ".join(parts)
