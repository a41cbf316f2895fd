"""The decision: is this role unused? Pure data in, a Finding out.

The blog's rules, in the blog's order, with whole UTC days (floor):

1. service-linked (path ``/aws-service-role/``) and not included -> NOT_APPLICABLE
2. an exemption tag that still counts (``dormant.core.tags``)          -> COMPLIANT
3. Path+RoleName matches an allow-list pattern                    -> COMPLIANT
4. role age in days <= window                                     -> COMPLIANT
5. no RoleLastUsed.LastUsedDate                                   -> NON_COMPLIANT
6. days since last use > window                                   -> NON_COMPLIANT
7. otherwise                                                      -> COMPLIANT

An expired (or unreadable) exemption adds a note to the annotation of the row that
decides; a NON_COMPLIANT annotation names the owner. Both only when the whole text
still fits in Config's 256 characters.

Annotations come in two wordings, chosen by ``Settings.stable_annotations`` (rule
parameter ``evaluation_mode``): the blog's, which count days and so change every day,
and a stable one that names only facts which do not move while the compliance stays
the same (a date, the window), so that a run posting only what changed stays quiet.
The compliance is decided by the same rows either way.

Never import boto3, read the clock or the environment here: ``now`` is an argument.
The Lambda, ``dormant scan`` and remediation's freshness re-check all call
``evaluate_role``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from dormant.core.evaluations import (
    ANNOTATION_ROLE_DELETED,
)
from dormant.core.managed import management_of
from dormant.core.model import RESOURCE_TYPE_ROLE, Compliance
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.core.tags import (
    ExemptionState,
    check_exemption,
    exempt_annotation,
    owner_of,
    with_tag_notes,
)
from dormant.core.time import created_within_window, last_used_on, used_within_window, whole_days
from dormant.engine.rule import RuleKind
from dormant.roles.model import Finding, Reason, Risk, Role

__all__ = [
    "ANNOTATION_NO_USAGE",
    "ROLES",
    "assess_risk",
    "evaluate_role",
    "evaluate_roles",
]

ANNOTATION_NO_USAGE = "No record of usage"


ANNOTATION_SERVICE_LINKED = (
    "Service-linked role: AWS manages it and users cannot delete or quarantine it"
)


ADMIN_POLICY_ARN_SUFFIX = ":policy/AdministratorAccess"


def evaluate_role(role: Role, settings: Settings, now: datetime) -> Finding:
    """Decide one role. See the module docstring for the table."""
    age_days = whole_days(role.created, now)
    days_unused = None if role.last_used is None else whole_days(role.last_used, now)
    risk = assess_risk(role)
    owner = owner_of(role.tags, settings.owner_tag_keys)
    management = management_of(
        role.name, role.path, role.tags, stack=role.stack, account_id=role.account_id
    )
    exemption = check_exemption(
        role.tags, settings.exempt_tag_key, now, settings.max_exemption_days
    )

    def finding(compliance: Compliance, reason: Reason, annotation: str) -> Finding:
        return Finding(
            role=role,
            compliance=compliance,
            reason=reason,
            annotation=with_tag_notes(
                annotation,
                non_compliant=compliance == Compliance.NON_COMPLIANT,
                exemption=exemption,
                owner=owner,
            ),
            days_unused=days_unused,
            age_days=age_days,
            risk=risk,
            owner=owner,
            managed_by=None if management is None else management.managed_by,
            hint=None if management is None else management.hint,
        )

    if role.is_service_linked and not settings.include_service_linked:
        return finding(Compliance.NOT_APPLICABLE, Reason.SERVICE_LINKED, ANNOTATION_SERVICE_LINKED)
    if exemption is not None and exemption.state is ExemptionState.ACTIVE:
        return finding(Compliance.COMPLIANT, Reason.EXEMPT, exempt_annotation(exemption))
    pattern = matching_pattern(role.path_and_name, settings.allow_patterns)
    if pattern is not None:
        return finding(
            Compliance.COMPLIANT, Reason.ALLOW_LISTED, f"Role matches allow-list pattern {pattern}"
        )
    stable = settings.stable_annotations
    if age_days <= settings.max_days:
        young = (
            created_within_window(role.created, settings.max_days)
            if stable
            else f"Role age is {age_days} days"
        )
        return finding(Compliance.COMPLIANT, Reason.YOUNG, young)
    if days_unused is None or role.last_used is None:
        return finding(Compliance.NON_COMPLIANT, Reason.NEVER_USED, ANNOTATION_NO_USAGE)
    counted = (
        f"Was last used in {role.last_used_region or 'an unknown region'} {days_unused} days ago"
    )
    if days_unused > settings.max_days:
        unused = last_used_on(role.last_used_region, role.last_used) if stable else counted
        return finding(Compliance.NON_COMPLIANT, Reason.UNUSED, unused)
    recent = used_within_window(settings.max_days) if stable else counted
    return finding(Compliance.COMPLIANT, Reason.RECENTLY_USED, recent)


def evaluate_roles(roles: Iterable[Role], settings: Settings, now: datetime) -> Iterator[Finding]:
    """Decide a stream of roles lazily (snapshots of 100,000 roles stay streamed)."""
    for role in roles:
        yield evaluate_role(role, settings, now)


def _as_list(value: object) -> list[Any]:
    # Policy grammar allows a single value or a list wherever a list is allowed.
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _account_of(principal: str) -> str:
    """``arn:aws:iam::111122223333:root`` or ``111122223333`` -> the account id; ``*`` stays."""
    if principal == "*":
        return "*"
    if principal.startswith("arn:"):
        parts = principal.split(":")
        return parts[4] if len(parts) > 4 and parts[4] else principal
    return principal


def assess_risk(role: Role) -> Risk:
    """Who may assume the role, and whether it holds administrator-like power."""
    services: set[str] = set()
    accounts: set[str] = set()
    federated: set[str] = set()
    statements = _as_list((role.trust_policy or {}).get("Statement"))
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            accounts.add("*")
            continue
        if not isinstance(principal, dict):
            continue
        services.update(str(p) for p in _as_list(principal.get("Service")))
        federated.update(str(p) for p in _as_list(principal.get("Federated")))
        for aws in _as_list(principal.get("AWS")):
            account = _account_of(str(aws))
            if account != role.account_id:
                accounts.add(account)
    admin = any(arn.endswith(ADMIN_POLICY_ARN_SUFFIX) for arn in role.attached_policy_arns) or any(
        _allows_everything(document) for _, document in role.inline_policies
    )
    return Risk(
        trusted_services=tuple(sorted(services)),
        trusted_accounts=tuple(sorted(accounts)),
        trusted_federated=tuple(sorted(federated)),
        admin=admin,
    )


def _allows_everything(document: dict[str, Any]) -> bool:
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "*" in _as_list(statement.get("Action")) and "*" in _as_list(statement.get("Resource")):
            return True
    return False


ROLES: RuleKind[Role, Finding] = RuleKind(
    resource_type=RESOURCE_TYPE_ROLE,
    decide=evaluate_role,
    gone_annotation=ANNOTATION_ROLE_DELETED,
)
