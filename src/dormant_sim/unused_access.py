"""The analysis behind the simulated IAM Access Analyzer: analyzers, findings, and a pass.

`analyze(now)` is one pass of every unused-access analyzer over the simulated IAM, by AWS's
documented rules (see `dormant_sim.access_analyzer`, which serves the API over this store);
`archive` stands for UpdateFindings. State is process-global, as moto's backends are;
`reset()` forgets it. Test support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "ANALYZERS",
    "FINDINGS",
    "Analyzer",
    "Finding",
    "analyze",
    "analyzed_accounts",
    "archive",
    "lock",
    "reset",
    "set_status",
]

_SERVICE_LINKED_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class Analyzer:
    arn: str
    name: str
    type: str
    created: datetime
    unused_access_age: int
    account_id: str
    region: str

    def summary(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "name": self.name,
            "type": self.type,
            "createdAt": self.created,
            "status": "ACTIVE",
            "configuration": {"unusedAccess": {"unusedAccessAge": self.unused_access_age}},
        }


@dataclass(frozen=True)
class Finding:
    id: str
    finding_type: str
    resource: str
    resource_type: str
    account_id: str
    status: str
    created: datetime
    updated: datetime
    analyzed: datetime
    last_accessed: datetime | None
    access_key_id: str | None = None
    # UnusedPermission: one unusedPermissionDetails per service, as botocore shapes it.
    services: tuple[dict[str, Any], ...] = ()

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "findingType": self.finding_type,
            "resource": self.resource,
            "resourceType": self.resource_type,
            "resourceOwnerAccount": self.account_id,
            "status": self.status,
            "createdAt": self.created,
            "updatedAt": self.updated,
            "analyzedAt": self.analyzed,
        }

    def details(self) -> list[dict[str, Any]]:
        """GetFindingV2's `findingDetails`: one entry, or one per service for permissions."""
        if self.finding_type == "UnusedPermission":
            return [{"unusedPermissionDetails": service} for service in self.services]
        last = {} if self.last_accessed is None else {"lastAccessed": self.last_accessed}
        if self.finding_type == "UnusedIAMRole":
            return [{"unusedIamRoleDetails": last}]
        if self.finding_type == "UnusedIAMUserPassword":
            return [{"unusedIamUserPasswordDetails": last}]
        return [{"unusedIamUserAccessKeyDetails": {"accessKeyId": self.access_key_id, **last}}]

    @property
    def key(self) -> tuple[str, str]:
        """What a finding is about: its type and its entity (a key within a user)."""
        return self.finding_type, f"{self.resource}#{self.access_key_id or ''}"


lock = threading.Lock()
# (account, region) -> analyzer name -> analyzer
ANALYZERS: dict[tuple[str, str], dict[str, Analyzer]] = {}
# analyzer ARN -> finding id -> finding (insertion order is the listing order)
FINDINGS: dict[str, dict[str, Finding]] = {}


def reset() -> None:
    with lock:
        ANALYZERS.clear()
        FINDINGS.clear()


# ---- analysis


@dataclass(frozen=True)
class _Unused:
    finding_type: str
    resource: str
    resource_type: str
    last_accessed: datetime | None
    access_key_id: str | None = None
    services: tuple[dict[str, Any], ...] = ()


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _unused_entities(account_id: str, window: int, now: datetime) -> Iterator[_Unused]:
    """What IAM's last-use data says is unused for `window` days, for entities that existed
    for the whole window (AWS analyzes nothing younger)."""
    from moto.iam.models import iam_backends

    iam = iam_backends[account_id]["aws"]
    cutoff = now - timedelta(days=window)

    def unused(last: datetime | None) -> bool:
        return last is None or _as_utc(last) <= cutoff

    for role in list(iam.roles.values()):
        if role.path.startswith(_SERVICE_LINKED_PATH) or _as_utc(role.create_date) > cutoff:
            continue
        last = role.last_used
        if unused(last):
            yield _Unused("UnusedIAMRole", role.arn, "AWS::IAM::Role", _opt_utc(last))
            continue  # an unused role's permissions are not reported apart
        services = _unused_permissions(account_id, iam, role, unused)
        if services:
            last_seen = [s["lastAccessed"] for s in services if "lastAccessed" in s]
            yield _Unused(
                "UnusedPermission",
                role.arn,
                "AWS::IAM::Role",
                max(last_seen, default=None),
                services=services,
            )
    for user in list(iam.users.values()):
        if _as_utc(user.create_date) > cutoff:
            continue
        if user.password is not None:
            last = user.password_last_used
            if unused(last):
                yield _Unused("UnusedIAMUserPassword", user.arn, "AWS::IAM::User", _opt_utc(last))
        for key in user.access_keys:
            if key.status != "Active" or _as_utc(key.create_date) > cutoff:
                continue
            last = key.last_used.timestamp if key.last_used is not None else None
            if unused(last):
                yield _Unused(
                    "UnusedIAMUserAccessKey",
                    user.arn,
                    "AWS::IAM::User",
                    _opt_utc(last),
                    key.access_key_id,
                )


def _unused_permissions(
    account_id: str, iam: Any, role: Any, unused: Callable[[datetime | None], bool]
) -> tuple[dict[str, Any], ...]:
    """A used role's services not used for the window, each with its unused actions where IAM
    tracks actions; a used service appears only for its unused actions."""
    from dormant_sim.access import services_last_accessed

    found: list[dict[str, Any]] = []
    for record in services_last_accessed(account_id, iam, role, "ACTION_LEVEL"):
        last = _opt_utc(record.get("LastAuthenticated"))
        actions = [
            {
                "action": entry["ActionName"],
                **(
                    {"lastAccessed": _as_utc(entry["LastAccessedTime"])}
                    if "LastAccessedTime" in entry
                    else {}
                ),
            }
            for entry in record.get("TrackedActionsLastAccessed", [])
            if unused(entry.get("LastAccessedTime"))
        ]
        if not unused(last) and not actions:
            continue
        service: dict[str, Any] = {"serviceNamespace": record["ServiceNamespace"]}
        if last is not None:
            service["lastAccessed"] = last
        if actions:
            service["actions"] = actions
        found.append(service)
    return tuple(found)


def _opt_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _as_utc(value)


# The service principal an organization names a delegated administrator of Access Analyzer for.
ACCESS_ANALYZER_PRINCIPAL = "access-analyzer.amazonaws.com"


def analyzed_accounts(analyzer: Analyzer) -> list[str]:
    """The accounts an analyzer covers: its own; for an organization analyzer owned by the
    management account or a delegated administrator of Access Analyzer, every ACTIVE account
    of the organization (AWS: the zone of trust is the organization)."""
    if analyzer.type != "ORGANIZATION_UNUSED_ACCESS":
        return [analyzer.account_id]
    from moto.organizations.models import organizations_backends

    owner = analyzer.account_id
    mapped = organizations_backends.master_accounts.get(owner)
    management = str(mapped[0] if isinstance(mapped, tuple) else mapped or owner)
    try:
        organization = organizations_backends[management]["aws"]
    except Exception:
        return [owner]
    if organization.org is None:
        return [owner]
    delegated = any(
        admin.account.id == owner and ACCESS_ANALYZER_PRINCIPAL in admin.services
        for admin in organization.admins
    )
    if owner != management and not delegated:
        return [owner]
    return [str(a.id) for a in organization.accounts if a.status == "ACTIVE"]


def analyze(now: datetime, account_id: str | None = None) -> None:
    """One analysis pass of every analyzer (of `account_id` only, if given), at `now`.

    New unused entities get ACTIVE findings; a finding whose entity is no longer unused (used
    since, or deleted) becomes RESOLVED; an ARCHIVED one stays archived while still unused.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with lock:
        analyzers = [
            analyzer
            for (owner, _), by_name in ANALYZERS.items()
            if account_id is None or owner == account_id
            for analyzer in by_name.values()
        ]
    for analyzer in analyzers:
        found = {
            (u.finding_type, f"{u.resource}#{u.access_key_id or ''}"): u
            for account in analyzed_accounts(analyzer)
            for u in _unused_entities(account, analyzer.unused_access_age, now)
        }
        with lock:
            findings = FINDINGS.setdefault(analyzer.arn, {})
            by_key = {f.key: f for f in findings.values() if f.status != "RESOLVED"}
            for key, finding in by_key.items():
                current = found.get(key)
                if current is None:
                    findings[finding.id] = replace(
                        finding, status="RESOLVED", updated=now, analyzed=now
                    )
                else:
                    findings[finding.id] = replace(
                        finding,
                        analyzed=now,
                        last_accessed=current.last_accessed,
                        services=current.services,
                    )
            for key, entity in found.items():
                if key in by_key:
                    continue
                finding_id = str(uuid.uuid4())
                findings[finding_id] = Finding(
                    id=finding_id,
                    finding_type=entity.finding_type,
                    resource=entity.resource,
                    resource_type=entity.resource_type,
                    account_id=entity.resource.split(":")[4],
                    status="ACTIVE",
                    created=now,
                    updated=now,
                    analyzed=now,
                    last_accessed=entity.last_accessed,
                    access_key_id=entity.access_key_id,
                    services=entity.services,
                )


def archive(analyzer_arn: str, finding_id: str, now: datetime) -> None:
    """Archive one finding (what UpdateFindings with status ARCHIVED does)."""
    with lock:
        finding = FINDINGS.get(analyzer_arn, {}).get(finding_id)
        if finding is None:
            raise KeyError(f"no finding {finding_id} in {analyzer_arn}")
        FINDINGS[analyzer_arn][finding_id] = replace(finding, status="ARCHIVED", updated=now)


def set_status(
    analyzer_arn: str,
    status: str,
    *,
    ids: list[str] | None = None,
    resource: str | None = None,
    now: datetime,
) -> None:
    """UpdateFindings: every finding `ids` names (or every finding of `resource`) gets
    `status`, all or none: an unknown id is a KeyError, a RESOLVED finding a ValueError."""
    with lock:
        findings = FINDINGS.get(analyzer_arn, {})
        if ids is not None:
            missing = [finding_id for finding_id in ids if finding_id not in findings]
            if missing:
                raise KeyError(f"Finding {missing[0]} not found")
            chosen = [findings[finding_id] for finding_id in ids]
        else:
            chosen = [f for f in findings.values() if f.resource == resource]
        for finding in chosen:
            if finding.status == "RESOLVED":
                raise ValueError(f"finding {finding.id} is RESOLVED; its status cannot change")
        for finding in chosen:
            findings[finding.id] = replace(finding, status=status, updated=now)
