"""The join of AWS's UnusedPermission findings with dormant's per-service decision on the roles.

Each AWS finding (`AwsFinding` of type UnusedPermission, from any source) is matched by ARN
with the `PermissionsFinding` that `dormant.permissions.decide.evaluate_permissions` made on
IAM's service last access for that role. AWS lists services in a finding for two reasons: the
whole service is unused (no access, or none within the analyzer's window before its analysis),
or only some actions of a used service are. dormant's deny is per service, so it agrees where
at least one service AWS flags whole is also unused by dormant's rules, and nothing dormant
refuses on applies. Otherwise `agrees` is false with why, the first of these that holds:

- service-linked; exempt by tag (until a date); allow-listed (the pattern); the role younger
  than dormant's window: dormant spares the role whatever its services;
- a service AWS flags is no longer granted (the role's policies changed after the analysis);
- a service AWS flags was used after AWS's last analysis;
- the windows differ (AWS's analyzer window against dormant's `--max-days`);
- dormant finds the flagged services used within its window;
- AWS flags only unused actions of used services (dormant denies whole services).

Security Hub's findings name the role and no services: there dormant agrees where it finds
at least one granted service unused, and otherwise says so (a service used after AWS's
analysis, the windows, or none unused in dormant's window).

`needs_details` says which findings need their details (GetFindingV2) at all: only those
whose role dormant weighed service by service. A finding about an account dormant cannot
reach, about a role IAM no longer holds, or about an IAM user (dormant permissions judges
roles) is an `AccountFailure` naming it. Pure: no boto3, no clock (`now` is an argument).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from dormant.core.aws_findings import (
    Agreement,
    AwsFinding,
    FindingSource,
    UnusedService,
    allow_listed,
    exempt_by_tag,
    unreachable_failures,
)
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.permissions.model import PermissionsFinding, PermissionsReason

__all__ = [
    "PERMISSION_FINDING_TYPES",
    "agreement",
    "flagged_role_names",
    "join_permission_findings",
    "needs_details",
    "wholly_unused",
]

# The finding types `dormant permissions --source ...` reads.
PERMISSION_FINDING_TYPES = ("UnusedPermission",)
# Decisions that weigh each service; the others spare the role whatever AWS lists.
_WEIGHED = (PermissionsReason.UNUSED_SERVICES, PermissionsReason.ALL_USED)


def _role_name(arn: str) -> str | None:
    """A role's name from its ARN (``arn:aws:iam::1:role/path/name``); None for others."""
    resource = arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1] if resource.startswith("role/") else None


def flagged_role_names(aws_findings: Iterable[AwsFinding]) -> list[str]:
    """The names of the roles AWS's findings are about, each once, in AWS's order."""
    names = (_role_name(aws.resource_arn) for aws in aws_findings)
    return list(dict.fromkeys(name for name in names if name is not None))


def needs_details(aws: AwsFinding, finding: PermissionsFinding | None) -> bool:
    """Whether the join needs the finding's services: dormant weighed the role's services,
    and the source has not given them yet."""
    return not aws.detailed and finding is not None and finding.reason in _WEIGHED


def wholly_unused(service: UnusedService, aws: AwsFinding) -> bool:
    """Whether AWS lists the whole service as unused (not only some of its actions): no
    access, or none within the analyzer's window before its analysis."""
    last = service.last_accessed
    return last is None or last <= aws.analyzed_at - timedelta(days=aws.window_days)


def _names(namespaces: Iterable[str]) -> str:
    return ", ".join(sorted(namespaces))


def agreement(
    finding: PermissionsFinding, aws: AwsFinding, settings: Settings, now: datetime
) -> Agreement:
    """Whether dormant's decision on a role's services agrees with AWS's finding about them."""
    role = finding.role
    reason = finding.reason
    if reason is PermissionsReason.SERVICE_LINKED:
        return Agreement(False, "service-linked: AWS manages it")
    if reason is PermissionsReason.EXEMPT:
        return exempt_by_tag(role.tags, settings, now)
    if reason is PermissionsReason.ALLOW_LISTED:
        return allow_listed(role.path_and_name, settings)
    if reason is PermissionsReason.YOUNG:
        return Agreement(
            False, f"role is {finding.age_days} days old, within dormant's {settings.max_days}"
        )
    if not aws.detailed:
        return Agreement(False, "AWS's unused services were not read")
    if not aws.services and aws.source == FindingSource.SECURITYHUB.value:
        return _role_flagged(finding, aws, settings)
    whole = {s.namespace for s in aws.services if wholly_unused(s, aws)}
    if whole & set(finding.unused_services):
        return Agreement(True)
    by_namespace = {s.namespace: s for s in finding.services}
    gone = whole - set(by_namespace)
    if gone:
        return Agreement(
            False, f"AWS flags {_names(gone)}, no longer granted (changed after its analysis)"
        )
    used_since = {
        n
        for n in whole
        if (last := by_namespace[n].last_used) is not None and last > aws.analyzed_at
    }
    if used_since:
        return Agreement(False, f"used after AWS's last analysis: {_names(used_since)}")
    if whole and aws.window_days != settings.max_days:
        return Agreement(False, f"AWS window {aws.window_days} days, dormant's {settings.max_days}")
    if whole:
        return Agreement(
            False,
            f"AWS flags {_names(whole)}, dormant finds them used within its "
            f"{settings.max_days} days",
        )
    actions_only = _names(s.namespace for s in aws.services)
    theirs = finding.unused_services
    if theirs:
        return Agreement(
            False,
            f"AWS flags unused actions of {actions_only}; dormant finds unused {_names(theirs)}",
        )
    return Agreement(
        False, f"AWS flags {actions_only} (actions only), dormant finds no service unused"
    )


def _role_flagged(finding: PermissionsFinding, aws: AwsFinding, settings: Settings) -> Agreement:
    """A finding that says only that the role has unused permissions (Security Hub names no
    services): agree when dormant finds at least one granted service unused."""
    if finding.unused_services:
        return Agreement(True)
    used_since = {
        s.namespace
        for s in finding.services
        if s.last_used is not None and s.last_used > aws.analyzed_at
    }
    if used_since:
        return Agreement(
            False,
            f"used after AWS's last analysis: {_names(used_since)} (Security Hub names no "
            "services)",
        )
    if aws.window_days != settings.max_days:
        return Agreement(False, f"AWS window {aws.window_days} days, dormant's {settings.max_days}")
    return Agreement(
        False,
        f"Security Hub names no services; dormant finds none unused in its {settings.max_days} "
        "days (AWS may flag unused actions only)",
    )


def join_permission_findings(
    aws_findings: Iterable[AwsFinding],
    findings: Iterable[PermissionsFinding],
    *,
    settings: Settings,
    now: datetime,
    reachable_accounts: Collection[str],
    wanted: Collection[str] | None = None,
    operation: str = "access-analyzer:ListFindingsV2",
) -> tuple[list[PermissionsFinding], list[AccountFailure]]:
    """One dormant finding per AWS finding about a role's permissions (AWS's order), with
    `aws_finding` and `agreement`; and what could not be joined.

    `findings` are dormant's decisions on the roles AWS flags; `wanted` (role names) narrows
    the findings joined, as the command's role names do.
    """
    by_arn = {finding.arn: finding for finding in findings}
    joined: list[PermissionsFinding] = []
    unreachable: dict[str, list[AwsFinding]] = {}
    failures: list[AccountFailure] = []
    for aws in aws_findings:
        name = _role_name(aws.resource_arn)
        if wanted is not None and name not in wanted:
            continue
        if aws.account_id not in reachable_accounts:
            unreachable.setdefault(aws.account_id, []).append(aws)
            continue
        finding = by_arn.get(aws.resource_arn)
        if finding is None:
            what = (
                "which IAM no longer holds (deleted after AWS's analysis of "
                f"{aws.analyzed_at:%Y-%m-%d})"
                if name is not None
                else "not a role (dormant permissions judges roles only)"
            )
            failures.append(
                AccountFailure(
                    aws.account_id,
                    operation,
                    f"AWS finding {aws.id} (UnusedPermission) names {aws.resource_arn}, {what}",
                )
            )
            continue
        joined.append(
            replace(finding, aws_finding=aws, agreement=agreement(finding, aws, settings, now))
        )
    noun = ("role with unused permissions", "roles with unused permissions")
    return joined, failures + unreachable_failures(unreachable, operation, noun)
