"""Retire unused roles: notice, grace, quarantine, delete, one step per role per run.

``plan_retire`` decides one step per role from data already read (the roles as
``GetAccountAuthorizationDetails`` returns them). With ``notice_days`` above 0 a
NON_COMPLIANT role first gets a notice (``notify``: the tag ``dormant:notice-at``; the
campaign tells its owner) and is quarantined on the day the notice announced, if still
NON_COMPLIANT; a notice whose day passed without a quarantine (notices only, a failed run,
the cap) is given again, so no quarantine comes under a date that passed. A role used or
exempted since its notice has it cleared. A role someone else quarantined gets a notice
too. A role quarantined ``after_days`` whole UTC days ago and unused since is deleted; one
used since, allow-listed, exempt, managed elsewhere or not yet due is kept, saying why,
and what comes next when. ``carry_out`` makes the changes through ``quarantine`` and
``delete`` (refusals, freshness re-check, verified backup), one role at a time, so one
failure never stops the others; a role is backed up before its first change. A second run
on a day changes nothing. Pure over ``RoleMutator``: no boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from dormant.core.errors import DormantError
from dormant.core.settings import Settings
from dormant.remediation.budget import Budget
from dormant.remediation.notice import LifecycleStep, NextStep, due_on, notice_ends, notice_served
from dormant.remediation.outcome import Attempted, Outcome, Status
from dormant.remediation.quarantine import TAG_QUARANTINED_AT
from dormant.remediation.targets import Target
from dormant.roles.model import Role
from dormant.roles.references import ReferenceFinder
from dormant.roles.remediate.backup_record import back_up_before_change
from dormant.roles.remediate.backup_store import BackupStore
from dormant.roles.remediate.held import hold
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.notice import clear_notice, give_notice
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


# The roles' name for the shared lifecycle steps (notify, quarantine, delete, clear, keep).
RetireStep = LifecycleStep


@dataclass(frozen=True, slots=True)
class Retirement:
    """One role's step in the plan, why, and what comes next (and when)."""

    role_name: str
    step: RetireStep
    reason: str
    priority: tuple[int, int, str] = (0, 0, "")  # changes with the most waiting go first
    next: NextStep | None = None
    owner: str | None = None
    arn: str = ""
    # A notice given again: the one before announced a day that passed (notices only
    # keep it for when quarantines are on).
    renewal: bool = False
    # What holds the role back from deletion (a reference, a place not covered): the owner's
    # notice says it, so nobody expects a delete that will not come.
    held_by: str | None = None

    @property
    def changes(self) -> bool:
        return self.step is not RetireStep.KEEP


@dataclass(frozen=True, slots=True)
class RetireResult(Attempted):
    """What became of one planned step; ``outcome`` is None when nothing was attempted."""

    retirement: Retirement
    outcome: Outcome | None = None

    def record(self) -> dict[str, object]:
        """The JSON shape: kind, role_name, step, reason, next, owner, done (and what
        happened, if anything)."""
        outcome, retirement = self.outcome, self.retirement
        return {
            "kind": "role",
            "role_name": retirement.role_name,
            "step": str(retirement.step),
            "reason": retirement.reason,
            "next": None if retirement.next is None else retirement.next.record(),
            "owner": retirement.owner,
            "held_by": retirement.held_by,
            "done": self.done,
            "status": None if outcome is None else str(outcome.status),
            "message": None if outcome is None else outcome.message,
        }


@dataclass(frozen=True, slots=True)
class _Schedule:
    now: datetime
    notice_days: int
    after_days: int
    can_delete: bool


def _unquarantined_step(status: RoleStatus, plan: _Schedule) -> Retirement | None:
    name, finding, noticed = status.name, status.finding, status.noticed_on
    today = plan.now.astimezone(UTC).date()
    if not status.unused:
        if noticed is None:
            return None
        why = (
            f"used since the notice of {noticed}"
            if status.used_since_notice
            else f"now compliant ({finding.annotation})"
        )
        return Retirement(name, RetireStep.CLEAR, f"{why}: kept, the notice is withdrawn")
    refused = status.refusal or status.foreign_quarantine
    if refused is not None:
        return Retirement(name, RetireStep.KEEP, f"not quarantined: {refused}")
    if plan.notice_days > 0:
        if noticed is None or status.used_since_notice:
            return Retirement(
                name,
                RetireStep.NOTIFY,
                finding.annotation,
                next=NextStep(RetireStep.QUARANTINE, notice_ends(today, plan.notice_days)),
            )
        quarantine_on = notice_ends(noticed, plan.notice_days)
        if not notice_served(noticed, plan.now, plan.notice_days):
            return Retirement(
                name,
                RetireStep.KEEP,
                f"notice given on {noticed}; quarantined on {quarantine_on} unless used "
                "or exempted",
                next=NextStep(RetireStep.QUARANTINE, quarantine_on),
            )
        if today > quarantine_on:
            return Retirement(
                name,
                RetireStep.NOTIFY,
                f"{finding.annotation}; the notice of {noticed} announced a quarantine on "
                f"{quarantine_on}, which passed without one: told again",
                next=NextStep(RetireStep.QUARANTINE, notice_ends(today, plan.notice_days)),
                renewal=True,
            )
    return Retirement(
        name,
        RetireStep.QUARANTINE,
        finding.annotation,
        (1, -finding.risk.score, name),
        next=NextStep(RetireStep.DELETE, due_on(today, plan.after_days)),
    )


def _step_for(status: RoleStatus, plan: _Schedule) -> Retirement | None:
    name, finding, after_days = status.name, status.finding, plan.after_days

    def keep(reason: str, next_step: NextStep | None = None) -> Retirement:
        return Retirement(name, RetireStep.KEEP, reason, next=next_step)

    if not status.quarantined:
        return _unquarantined_step(status, plan)
    if status.spared:
        return keep(
            f"quarantined, but now compliant ({finding.annotation}): never deleted; "
            "release it if it is needed"
        )
    days = status.days_quarantined(plan.now)
    since = status.quarantined_since
    if days is None or since is None:
        return keep(
            f"quarantined, but its tag {TAG_QUARANTINED_AT} is missing or unreadable: "
            "never deleted; release it, or quarantine it again"
        )
    began = since.astimezone(UTC).date()
    if status.used_since_quarantine:
        if status.noticed_on is not None:
            # Told once: taking the notice off marks that the owner knows.
            return Retirement(
                name,
                RetireStep.CLEAR,
                f"used since its quarantine on {began} (its calls "
                "were denied): kept, never deleted; release it if it is needed",
            )
        return keep("used since quarantine: release it if it is needed")
    today = plan.now.astimezone(UTC).date()
    noticed = status.noticed_on
    unnoticed = plan.notice_days > 0 and noticed is None
    if unnoticed and status.unused and status.refusal is None:
        # Quarantined by someone else (the SSM automation, the command line): its owner
        # is told before it is deleted, and gets the whole notice.
        due = max(due_on(began, after_days), notice_ends(today, plan.notice_days))
        return Retirement(
            name,
            RetireStep.NOTIFY,
            f"quarantined on {began} without this campaign's notice: told before it is deleted",
            next=NextStep(RetireStep.DELETE, due),
        )
    delete_day = due_on(began, after_days)
    waits_for = ""
    if plan.notice_days > 0 and noticed is not None:
        told_by = notice_ends(noticed, plan.notice_days)
        if told_by > delete_day:
            delete_day = told_by
            waits_for = f", and after the {plan.notice_days} days of its notice of {noticed}"
    delete_on = NextStep(RetireStep.DELETE, delete_day)
    if days < after_days or today < delete_day:
        return keep(
            f"quarantined {days} days ago; deleted after {after_days} days unused{waits_for}",
            delete_on,
        )
    if not status.unused:
        return keep(
            f"quarantined {days} days ago, but still within the window ({finding.annotation})"
        )
    if status.refusal is not None:
        return keep(f"quarantined {days} days ago: {status.refusal}")
    if status.reference_refusal is not None:
        return keep(f"quarantined {days} days ago, not deleted: {status.reference_refusal}")
    reason = f"quarantined {days} days ago and unused since"
    if not plan.can_delete:
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
    notice_days: int = 0,
    references: ReferenceFinder | None = None,
    held_back: Callable[[str], str | None] | None = None,
) -> list[Retirement]:
    """One step per role that needs attention: changes first (deletes, then the riskiest
    quarantines), at most ``max_roles`` of them; then the notices given and cleared (they
    take no access away, so the cap leaves them); the rest are kept for a later run. A role
    due for deletion that ``references`` finds referenced is kept (unless ``force``); the
    roles are asked at once. ``held_back(arn)``: why --source holds a change back (kept)."""
    plan = _Schedule(now, notice_days, after_days, can_delete)
    changes: list[Retirement] = []
    notices: list[Retirement] = []
    kept: list[Retirement] = []
    listed = list(roles)
    found = None if references is None else references.references(listed)
    for role in listed:
        status = role_status(
            RoleState(role),
            settings=settings,
            now=now,
            caller_arn=caller_arn,
            force=force,
            references=None if found is None else found.get(role.arn),
        )
        step = _step_for(status, plan)
        if step is None:
            continue
        step = replace(step, owner=status.finding.owner, arn=role.arn, held_by=status.held_by)
        step = hold(step, None if held_back is None else held_back(role.arn))
        if step.step is RetireStep.KEEP:
            kept.append(step)
        elif step.step in (RetireStep.NOTIFY, RetireStep.CLEAR):
            notices.append(step)
        else:
            changes.append(step)
    changes.sort(key=lambda r: r.priority)
    deferred = [
        replace(
            change,
            step=RetireStep.KEEP,
            reason=f"due to {change.step} ({change.reason}), deferred: --max-roles "
            f"{max_roles} reached; a later run takes it",
            next=NextStep(change.step, plan.now.astimezone(UTC).date()),
        )
        for change in changes[max_roles:]
    ]
    return [
        *changes[:max_roles],
        *sorted(notices, key=lambda r: r.role_name),
        *deferred,
        *sorted(kept, key=lambda r: r.role_name),
    ]


def carry_out(
    mutator: RoleMutator,
    plan: Sequence[Retirement],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    backup_dir: Path | BackupStore | None,
    clock: Callable[[], datetime],
    force: bool = False,
    managed_policy_arn: str | None = None,
    references: ReferenceFinder | None = None,
    budget: Budget | None = None,
) -> Iterator[RetireResult]:
    """Make each planned change (only with ``apply``), isolating each role's failure.
    ``managed_policy_arn``: quarantine by attaching that managed deny (the deployed form).
    The delete step asks ``references`` again, as ``dormant delete`` does, and starts only
    if ``budget`` lets it finish."""
    for retirement in plan:
        if not apply or retirement.step is RetireStep.KEEP:
            yield RetireResult(retirement)
            continue
        yield RetireResult(
            retirement,
            _make(
                mutator,
                retirement,
                settings=settings,
                now=now,
                backup_dir=backup_dir,
                clock=clock,
                force=force,
                managed_policy_arn=managed_policy_arn,
                references=references,
                budget=budget,
            ),
        )


def _make(
    mutator: RoleMutator,
    retirement: Retirement,
    *,
    settings: Settings,
    now: datetime,
    backup_dir: Path | BackupStore | None,
    clock: Callable[[], datetime],
    force: bool,
    managed_policy_arn: str | None,
    references: ReferenceFinder | None = None,
    budget: Budget | None = None,
) -> Outcome:
    name, step = retirement.role_name, retirement.step
    targets = [Target(name)]
    try:
        if step in (RetireStep.NOTIFY, RetireStep.QUARANTINE) and backup_dir is not None:
            back_up_before_change(mutator, name, backup_dir, clock)
        if step is RetireStep.NOTIFY:
            return give_notice(mutator, name, settings=settings, now=now, clock=clock, force=force)
        if step is RetireStep.CLEAR:
            return clear_notice(mutator, name)
        if step is RetireStep.QUARANTINE:
            outcomes = quarantine(
                mutator,
                targets,
                settings=settings,
                now=now,
                apply=True,
                clock=clock,
                force=force,
                managed_policy_arn=managed_policy_arn,
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
                budget=budget,
            )
        return next(iter(outcomes))
    except DormantError as exc:
        return Outcome(name, Status.FAILED, str(exc))
