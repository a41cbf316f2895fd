"""Decide the permissions of many roles: read each role's last access, then decide it.

``scan_permissions`` reads every role's service last-access data through ``AccessJobs`` (the
adapter ``dormant.permissions.aws.IamAccessSource`` starts and polls IAM's jobs), pipelined by
``dormant.permissions.scan.pipeline.read_access`` (many jobs started ahead, a bounded number
of calls at once), and decides each with ``dormant.permissions.decide.evaluate_permissions``.
Roles the decision skips whatever their data (service-linked, allow-listed, young) cost no
call. A role whose data cannot be read (a FAILED job, a denied call, throttling that outlasted
the retries) becomes a failure naming the role, the call and the error; the other roles go
on. With a ``RunBudget`` (the Config rule's time limit) roles not reached are ``left``.

``AccessSource`` is the one-role view (``dormant restrict``'s freshness re-check). This
package must never import boto3, botocore or ``dormant.aws``: it is pure orchestration over
the protocols, testable with ``dormant.testing``'s fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dormant.core.errors import AwsAccessError, DormantError
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.permissions.decide import evaluate_permissions, needs_access
from dormant.permissions.model import PermissionsFinding, ServiceAccess
from dormant.permissions.scan.pipeline import (
    DEFAULT_ACCESS_WORKERS,
    DEFAULT_IN_FLIGHT,
    GET,
    AccessJobs,
    JobOutcome,
    RunBudget,
    read_access,
)
from dormant.roles.model import Role

__all__ = [
    "DEFAULT_ACCESS_WORKERS",
    "DEFAULT_IN_FLIGHT",
    "AccessJobs",
    "AccessSource",
    "PermissionsResult",
    "RoleOutcome",
    "failure_of",
    "scan_permissions",
]


class AccessSource(Protocol):
    def service_access(self, role: Role) -> Sequence[ServiceAccess]:
        """Every service the role's policies grant, with its last access. Raises
        ``AwsAccessError`` naming the call, the role and the account."""
        ...


@dataclass(frozen=True, slots=True)
class RoleOutcome:
    """One role's finding, or why its data could not be read."""

    role: Role
    finding: PermissionsFinding | None
    failure: AccountFailure | None


@dataclass(slots=True)
class PermissionsResult:
    """Every role decided (``findings``), every role that could not be (``failures``), and
    the roles a budget left unread (``left``; never with the command line)."""

    findings: list[PermissionsFinding]
    failures: list[AccountFailure]
    left: list[Role] = field(default_factory=list)
    failed_roles: list[Role] = field(default_factory=list)  # the roles of ``failures``
    denied: AccountFailure | None = None  # the first call refused (a missing permission)

    @property
    def failed(self) -> bool:
        return bool(self.failures)


def failure_of(role: Role, error: Exception) -> AccountFailure:
    """The failure one role's error becomes: the call and AWS's answer, or the role."""
    where = f"role {role.name} in account {role.account_id}" if role.account_id else role.name
    if isinstance(error, AwsAccessError):
        return AccountFailure(role.account_id, error.operation or GET, str(error))
    if isinstance(error, DormantError):
        return AccountFailure(role.account_id, "permissions", f"{where}: {error}")
    return AccountFailure(
        role.account_id, "permissions", f"{where}: unexpected {type(error).__name__}: {error}"
    )


def _decided(role: Role, outcome: JobOutcome, settings: Settings, now: datetime) -> RoleOutcome:
    if outcome.error is not None:
        return RoleOutcome(role, None, failure_of(role, outcome.error))
    try:
        return RoleOutcome(role, evaluate_permissions(role, outcome.access, settings, now), None)
    except Exception as exc:  # one role's bad record must not stop the others
        return RoleOutcome(role, None, failure_of(role, exc))


def scan_permissions(
    source: AccessJobs,
    roles: Iterable[Role],
    *,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_ACCESS_WORKERS,
    in_flight: int = DEFAULT_IN_FLIGHT,
    budget: RunBudget | None = None,
    on_role_done: Callable[[RoleOutcome], None] | None = None,
) -> PermissionsResult:
    """Decide every role (jobs read in the roles' order); findings ordered by account and
    name. ``on_role_done`` hears each role as it is decided, in the calling thread."""
    outcomes: list[RoleOutcome] = []

    def done(outcome: RoleOutcome) -> None:
        outcomes.append(outcome)
        if on_role_done is not None:
            on_role_done(outcome)

    wanted: list[Role] = []
    for role in roles:
        if needs_access(role, settings, now):
            wanted.append(role)
        else:
            done(_decided(role, JobOutcome(role), settings, now))
    read = read_access(
        source,
        wanted,
        workers=workers,
        in_flight=in_flight,
        budget=budget,
        on_done=lambda outcome: done(_decided(outcome.role, outcome, settings, now)),
    )
    findings = [o.finding for o in outcomes if o.finding is not None]
    failures = [o.failure for o in outcomes if o.failure is not None]
    findings.sort(key=lambda f: (f.account_id, f.role.name, f.role.arn))
    failures.sort(key=lambda f: (f.account_id, f.message))
    denied = next(
        (
            failure_of(o.role, o.error)
            for o in read.outcomes
            if isinstance(o.error, AwsAccessError) and o.error.denied
        ),
        None,
    )
    failed_roles = [o.role for o in outcomes if o.failure is not None]
    return PermissionsResult(findings, failures, read.left, failed_roles, denied)
