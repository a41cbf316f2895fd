"""Decide the permissions of many roles: read each role's last access, then decide it.

``scan_permissions`` reads every role's service last-access data through an
``AccessSource`` (the adapter ``dormant.permissions.aws.IamAccessSource`` starts and polls one IAM
job per role), a bounded number of roles at once, and decides each with
``dormant.permissions.decide.evaluate_permissions``. Roles the decision skips whatever their data
(service-linked, allow-listed, young) cost no call. A role whose data cannot be read (a
FAILED job, a denied call, throttling that outlasted the retries) becomes a failure naming
the role, the call and the error; the other roles go on.

This module must never import boto3, botocore or ``dormant.aws``: it is pure orchestration
over the ``AccessSource`` protocol, testable with ``dormant.testing``'s fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dormant.core.errors import AwsAccessError, DormantError
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.engine.pool import map_bounded
from dormant.permissions.decide import evaluate_permissions, needs_access
from dormant.permissions.model import PermissionsFinding, ServiceAccess
from dormant.roles.model import Role

__all__ = [
    "DEFAULT_ACCESS_WORKERS",
    "AccessSource",
    "PermissionsResult",
    "RoleOutcome",
    "scan_permissions",
]

# IAM throttles service-last-accessed jobs per account: a few roles at once is the sweet spot.
DEFAULT_ACCESS_WORKERS = 4


class AccessSource(Protocol):
    def service_access(self, role: Role) -> Sequence[ServiceAccess]:
        """Every service the role's policies grant, with its last access; called from
        worker threads. Raises ``AwsAccessError`` naming the call, the role and the account."""
        ...


@dataclass(frozen=True, slots=True)
class RoleOutcome:
    """One role's finding, or why its data could not be read."""

    role: Role
    finding: PermissionsFinding | None
    failure: AccountFailure | None


@dataclass(slots=True)
class PermissionsResult:
    """Every role decided (``findings``) and every role that could not be (``failures``)."""

    findings: list[PermissionsFinding]
    failures: list[AccountFailure]

    @property
    def failed(self) -> bool:
        return bool(self.failures)


def _decide_one(source: AccessSource, role: Role, settings: Settings, now: datetime) -> RoleOutcome:
    """One role's outcome; never raises (but for KeyboardInterrupt)."""
    where = f"role {role.name} in account {role.account_id}" if role.account_id else role.name
    try:
        access = source.service_access(role) if needs_access(role, settings, now) else ()
        return RoleOutcome(role, evaluate_permissions(role, access, settings, now), None)
    except AwsAccessError as exc:
        operation = exc.operation or "iam:GetServiceLastAccessedDetails"
        return RoleOutcome(role, None, AccountFailure(role.account_id, operation, str(exc)))
    except DormantError as exc:
        return RoleOutcome(
            role, None, AccountFailure(role.account_id, "permissions", f"{where}: {exc}")
        )
    except Exception as exc:  # one role's bug must not stop the others
        return RoleOutcome(
            role,
            None,
            AccountFailure(
                role.account_id, "permissions", f"{where}: unexpected {type(exc).__name__}: {exc}"
            ),
        )


def scan_permissions(
    source: AccessSource,
    roles: Iterable[Role],
    *,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_ACCESS_WORKERS,
    on_role_done: Callable[[RoleOutcome], None] | None = None,
) -> PermissionsResult:
    """Decide every role, at most ``workers`` at once; findings ordered by account and name."""
    listed = list(roles)

    def done(_: Role, outcome: RoleOutcome) -> None:
        if on_role_done is not None:
            on_role_done(outcome)

    outcomes = map_bounded(
        lambda role: _decide_one(source, role, settings, now),
        listed,
        workers=workers,
        on_done=done,
        thread_name_prefix="dormant-role",
    )
    findings = [o.finding for o in outcomes if o.finding is not None]
    failures = [o.failure for o in outcomes if o.failure is not None]
    findings.sort(key=lambda f: (f.account_id, f.role.name, f.role.arn))
    failures.sort(key=lambda f: (f.account_id, f.message))
    return PermissionsResult(findings, failures)
