"""Values of the unused-permissions kind: a role's service last access in, a finding out.

Pure data: frozen dataclasses and enums, standard library only. The decision over them is
``dormant.permissions.decide``; the deny a finding proposes is built here, from its
unused services.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dormant.core.aws_findings import Agreement, AwsFinding
from dormant.core.model import Compliance
from dormant.roles.model import DENY_SID, AboutRole, Role

__all__ = [
    "DEFAULT_PERMISSIONS_MAX_DAYS",
    "PermissionsFinding",
    "PermissionsReason",
    "RoleAccess",
    "ServiceAccess",
    "ServiceUse",
    "TrackedAction",
    "proposed_deny",
]

# Access Analyzer's and IAM's own console guidance look back 90 days for unused permissions.
DEFAULT_PERMISSIONS_MAX_DAYS = 90


POLICY_VERSION = "2012-10-17"


class PermissionsReason(enum.StrEnum):
    """Which rule of the permissions table decided a finding."""

    SERVICE_LINKED = "service_linked"
    EXEMPT = "exempt"
    ALLOW_LISTED = "allow_listed"
    YOUNG = "young"
    UNUSED_SERVICES = "unused_services"
    ALL_USED = "all_used"


@dataclass(frozen=True, slots=True)
class TrackedAction:
    """One action IAM tracks for a service: ``name`` as IAM gives it (``PutObject``)."""

    name: str
    last_used: datetime | None = None
    last_used_region: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceAccess:
    """What IAM knows of one granted service's use by a role (ServicesLastAccessed)."""

    namespace: str  # ``s3``, ``kms``: the action prefix
    name: str  # ``Amazon S3``
    last_used: datetime | None = None
    last_used_region: str | None = None
    tracked_actions: tuple[TrackedAction, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceUse:
    """The verdict on one granted service; ``unused_actions`` as ``s3:PutObject``, sorted."""

    namespace: str
    name: str
    last_used: datetime | None
    last_used_region: str | None
    days_unused: int | None  # whole days since last use; None if never used
    unused: bool
    unused_actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PermissionsFinding(AboutRole):
    """The decision about one role's permissions; answers ``dormant.core.model.Reportable``.

    ``services`` is every granted service, by namespace, each with its verdict (empty for
    a role skipped before its services were weighed).
    """

    role: Role
    compliance: Compliance
    reason: PermissionsReason
    annotation: str
    age_days: int
    max_days: int
    services: tuple[ServiceUse, ...] = ()
    # With --source access-analyzer: AWS's finding about the role's permissions, and whether
    # dormant agrees (``dormant.permissions.agreement``); None with dormant's own source.
    aws_finding: AwsFinding | None = None
    agreement: Agreement | None = None

    @property
    def unused_services(self) -> tuple[str, ...]:
        """Namespaces of the unused granted services, sorted."""
        return tuple(sorted(s.namespace for s in self.services if s.unused))

    @property
    def used_services(self) -> tuple[str, ...]:
        return tuple(sorted(s.namespace for s in self.services if not s.unused))

    @property
    def granted_services(self) -> tuple[str, ...]:
        return tuple(sorted(s.namespace for s in self.services))

    @property
    def proposed_deny(self) -> dict[str, Any] | None:
        """The policy document denying every unused service, or None when none is unused.

        Only for NON_COMPLIANT findings: a skipped role (allow-listed, young) gets none.
        """
        if self.compliance != Compliance.NON_COMPLIANT:
            return None
        return proposed_deny(self.unused_services)


@dataclass(frozen=True, slots=True)
class RoleAccess:
    """A role and its service last-access data: the subject of a permissions rule run."""

    role: Role
    access: tuple[ServiceAccess, ...] = ()


def proposed_deny(namespaces: Iterable[str]) -> dict[str, Any] | None:
    """``{"Version", "Statement": [{"Sid": "DormantUnusedServices", "Effect": "Deny", ...}]}``.

    Denies ``<namespace>:*`` on everything for each namespace (sorted, each once); None
    when there is nothing to deny. A deny only ever narrows what the role's own policies
    allow, so it never grants anything, and removing it restores the role exactly.
    """
    unique = sorted(set(namespaces))
    if not unique:
        return None
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": DENY_SID,
                "Effect": "Deny",
                "Action": [f"{namespace}:*" for namespace in unique],
                "Resource": "*",
            }
        ],
    }
