"""One run of the retire campaign over Identity Center's assignments: plan, tell, unassign.

The same order as ``dormant.campaign.run`` for roles: plan every (account, permission set)
pair (``dormant.assignments.retire``); find each changing pair's owner (the permission
set's owner tags, else ``default_owner``; a pair with neither stops the run with one line
before anything changes); for each owner, one message through every channel; only when
every channel delivered it are that owner's changes made, and the notices recorded
(``NoticeBook``, written after each owner). With notices only, due unassignments are kept,
and said to be. With a time budget, no owner's notice or changes start under its margin
(the loop over owners is the roles', ``dormant.campaign.owners``). A dry run sends nothing,
changes nothing and writes no notice. Pure over the writer, the store and ``Channel``: no
boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dormant.assignments.model import AssignmentFinding
from dormant.assignments.remediate.backup import TextStore
from dormant.assignments.remediate.notices import NoticeBook
from dormant.assignments.remediate.run import AssignmentWriter
from dormant.assignments.retire import (
    AssignmentRetirement,
    AssignmentRetireResult,
    carry_out_assignments,
    plan_assignment_retire,
)
from dormant.campaign.owners import by_owner, tell_then_change
from dormant.campaign.run import Campaign, Notice, tell_owner
from dormant.core.errors import InvalidParameter
from dormant.notify.message import MessageContext, NoticeItem
from dormant.remediation.budget import Budget
from dormant.remediation.notice import LifecycleStep
from dormant.remediation.outcome import Outcome, Status

__all__ = ["AssignmentCampaignReport", "run_assignment_campaign"]


@dataclass(frozen=True, slots=True)
class AssignmentCampaignReport:
    account_id: str  # where the campaign ran: the management or delegated administrator
    results: tuple[AssignmentRetireResult, ...]
    notices: tuple[Notice, ...] = ()

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.failed)

    def record(self) -> dict[str, object]:
        return {
            "kind": "retire",
            "account_id": self.account_id,
            "steps": [r.record() for r in self.results],
            "notices": [n.record() for n in self.notices],
        }


def _notices_only(item: AssignmentRetirement) -> AssignmentRetirement:
    if item.renewal:
        return replace(
            item,
            step=LifecycleStep.KEEP,
            reason=f"{item.reason}; notices only: told again when unassignments are on",
            next=None,
        )
    if item.step is not LifecycleStep.UNASSIGN:
        return item
    return replace(
        item,
        step=LifecycleStep.KEEP,
        reason=f"due to be unassigned ({item.reason}); notices only: nothing is unassigned",
        next=None,
    )


def _undelivered(item: AssignmentRetirement, message: str) -> AssignmentRetireResult:
    return AssignmentRetireResult(item, Outcome(item.name, Status.FAILED, message))


def run_assignment_campaign(
    *,
    account_id: str,
    findings: Sequence[AssignmentFinding],
    read_pair: Callable[[AssignmentFinding], AssignmentFinding],
    writer: AssignmentWriter,
    store: TextStore,
    now: datetime,
    campaign: Campaign,
    clock: Callable[[], datetime],
    exempt_tag_key: str = "dormant:exempt",
    caller_arn: str = "",
    budget: Budget | None = None,
) -> AssignmentCampaignReport:
    """Plan, tell each owner, then unassign the pairs of owners whose notice was delivered.

    ``campaign.notice_days`` must be at least 1 and ``campaign.channels`` not empty: an
    assignment is never removed without a notice."""
    if campaign.notice_days < 1 or not campaign.channels:
        raise InvalidParameter(
            "--notice-days",
            "assignments are only retired after a notice: give --notice-days N (1 or more) "
            "and at least one --notify",
        )
    book = NoticeBook.read(store)
    plan = plan_assignment_retire(
        findings,
        book,
        now=now,
        notice_days=campaign.notice_days,
        max_pairs=campaign.max_roles,
        caller_arn=caller_arn,
    )
    if campaign.notices_only:
        plan = [_notices_only(item) for item in plan]
    groups = by_owner(
        [item for item in plan if item.changes],
        campaign.default_owner,
        lambda item: f"permission set {item.permission_set_name}",
    )
    context = MessageContext(
        account_id=account_id,
        today=now.astimezone(UTC).date(),
        exempt_tag_key=exempt_tag_key,
        contact=campaign.contact,
        backup_location=store.location,
    )

    def tell(owner: str, items: Sequence[AssignmentRetirement]) -> Notice:
        resources = tuple(
            NoticeItem(
                "assignment",
                item.name,
                item.step,
                item.reason,
                item.next,
                backup=context.backup_location if item.step is LifecycleStep.UNASSIGN else None,
            )
            for item in items
        )
        return tell_owner(owner, resources, context, campaign, budget)

    def change(items: Sequence[AssignmentRetirement]) -> list[AssignmentRetireResult]:
        nonlocal book
        results, book = carry_out_assignments(
            items,
            book,
            read_pair=read_pair,
            writer=writer,
            store=store,
            now=now,
            notice_days=campaign.notice_days,
            apply=campaign.apply,
            clock=clock,
            caller_arn=caller_arn,
        )
        if campaign.apply:
            # Recorded only after delivery: a run stopped before this line gives the notice
            # again, and never unassigns on one that was not recorded.
            book.write(store)
        return results

    results, notices = tell_then_change(
        plan,
        groups,
        apply=campaign.apply,
        budget=budget,
        tell=tell,
        change=change,
        kept=AssignmentRetireResult,
        failed=_undelivered,
    )
    return AssignmentCampaignReport(
        account_id=account_id,
        results=tuple(results),
        notices=tuple(notices),
    )
