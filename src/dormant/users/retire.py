"""Retire IAM users' unused credentials the way roles are retired: notice, grace, quarantine.

``plan_user_retire`` decides one step per user from the users already read (the credential
report joined with their tags): a NON_COMPLIANT user with no notice gets ``notify`` (the tag
``dormant:notice-at``; the campaign tells its owner); on the day the notice announced
(``notice_days`` whole days after the notice day, which counts as none) and still
NON_COMPLIANT, ``quarantine`` (the deny-all policy, its active keys deactivated, as
``dormant quarantine --user`` does); a notice whose day passed without a quarantine is given
again first, as for roles; a user used or exempted since its notice gets ``clear``. With
``notice_days`` 0 there is no notice step. Users are never deleted: a secret access key
cannot be restored. ``carry_out_users`` re-reads each user and decides it again before any
change; one user's failure never stops the others. Pure over ``UserMutator``: no boto3, no
clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dormant.core.errors import DormantError
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.remediation.notice import (
    TAG_NOTICE_AT,
    LifecycleStep,
    NextStep,
    notice_day,
    notice_ends,
    notice_served,
    notice_tag_value,
    used_since,
)
from dormant.remediation.outcome import Attempted, Outcome, Status, execute_steps
from dormant.remediation.quarantine import TAG_QUARANTINED_AT
from dormant.remediation.steps import Step
from dormant.users.decide import evaluate_user
from dormant.users.model import User
from dormant.users.remediate import UserMutator, UserTarget, quarantine_users

__all__ = ["UserRetireResult", "UserRetirement", "carry_out_users", "plan_user_retire"]


@dataclass(frozen=True, slots=True)
class UserRetirement:
    """One user's step in the plan, why, and what comes next (and when)."""

    user_name: str
    step: LifecycleStep
    reason: str
    next: NextStep | None = None
    owner: str | None = None
    arn: str = ""
    renewal: bool = False  # a notice given again: the earlier one's announced day passed

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def changes(self) -> bool:
        return self.step is not LifecycleStep.KEEP


@dataclass(frozen=True, slots=True)
class UserRetireResult(Attempted):
    retirement: UserRetirement
    outcome: Outcome | None = None

    def record(self) -> dict[str, object]:
        outcome, retirement = self.outcome, self.retirement
        return {
            "kind": "user",
            "user_name": retirement.user_name,
            "step": str(retirement.step),
            "reason": retirement.reason,
            "next": None if retirement.next is None else retirement.next.record(),
            "owner": retirement.owner,
            "done": self.done,
            "status": None if outcome is None else str(outcome.status),
            "message": None if outcome is None else outcome.message,
        }


def _last_used(user: User) -> datetime | None:
    uses = [c.last_used for c in user.credentials if c.last_used is not None]
    return max(uses) if uses else None


def _step_for(
    user: User, *, settings: Settings, now: datetime, notice_days: int, caller_arn: str
) -> UserRetirement | None:
    finding = evaluate_user(user, settings, now)
    name, noticed = user.name, notice_day(user.tags)
    today = now.astimezone(UTC).date()
    quarantined = any(k == TAG_QUARANTINED_AT for k, _ in user.tags)
    unused = finding.compliance == Compliance.NON_COMPLIANT
    step: UserRetirement | None
    if quarantined:
        step = UserRetirement(
            name,
            LifecycleStep.KEEP,
            "quarantined: users are never deleted; release it if it is needed",
        )
    elif not unused:
        if noticed is None:
            return None
        why = (
            f"used since the notice of {noticed}"
            if used_since(noticed, _last_used(user))
            else f"now compliant ({finding.annotation})"
        )
        step = UserRetirement(name, LifecycleStep.CLEAR, f"{why}: kept, the notice is withdrawn")
    elif caller_arn and caller_arn == user.arn:
        step = UserRetirement(
            name, LifecycleStep.KEEP, f"not quarantined: user {name} is the caller"
        )
    elif notice_days > 0 and (noticed is None or used_since(noticed, _last_used(user))):
        step = UserRetirement(
            name,
            LifecycleStep.NOTIFY,
            finding.annotation,
            NextStep(LifecycleStep.QUARANTINE, notice_ends(today, notice_days)),
        )
    elif notice_days > 0 and noticed is not None and not notice_served(noticed, now, notice_days):
        on = notice_ends(noticed, notice_days)
        step = UserRetirement(
            name,
            LifecycleStep.KEEP,
            f"notice given on {noticed}; quarantined on {on} unless used or exempted",
            NextStep(LifecycleStep.QUARANTINE, on),
        )
    elif notice_days > 0 and noticed is not None and today > notice_ends(noticed, notice_days):
        # As for roles: no quarantine under a notice whose announced day passed (notices
        # only, a failed run, the cap); the owner is told again first.
        step = UserRetirement(
            name,
            LifecycleStep.NOTIFY,
            f"{finding.annotation}; the notice of {noticed} announced a quarantine on "
            f"{notice_ends(noticed, notice_days)}, which passed without one: told again",
            NextStep(LifecycleStep.QUARANTINE, notice_ends(today, notice_days)),
            renewal=True,
        )
    else:
        step = UserRetirement(name, LifecycleStep.QUARANTINE, finding.annotation)
    return replace(step, owner=finding.owner, arn=user.arn)


def plan_user_retire(
    users: Iterable[User],
    *,
    settings: Settings,
    now: datetime,
    notice_days: int = 0,
    max_users: int = 10,
    caller_arn: str = "",
) -> list[UserRetirement]:
    """One step per user that needs attention (the root user never: it is signed in as
    root to fix); at most ``max_users`` quarantines, the rest deferred to a later run."""
    quarantines: list[UserRetirement] = []
    others: list[UserRetirement] = []
    for user in users:
        if user.is_root:
            continue
        step = _step_for(
            user, settings=settings, now=now, notice_days=notice_days, caller_arn=caller_arn
        )
        if step is not None:
            (quarantines if step.step is LifecycleStep.QUARANTINE else others).append(step)
    quarantines.sort(key=lambda r: r.user_name)
    deferred = [
        replace(
            q,
            step=LifecycleStep.KEEP,
            reason=f"due to quarantine ({q.reason}), deferred: --max-roles {max_users} "
            "reached; a later run takes it",
            next=NextStep(LifecycleStep.QUARANTINE, now.astimezone(UTC).date()),
        )
        for q in quarantines[max_users:]
    ]
    order = {LifecycleStep.NOTIFY: 0, LifecycleStep.CLEAR: 0, LifecycleStep.KEEP: 1}
    others.sort(key=lambda r: (order[r.step], r.user_name))
    return [*quarantines[:max_users], *others, *deferred]


def _notice(
    mutator: UserMutator, name: str, settings: Settings, now: datetime, moment: datetime
) -> Outcome:
    state = mutator.describe_user(name)
    if state is None:
        return Outcome(name, Status.FAILED, f"user {name} does not exist")
    finding = evaluate_user(state.as_user(), settings, now)
    if finding.compliance != Compliance.NON_COMPLIANT:
        return Outcome(
            name,
            Status.SKIPPED,
            f"user {name} is no longer unused ({finding.compliance}: {finding.annotation})",
        )
    value = notice_tag_value(moment)
    if state.tag(TAG_NOTICE_AT) == value:
        return Outcome(name, Status.UNCHANGED, f"user {name} already has today's notice")
    old = state.tag(TAG_NOTICE_AT)
    undo = (
        Step("UntagUser", {"UserName": name, "TagKeys": [TAG_NOTICE_AT]})
        if old is None
        else Step("TagUser", {"UserName": name, "Tags": [{"Key": TAG_NOTICE_AT, "Value": old}]})
    )
    tags = [{"Key": TAG_NOTICE_AT, "Value": value}]
    steps = (Step("TagUser", {"UserName": name, "Tags": tags}, undo=(undo,)),)
    execute_steps(mutator, steps)
    return Outcome(name, Status.DONE, f"gave notice on user {name}", steps)


def _clear(mutator: UserMutator, name: str) -> Outcome:
    state = mutator.describe_user(name)
    old = None if state is None else state.tag(TAG_NOTICE_AT)
    if old is None:
        return Outcome(name, Status.UNCHANGED, f"user {name} has no notice")
    undo = Step("TagUser", {"UserName": name, "Tags": [{"Key": TAG_NOTICE_AT, "Value": old}]})
    steps = (Step("UntagUser", {"UserName": name, "TagKeys": [TAG_NOTICE_AT]}, undo=(undo,)),)
    execute_steps(mutator, steps)
    return Outcome(name, Status.DONE, f"cleared the notice on user {name}", steps)


def carry_out_users(
    mutator: UserMutator,
    plan: Sequence[UserRetirement],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    clock: Callable[[], datetime],
) -> Iterator[UserRetireResult]:
    """Make each planned change (only with ``apply``), isolating each user's failure."""
    for retirement in plan:
        if not apply or retirement.step is LifecycleStep.KEEP:
            yield UserRetireResult(retirement)
            continue
        name = retirement.user_name
        try:
            if retirement.step is LifecycleStep.NOTIFY:
                outcome = _notice(mutator, name, settings, now, clock())
            elif retirement.step is LifecycleStep.CLEAR:
                outcome = _clear(mutator, name)
            else:
                targets = [UserTarget(name)]
                outcome = next(
                    iter(
                        quarantine_users(
                            mutator, targets, settings=settings, now=now, apply=True, clock=clock
                        )
                    )
                )
        except DormantError as exc:
            outcome = Outcome(name, Status.FAILED, str(exc))
        yield UserRetireResult(retirement, outcome)
