"""Retire unused Identity Center assignments: notice, then unassign; one step per pair per run.

``plan_assignment_retire`` decides one step per (account, permission set) pair from its
finding and the notices kept (``remediate.notices.NoticeBook``): a NON_COMPLIANT pair with no
notice gets ``notify`` (its owner is told; the book records the day); once ``notice_days``
whole UTC days have passed, on the day the notice announced, and still NON_COMPLIANT, it is
``unassign``ed: there is no quarantine, since removing an assignment is itself reversible
(``dormant restore`` of its backup). A notice whose announced day passed without the
unassignment (notices only, a failed run, the cap) is given again with a fresh period; a
pair used or exempted since its notice gets ``clear``. At most ``max_pairs`` pairs are
unassigned in a run; the rest wait for the next. A pair holding the caller's own access is
kept. ``carry_out_assignments`` re-reads and decides each pair just before its
unassignment and asks the promises (``remediate.invariants.unassign_refusal``), then
removes its assignments through ``dormant unassign``'s logic (verified backup first). One
pair's failure never stops the others. Pure over ``AssignmentWriter``: no boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from dormant.assignments.model import AssignmentFinding
from dormant.assignments.remediate.backup import TextStore
from dormant.assignments.remediate.invariants import caller_pair, unassign_refusal
from dormant.assignments.remediate.notices import NoticeBook
from dormant.assignments.remediate.run import AssignmentWriter, unassign
from dormant.core.errors import DormantError, RemediationRefused
from dormant.core.model import Compliance
from dormant.remediation.notice import (
    LifecycleStep,
    NextStep,
    notice_ends,
    notice_served,
    used_since,
)
from dormant.remediation.outcome import FAILED_STATUSES, Attempted, Outcome, Status

__all__ = [
    "AssignmentRetireResult",
    "AssignmentRetirement",
    "carry_out_assignments",
    "plan_assignment_retire",
]


# The run's cap counts pairs; every assignment of a pair is unused together, so all go.
_ALL_OF_A_PAIR = 1_000_000


@dataclass(frozen=True, slots=True)
class AssignmentRetirement:
    """One pair's step in the plan, why, and what comes next (and when)."""

    finding: AssignmentFinding
    step: LifecycleStep
    reason: str
    next: NextStep | None = None
    renewal: bool = False

    @property
    def account_id(self) -> str:
        return self.finding.account_id

    @property
    def permission_set_name(self) -> str:
        return self.finding.resource_name

    @property
    def name(self) -> str:
        return f"{self.permission_set_name} in {self.account_id}"

    @property
    def owner(self) -> str | None:
        return self.finding.owner

    @property
    def changes(self) -> bool:
        return self.step is not LifecycleStep.KEEP


@dataclass(frozen=True, slots=True)
class AssignmentRetireResult(Attempted):
    retirement: AssignmentRetirement
    outcome: Outcome | None = None

    def record(self) -> dict[str, object]:
        outcome, retirement = self.outcome, self.retirement
        return {
            "kind": "assignment",
            "account_id": retirement.account_id,
            "permission_set_name": retirement.permission_set_name,
            "principals": [p.label for p in retirement.finding.subject.principals],
            "step": str(retirement.step),
            "reason": retirement.reason,
            "next": None if retirement.next is None else retirement.next.record(),
            "owner": retirement.owner,
            "done": self.done,
            "status": None if outcome is None else str(outcome.status),
            "message": None if outcome is None else outcome.message,
            "backup": None if outcome is None or outcome.backup is None else str(outcome.backup),
        }


def _step_for(
    finding: AssignmentFinding, book: NoticeBook, now: datetime, notice_days: int, caller: str
) -> AssignmentRetirement | None:
    noticed = book.noticed_on(finding.account_id, finding.resource_name)
    role = finding.subject.role
    last_used = None if role is None else role.last_used
    today = now.astimezone(UTC).date()
    if finding.compliance is not Compliance.NON_COMPLIANT:
        if noticed is None:
            return None
        why = (
            f"used since the notice of {noticed}"
            if used_since(noticed, last_used)
            else f"now {finding.compliance.value} ({finding.annotation})"
        )
        return AssignmentRetirement(
            finding, LifecycleStep.CLEAR, f"{why}: kept, the notice is withdrawn"
        )
    if caller_pair(caller) == (finding.account_id, finding.resource_name):
        return AssignmentRetirement(
            finding, LifecycleStep.KEEP, "not unassigned: it holds the caller's own access"
        )
    following = NextStep(LifecycleStep.UNASSIGN, notice_ends(today, notice_days))
    if noticed is None or used_since(noticed, last_used):
        return AssignmentRetirement(finding, LifecycleStep.NOTIFY, finding.annotation, following)
    announced = notice_ends(noticed, notice_days)
    if not notice_served(noticed, now, notice_days):
        return AssignmentRetirement(
            finding,
            LifecycleStep.KEEP,
            f"notice given on {noticed}; unassigned on {announced} unless used or exempted",
            NextStep(LifecycleStep.UNASSIGN, announced),
        )
    if today > announced:
        return AssignmentRetirement(
            finding,
            LifecycleStep.NOTIFY,
            f"{finding.annotation}; the notice of {noticed} announced {announced}, which "
            "passed without the unassignment: told again",
            following,
            renewal=True,
        )
    return AssignmentRetirement(finding, LifecycleStep.UNASSIGN, finding.annotation)


def plan_assignment_retire(
    findings: Iterable[AssignmentFinding],
    book: NoticeBook,
    *,
    now: datetime,
    notice_days: int,
    max_pairs: int,
    caller_arn: str = "",
) -> list[AssignmentRetirement]:
    """One step per pair that needs attention; at most ``max_pairs`` unassignments (the
    longest unused first), the rest kept for a later run, which says so."""
    if notice_days < 1:
        raise RemediationRefused("assignments are never unassigned without a notice")
    due: list[AssignmentRetirement] = []
    others: list[AssignmentRetirement] = []
    for finding in findings:
        step = _step_for(finding, book, now, notice_days, caller_arn)
        if step is not None:
            (due if step.step is LifecycleStep.UNASSIGN else others).append(step)
    due.sort(key=lambda r: (-(r.finding.days_unused or 0), r.account_id, r.permission_set_name))
    today = now.astimezone(UTC).date()
    deferred = [
        replace(
            r,
            step=LifecycleStep.KEEP,
            reason=f"due to be unassigned ({r.reason}), deferred: --max-roles {max_pairs} "
            "reached; a later run takes it",
            next=NextStep(LifecycleStep.UNASSIGN, today),
        )
        for r in due[max_pairs:]
    ]
    others.sort(key=lambda r: (r.step is LifecycleStep.KEEP, r.account_id, r.permission_set_name))
    return [*due[:max_pairs], *others, *deferred]


def _one_outcome(name: str, outcomes: Sequence[Outcome]) -> Outcome:
    """The pair's outcome: done only when every assignment was removed."""
    failed = [o for o in outcomes if o.status in FAILED_STATUSES]
    status = (
        Status.FAILED
        if failed
        else (outcomes[0].status if len({o.status for o in outcomes}) == 1 else Status.FAILED)
    )
    backup = next((o.backup for o in outcomes if o.backup is not None), None)
    return Outcome(name, status, "; ".join(o.message for o in outcomes), backup=backup)


def carry_out_assignments(
    plan: Sequence[AssignmentRetirement],
    book: NoticeBook,
    *,
    read_pair: Callable[[AssignmentFinding], AssignmentFinding],
    writer: AssignmentWriter,
    store: TextStore,
    now: datetime,
    notice_days: int,
    apply: bool,
    clock: Callable[[], datetime],
    caller_arn: str = "",
) -> tuple[list[AssignmentRetireResult], NoticeBook]:
    """Make each planned change (only with ``apply``); the book as it is after them.

    ``read_pair`` reads one pair fresh and decides it (the re-check before a change)."""
    results: list[AssignmentRetireResult] = []
    for item in plan:
        if not apply or item.step is LifecycleStep.KEEP:
            results.append(AssignmentRetireResult(item))
            continue
        account, name = item.account_id, item.permission_set_name
        if item.step is LifecycleStep.NOTIFY:
            book = book.with_notice(account, name, clock().astimezone(UTC).date())
            outcome = Outcome(item.name, Status.DONE, f"gave notice on {item.name}")
        elif item.step is LifecycleStep.CLEAR:
            book = book.without(account, name)
            outcome = Outcome(item.name, Status.DONE, f"withdrew the notice on {item.name}")
        else:
            noticed = book.noticed_on(account, name)

            def checked(
                first: AssignmentFinding = item.finding, noticed: date | None = noticed
            ) -> AssignmentFinding:
                fresh = read_pair(first)
                refused = unassign_refusal(
                    fresh, noticed, now=now, notice_days=notice_days, caller_arn=caller_arn
                )
                if refused is not None:
                    raise RemediationRefused(f"{refused} (re-checked just now)")
                return fresh

            try:
                outcomes = unassign(
                    checked,
                    writer,
                    max_assignments=_ALL_OF_A_PAIR,
                    apply=True,
                    store=store,
                    clock=clock,
                )
                outcome = _one_outcome(item.name, outcomes)
            except RemediationRefused as exc:
                # Used, exempted or changed since the plan: spared, not a failure.
                outcome = Outcome(item.name, Status.SKIPPED, str(exc))
            except DormantError as exc:
                outcome = Outcome(item.name, Status.FAILED, str(exc))
            if outcome.status is Status.DONE:
                book = book.without(account, name)
        results.append(AssignmentRetireResult(item, outcome))
    return results, book
