"""Unused permissions inside used roles: the services (and actions) a role holds but never uses.

Pure data in, a finding out, beside the roles' decision in ``dormant.roles.decide``:

1. service-linked (path ``/aws-service-role/``) and not included -> NOT_APPLICABLE
2. an exemption tag that still counts (``dormant.core.tags``)          -> COMPLIANT
3. Path+RoleName matches an allow-list pattern                    -> COMPLIANT
4. role age in whole days <= window                               -> COMPLIANT "Role age is N days"
5. a granted service with no LastAuthenticated, or whose whole UTC days since it exceed the
   window, is unused; any unused service                          -> NON_COMPLIANT
6. otherwise                                                      -> COMPLIANT

As for roles and users, a lapsed exemption is noted and a NON_COMPLIANT annotation names
the owner, each when it fits in 256 characters. With ``Settings.stable_annotations`` (the
rule's ``evaluation_mode=changes``) annotations name dates instead of counting days: a young
role's creation day, each unused service's last use (``s3 (last used 2026-05-02)``,
``kms (never used)``), so they change only when the finding does.

For a used service that IAM tracks at action level, the actions not used within the window
are listed; they never change the compliance, which follows from services alone. The
proposed deny (``proposed_deny``) names the unused services' namespaces, nothing else.

Never import boto3, read the clock or the environment here: ``now`` is an argument. The
adapter ``dormant.permissions.aws`` turns IAM's service-last-accessed records into
``ServiceAccess`` values; ``dormant permissions`` and ``dormant restrict``'s freshness
re-check both call ``evaluate_permissions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from dormant.core.evaluations import ANNOTATION_ROLE_DELETED, fit_annotation
from dormant.core.model import RESOURCE_TYPE_ROLE, Compliance
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.core.tags import (
    ExemptionState,
    TagCheck,
    check_exemption,
    exempt_annotation,
    owner_of,
    with_tag_notes,
)
from dormant.core.time import created_within_window, whole_days
from dormant.engine.rule import RuleKind
from dormant.permissions.model import (
    PermissionsFinding,
    PermissionsReason,
    RoleAccess,
    ServiceAccess,
    ServiceUse,
)
from dormant.roles.decide import ANNOTATION_SERVICE_LINKED
from dormant.roles.model import Role

__all__ = [
    "PERMISSIONS",
    "decide_role_access",
    "evaluate_permissions",
    "needs_access",
]


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


def unused_since_annotation(unused: Sequence[ServiceUse], granted: int, max_days: int) -> str:
    """``2 of 12 granted services unused for more than 90 days: kms (never used), s3 (last
    used 2026-05-02)``: dates, which stay put while the finding does (<= 256)."""

    def named(service: ServiceUse) -> str:
        if service.last_used is None:
            return f"{service.namespace} (never used)"
        return f"{service.namespace} (last used {service.last_used.astimezone(UTC).date()})"

    ordered = sorted(unused, key=lambda service: service.namespace)
    return fit_annotation(
        f"{len(ordered)} of {granted} granted services unused for more than {max_days} days: "
        + ", ".join(named(service) for service in ordered)
    )


def _active_exemption(role: Role, settings: Settings, now: datetime) -> TagCheck | None:
    check = check_exemption(role.tags, settings.exempt_tag_key, now, settings.max_exemption_days)
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
    exemption = check_exemption(
        role.tags, settings.exempt_tag_key, now, settings.max_exemption_days
    )
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
    stable = settings.stable_annotations
    if age_days <= max_days:
        young = (
            created_within_window(role.created, max_days)
            if stable
            else f"Role age is {age_days} days"
        )
        return finding(Compliance.COMPLIANT, PermissionsReason.YOUNG, young, services)
    unused = [s for s in services if s.unused]
    if unused:
        return finding(
            Compliance.NON_COMPLIANT,
            PermissionsReason.UNUSED_SERVICES,
            unused_since_annotation(unused, len(services), max_days)
            if stable
            else unused_annotation(sorted(s.namespace for s in unused), len(services), max_days),
            services,
        )
    if not services:
        annotation = "Role grants no services"
    else:
        annotation = f"All {len(services)} granted services used within {max_days} days"
    return finding(Compliance.COMPLIANT, PermissionsReason.ALL_USED, annotation, services)


def decide_role_access(
    subject: RoleAccess, settings: Settings, now: datetime
) -> PermissionsFinding:
    return evaluate_permissions(subject.role, subject.access, settings, now)


# What ``dormant.engine.rule.run_rule`` needs to report permissions to AWS Config, like roles.
PERMISSIONS: RuleKind[RoleAccess, PermissionsFinding] = RuleKind(
    resource_type=RESOURCE_TYPE_ROLE,
    decide=decide_role_access,
    gone_annotation=ANNOTATION_ROLE_DELETED,
)
