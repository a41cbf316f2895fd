"""Plain values the decision core works on: roles in, findings out.

Pure data: frozen dataclasses and enums, standard library only. AWS's PascalCase
fields are translated into these names once, in ``dormant.roles``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "AccountFailure",
    "Compliance",
    "Finding",
    "Reason",
    "Risk",
    "Role",
]

SERVICE_LINKED_PATH_PREFIX = "/aws-service-role/"
AWS_RESERVED_PATH_PREFIX = "/aws-reserved/"


class Compliance(enum.StrEnum):
    """The compliance types AWS Config accepts for an evaluation."""

    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Reason(enum.StrEnum):
    """Which rule of the decision table decided a finding."""

    SERVICE_LINKED = "service_linked"
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


@dataclass(frozen=True, slots=True)
class Finding:
    """The decision about one role, and everything a report needs to explain it."""

    role: Role
    compliance: Compliance
    reason: Reason
    annotation: str
    days_unused: int | None
    age_days: int
    risk: Risk = field(default_factory=Risk)

    @property
    def account_id(self) -> str:
        return self.role.account_id


@dataclass(frozen=True, slots=True)
class AccountFailure:
    """An account that could not be scanned: which account, which call, what went wrong."""

    account_id: str
    operation: str
    message: str
