"""Unused permissions inside used roles: the services (and actions) a role holds but never uses.

Pure data in, a finding out, beside the roles' decision in ``dormant.rules``:

1. service-linked (path ``/aws-service-role/``) and not included -> NOT_APPLICABLE
2. an exemption tag that still counts (``dormant.tags``)          -> COMPLIANT
3. Path+RoleName matches an allow-list pattern                    -> COMPLIANT
4. role age in whole days <= window                               -> COMPLIANT "Role age is N days"
5. a granted service with no LastAuthenticated, or whose whole UTC days since it exceed the
   window, is unused; any unused service                          -> NON_COMPLIANT
6. otherwise                                                      -> COMPLIANT

As for roles and users, a lapsed exemption is noted and a NON_COMPLIANT annotation names
the owner, each when it fits in 256 characters.

For a used service that IAM tracks at action level, the actions not used within the window
are listed; they never change the compliance, which follows from services alone. The
proposed deny (``proposed_deny``) names the unused services' namespaces, nothing else.

Never import boto3, read the clock or the environment here: ``now`` is an argument. The
adapter ``dormant.aws.access`` turns IAM's service-last-accessed records into
``ServiceAccess`` values; ``dormant permissions`` and ``dormant restrict``'s freshness
re-check both call ``evaluate_permissions``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dormant.evaluations import ANNOTATION_ROLE_DELETED, fit_annotation
from dormant.model import RESOURCE_TYPE_ROLE, AboutRole, Compliance, Role
from dormant.rules import ANNOTATION_SERVICE_LINKED, matching_pattern, whole_days
from dormant.service import RuleKind
from dormant.settings import Settings
from dormant.tags import (
    ExemptionState,
    TagCheck,
    check_exemption,
    exempt_annotation,
    owner_of,
    with_tag_notes,
)

__all__ = [
    "DEFAULT_PERMISSIONS_MAX_DAYS",
    "DENY_SID",
    "PERMISSIONS",
    "PermissionsFinding",
    "PermissionsReason",
    "RoleAccess",
    "ServiceAccess",
    "ServiceUse",
    "TrackedAction",
    "decide_role_access",
    "evaluate_permissions",
    "needs_access",
    "proposed_deny",
]

# Access Analyzer's and IAM's own console guidance look back 90 days for unused permissions.
DEFAULT_PERMISSIONS_MAX_DAYS = 90
DENY_SID = "DormantUnusedServices"
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
    """The decision about one role's permissions; answers ``dormant.model.Reportable``.

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


def _is_unused(last_used: datetime | None, now: datetime, max_days: int) -> bool:
    return last_used is None or whole_days(last_used, now) > max_days


def _action_name(namespace: str, action: str) -> str:
    return action if ":" in action else f"{namespace}:{action}"


def _service_use(access: ServiceAccess, now: datetime, max_days: int) -> ServiceUse:
    unused = _is_unused(access.last_used, now, max_days)
    unused_actions: tuple[str, ...] = ()
    if not unused:
        # An unused service is denied whole: listing its actions would say nothing more.
        unused_actions = tuple(
            sorted(
                _action_name(access.namespace, action.name)
                for action in access.tracked_actions
                if _is_unused(action.last_used, now, max_days)
            )
        )
    return ServiceUse(
        namespace=access.namespace,
        name=access.name,
        last_used=access.last_used,
        last_used_region=access.last_used_region,
        days_unused=None if access.last_used is None else whole_days(access.last_used, now),
        unused=unused,
        unused_actions=unused_actions,
    )


def _merged(access: Sequence[ServiceAccess]) -> list[ServiceAccess]:
    """One record per namespace (IAM lists each once; a merged or hand-made list may not):
    the most recent use wins, tracked actions are pooled."""
    by_namespace: dict[str, ServiceAccess] = {}
    for record in access:
        known = by_namespace.get(record.namespace)
        if known is None:
            by_namespace[record.namespace] = record
            continue
        latest = max(
            (known, record),
            key=lambda r: float("-inf") if r.last_used is None else r.last_used.timestamp(),
        )
        by_namespace[record.namespace] = ServiceAccess(
            namespace=record.namespace,
            name=known.name or record.name,
            last_used=latest.last_used,
            last_used_region=latest.last_used_region,
            tracked_actions=known.tracked_actions + record.tracked_actions,
        )
    return [by_namespace[key] for key in sorted(by_namespace)]


def unused_annotation(unused: Sequence[str], granted: int, max_days: int) -> str:
    """``3 of 12 granted services unused for more than 90 days: kms, s3, sqs`` (<= 256)."""
    return fit_annotation(
        f"{len(unused)} of {granted} granted services unused for more than {max_days} days: "
        + ", ".join(unused)
    )


def _active_exemption(role: Role, settings: Settings, now: datetime) -> TagCheck | None:
    check = check_exemption(role.tags, settings.exempt_tag_key, now)
    return check if check is not None and check.state is ExemptionState.ACTIVE else None


def needs_access(role: Role, settings: Settings, now: datetime) -> bool:
    """Whether the decision of this role depends on its last-access data at all.

    Service-linked (unless included), exempt, allow-listed and young roles are decided
    without it, so reading it (one IAM job per role, which IAM throttles) would be wasted.
    """
    if role.is_service_linked and not settings.include_service_linked:
        return False
    if _active_exemption(role, settings, now) is not None:
        return False
    if matching_pattern(role.path_and_name, settings.allow_patterns) is not None:
        return False
    return whole_days(role.created, now) > settings.max_days


def evaluate_permissions(
    role: Role, access: Sequence[ServiceAccess], settings: Settings, now: datetime
) -> PermissionsFinding:
    """Decide one role's permissions. See the module docstring for the table."""
    max_days = settings.max_days
    age_days = whole_days(role.created, now)
    exemption = check_exemption(role.tags, settings.exempt_tag_key, now)
    owner = owner_of(role.tags, settings.owner_tag_keys)

    def finding(
        compliance: Compliance,
        reason: PermissionsReason,
        annotation: str,
        services: tuple[ServiceUse, ...] = (),
    ) -> PermissionsFinding:
        return PermissionsFinding(
            role=role,
            compliance=compliance,
            reason=reason,
            annotation=with_tag_notes(
                annotation,
                non_compliant=compliance == Compliance.NON_COMPLIANT,
                exemption=exemption,
                owner=owner,
            ),
            age_days=age_days,
            max_days=max_days,
            services=services,
        )

    if role.is_service_linked and not settings.include_service_linked:
        return finding(
            Compliance.NOT_APPLICABLE, PermissionsReason.SERVICE_LINKED, ANNOTATION_SERVICE_LINKED
        )
    if exemption is not None and exemption.state is ExemptionState.ACTIVE:
        return finding(Compliance.COMPLIANT, PermissionsReason.EXEMPT, exempt_annotation(exemption))
    pattern = matching_pattern(role.path_and_name, settings.allow_patterns)
    if pattern is not None:
        return finding(
            Compliance.COMPLIANT,
            PermissionsReason.ALLOW_LISTED,
            f"Role matches allow-list pattern {pattern}",
        )
    services = tuple(_service_use(record, now, max_days) for record in _merged(access))
    if age_days <= max_days:
        return finding(
            Compliance.COMPLIANT, PermissionsReason.YOUNG, f"Role age is {age_days} days", services
        )
    unused = sorted(s.namespace for s in services if s.unused)
    if unused:
        return finding(
            Compliance.NON_COMPLIANT,
            PermissionsReason.UNUSED_SERVICES,
            unused_annotation(unused, len(services), max_days),
            services,
        )
    if not services:
        annotation = "Role grants no services"
    else:
        annotation = f"All {len(services)} granted services used within {max_days} days"
    return finding(Compliance.COMPLIANT, PermissionsReason.ALL_USED, annotation, services)


# --- as a kind of Config rule result ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleAccess:
    """A role and its service last-access data: the subject of a permissions rule run."""

    role: Role
    access: tuple[ServiceAccess, ...] = ()


def decide_role_access(
    subject: RoleAccess, settings: Settings, now: datetime
) -> PermissionsFinding:
    return evaluate_permissions(subject.role, subject.access, settings, now)


# What ``dormant.service.run_rule`` needs to report permissions to AWS Config, like roles.
PERMISSIONS: RuleKind[RoleAccess, PermissionsFinding] = RuleKind(
    resource_type=RESOURCE_TYPE_ROLE,
    decide=decide_role_access,
    gone_annotation=ANNOTATION_ROLE_DELETED,
)
