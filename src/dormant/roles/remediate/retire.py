"""Retire unused roles in two moves: quarantine now, delete later if still unused.

``plan_retire`` decides one step per role from data already read (the roles of the
account, as ``GetAccountAuthorizationDetails`` returns them): quarantine a NON_COMPLIANT
role; delete a role quarantined at least ``after_days`` whole UTC days ago and unused
since; keep (and say why) a quarantined role used since its quarantine, one now
compliant by allow-list or exemption, one managed elsewhere, or one not yet due.
``carry_out`` makes the changes through the same ``quarantine`` and ``delete`` as the
commands (refusals, freshness re-check, verified backup), one role at a time, so one
role's failure never stops the others. Running it twice on one day changes nothing the
second time. Pure over ``RoleMutator``: no boto3, no clock (``now`` is an argument).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from dormant.core.errors import DormantError
from dormant.core.settings import Settings
from dormant.remediation.outcome import Outcome, Status
from dormant.remediation.quarantine import TAG_QUARANTINED_AT
from dormant.remediation.targets import Target
from dormant.roles.model import Role
from dormant.roles.references import ReferenceFinder
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.runner import delete, quarantine
from dormant.roles.remediate.state import RoleState
from dormant.roles.remediate.status import RoleStatus, role_status

__all__ = [
    "DEFAULT_AFTER_DAYS",
    "RetireResult",
    "RetireStep",
    "Retirement",
    "carry_out",
    "plan_retire",
]

DEFAULT_AFTER_DAYS = 30


_FAILED = frozenset({Status.FAILED, Status.REFUSED})


class RetireStep(enum.StrEnum):
    QUARANTINE = "quarantine"
    DELETE = "delete"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class Retirement:
    """One role's step in the plan, and why."""

    role_name: str
    step: RetireStep
    reason: str
    priority: tuple[int, int, str] = (0, 0, "")  # changes with the most waiting go first


@dataclass(frozen=True, slots=True)
class RetireResult:
    """What became of one planned step; ``outcome`` is None when nothing was attempted."""

    retirement: Retirement
    outcome: Outcome | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None and self.outcome.status is Status.DONE

    @property
    def failed(self) -> bool:
        return self.outcome is not None and self.outcome.status in _FAILED

    def record(self) -> dict[str, object]:
        """The JSON shape: role_name, step, reason, done (and what happened, if anything)."""
        outcome = self.outcome
        return {
            "role_name": self.retirement.role_name,
            "step": str(self.retirement.step),
            "reason": self.retirement.reason,
            "done": self.done,
            "status": None if outcome is None else str(outcome.status),
            "message": None if outcome is None else outcome.message,
        }


def _step_for(
    status: RoleStatus,
    *,
    now: datetime,
    after_days: int,
    can_delete: bool,
) -> Retirement | None:
    name, finding = status.name, status.finding

    def keep(reason: str) -> Retirement:
        return Retirement(name, RetireStep.KEEP, reason)

    if not status.quarantined:
        if not status.unused:
            return None
        refused = status.refusal or status.foreign_quarantine
        if refused is not None:
            return keep(f"not quarantined: {refused}")
        return Retirement(
            name, RetireStep.QUARANTINE, finding.annotation, (1, -finding.risk.score, name)
        )
    if status.spared:
        return keep(
            f"quarantined, but now compliant ({finding.annotation}): never deleted; "
            "release it if it is needed"
        )
    days = status.days_quarantined(now)
    if days is None:
        return keep(
            f"quarantined, but its tag {TAG_QUARANTINED_AT} is missing or unreadable: "
            "never deleted; release it, or quarantine it again"
        )
    if status.used_since_quarantine:
        return keep("used since quarantine: release it if it is needed")
    if days < after_days:
        return keep(f"quarantined {days} days ago; deleted after {after_days} days unused")
    if not status.unused:
        return keep(
            f"quarantined {days} days ago, but still within the window ({finding.annotation})"
        )
    if status.refusal is not None:
        return keep(f"quarantined {days} days ago: {status.refusal}")
    if status.reference_refusal is not None:
        return keep(f"quarantined {days} days ago, not deleted: {status.reference_refusal}")
    reason = f"quarantined {days} days ago and unused since"
    if not can_delete:
        return keep(f"{reason}: give --backup-dir DIR to delete it")
    return Retirement(name, RetireStep.DELETE, reason, (0, -days, name))


def plan_retire(
    roles: Iterable[Role],
    *,
    settings: Settings,
    now: datetime,
    after_days: int = DEFAULT_AFTER_DAYS,
    max_roles: int = 10,
    caller_arn: str = "",
    can_delete: bool = True,
    force: bool = False,
    references: ReferenceFinder | None = None,
) -> list[Retirement]:
    """One step per role that needs attention: changes first (deletes, then the riskiest
    quarantines), at most ``max_roles`` of them; the rest are kept for a later run. A role
    due for deletion that ``references`` finds referenced is kept (unless ``force``)."""
    changes: list[Retirement] = []
    kept: list[Retirement] = []
    listed = list(roles)
    found = {} if references is None else references.references(listed)
    for role in listed:
        status = role_status(
            RoleState(role),
            settings=settings,
            now=now,
            caller_arn=caller_arn,
            force=force,
            references=found.get(role.arn) if references is not None else None,
        )
        step = _step_for(status, now=now, after_days=after_days, can_delete=can_delete)
        if step is not None:
            (kept if step.step is RetireStep.KEEP else changes).append(step)
    changes.sort(key=lambda r: r.priority)
    deferred = [
        replace(
            change,
            step=RetireStep.KEEP,
            reason=f"due to {change.step} ({change.reason}), deferred: --max-roles "
            f"{max_roles} reached; a later run takes it",
        )
        for change in changes[max_roles:]
    ]
    return [*changes[:max_roles], *deferred, *sorted(kept, key=lambda r: r.role_name)]


def carry_out(
    mutator: RoleMutator,
    plan: Sequence[Retirement],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    backup_dir: Path | None,
    clock: Callable[[], datetime],
    force: bool = False,
    references: ReferenceFinder | None = None,
) -> Iterator[RetireResult]:
    """Make each planned change (only with ``apply``), isolating each role's failure. The
    delete step asks ``references`` again, as ``dormant delete`` does."""
    for retirement in plan:
        if not apply or retirement.step is RetireStep.KEEP:
            yield RetireResult(retirement)
            continue
        targets = [Target(retirement.role_name)]
        try:
            if retirement.step is RetireStep.QUARANTINE:
                outcomes = quarantine(
                    mutator,
                    targets,
                    settings=settings,
                    now=now,
                    apply=True,
                    clock=clock,
                    force=force,
                )
            else:
                if backup_dir is None:
                    raise DormantError("deleting a role needs --backup-dir")
                outcomes = delete(
                    mutator,
                    targets,
                    settings=settings,
                    now=now,
                    apply=True,
                    backup_dir=backup_dir,
                    clock=clock,
                    force=force,
                    references=references,
                )
            outcome = next(iter(outcomes))
        except DormantError as exc:
            outcome = Outcome(retirement.role_name, Status.FAILED, str(exc))
        yield RetireResult(retirement, outcome)
