"""One run of the retire campaign in one account: plan, tell the owners, then change.

Order of a run: plan every role (``dormant.roles.remediate.retire``) and, when given, every
user (``dormant.users.retire``); find each changing resource's owner (its owner tag, else
``default_owner``; with channels, a resource with neither stops the run with one line before
anything changes); then for each owner, one message listing all of its resources that
change, sent through every channel; only when every channel delivered it are that owner's
changes made (the loop over owners, shared with Identity Center's assignments, is
``dormant.campaign.owners``). A failed delivery fails that owner's steps for this run
(nothing is quarantined without a delivered notice) and the other owners go on. With a time budget
(``dormant.remediation.budget``), no owner's notice or changes start under its margin (they
are kept for the next run, and said to be), a notice may take only the time above the
margin, and a delete starts only if it can finish. With a source (``AgreedRoles``: AWS's
findings joined with dormant's decision), a role is noticed, quarantined or deleted only
where both say unused; with an ``Archiver`` too, each role deleted has AWS's finding about
it archived afterwards (``dormant.remediation.archive``): an archive that fails is a
failure of its own and never undoes or hides the delete. A dry run sends nothing and
changes nothing. Pure over the mutators, ``Channel`` and ``Archiver``: no boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dormant.campaign.owners import by_owner, tell_then_change
from dormant.core.errors import DormantError, InvalidParameter
from dormant.core.settings import Settings
from dormant.notify.channel import Channel
from dormant.notify.message import MessageContext, NoticeItem, build_message
from dormant.remediation.archive import Archived, Archiver, ArchiveResult, archive_after
from dormant.remediation.budget import Budget
from dormant.remediation.notice import LifecycleStep
from dormant.remediation.outcome import Outcome, Status
from dormant.roles.agreement import AgreedRoles
from dormant.roles.model import Role
from dormant.roles.references import ReferenceFinder
from dormant.roles.remediate.backup_store import BackupStore
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.retire import Retirement, RetireResult, carry_out, plan_retire
from dormant.users.model import User
from dormant.users.remediate import UserMutator
from dormant.users.retire import (
    UserRetirement,
    UserRetireResult,
    carry_out_users,
    plan_user_retire,
)

__all__ = ["Campaign", "CampaignReport", "Notice", "run_campaign", "tell_owner"]

Item = Retirement | UserRetirement
Result = RetireResult | UserRetireResult


@dataclass(frozen=True, slots=True)
class Campaign:
    """How the campaign runs: its schedule, its limits, whom to tell and how."""

    notice_days: int = 0
    after_days: int = 30
    max_roles: int = 10
    default_owner: str | None = None
    contact: str | None = None
    force: bool = False
    apply: bool = False
    channels: tuple[Channel, ...] = ()
    # Quarantine by attaching this managed deny (the deployed stack's), not the inline one.
    managed_policy_arn: str | None = None
    # Notices only (the deployed stack's RetireMode Notify): quarantines and deletes that are
    # due are kept, and said to be; notices are given and withdrawn as with the whole lifecycle.
    notices_only: bool = False

    def check(self) -> None:
        if self.notice_days > 0 and not self.channels:
            raise InvalidParameter(
                "--notice-days",
                f"{self.notice_days} days of notice need at least one --notify "
                "(sns:TOPIC_ARN or webhook:URL) to tell the owners",
            )


@dataclass(frozen=True, slots=True)
class Notice:
    """One owner's message of this run, and whether every channel delivered it."""

    owner: str
    channels: tuple[str, ...]
    delivered: bool
    resources: tuple[NoticeItem, ...]
    error: str | None = None

    def record(self) -> dict[str, object]:
        return {
            "owner": self.owner,
            "channels": list(self.channels),
            "delivered": self.delivered,
            "error": self.error,
            "resources": [
                {
                    "kind": item.kind,
                    "name": item.name,
                    "step": str(item.step),
                    "next": None if item.next is None else item.next.record(),
                    "backup": item.backup,
                }
                for item in self.resources
            ],
        }


@dataclass(frozen=True, slots=True)
class CampaignReport:
    account_id: str
    roles: tuple[RetireResult, ...]
    users: tuple[UserRetireResult, ...] = ()
    notices: tuple[Notice, ...] = field(default=())
    # --archive: AWS's finding about each deleted role, archived or not (and why).
    archives: tuple[ArchiveResult, ...] = ()
    # --source: AWS's findings that could not be joined (a role deleted after AWS's
    # analysis), each naming its account; reported, never acted on.
    source_notes: tuple[str, ...] = ()
    # Whose findings ("access-analyzer"); None: dormant's own, and the JSON keeps its shape.
    source: str | None = None

    @property
    def results(self) -> tuple[Result, ...]:
        return (*self.roles, *self.users)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.failed) + sum(1 for a in self.archives if a.failed)

    def first_failure(self) -> str:
        """What the first failure says (a change's, else an archive's)."""
        for result in self.results:
            if result.failed:
                return result.outcome.message if result.outcome is not None else "failed"
        return next((a.line() for a in self.archives if a.failed), "")

    def record(self) -> dict[str, object]:
        record: dict[str, object] = {
            "kind": "retire",
            "account_id": self.account_id,
            "steps": [r.record() for r in self.results],
            "notices": [n.record() for n in self.notices],
        }
        if self.source is not None:
            record["source"] = self.source
            record["archives"] = [a.record() for a in self.archives]
            record["source_notes"] = list(self.source_notes)
        return record


def _kind(item: Item) -> str:
    return "role" if isinstance(item, Retirement) else "user"


def _name(item: Item) -> str:
    return item.role_name if isinstance(item, Retirement) else item.user_name


def _notice_item(item: Item, account_id: str, backups: BackupStore | None) -> NoticeItem:
    backup = held_by = None
    if isinstance(item, Retirement):
        held_by = item.held_by
        if backups is not None and held_by is None:
            backup = backups.where(account_id, item.role_name)
    return NoticeItem(_kind(item), _name(item), item.step, item.reason, item.next, backup, held_by)


def _undelivered(item: Item, message: str) -> Result:
    outcome = Outcome(_name(item), Status.FAILED, message)
    if isinstance(item, Retirement):
        return RetireResult(item, outcome)
    return UserRetireResult(item, outcome)


def run_campaign(
    *,
    account_id: str,
    roles: Sequence[Role],
    role_mutator: RoleMutator,
    settings: Settings,
    now: datetime,
    campaign: Campaign,
    backups: BackupStore | None,
    clock: Callable[[], datetime],
    caller_arn: str = "",
    users: Sequence[User] | None = None,
    user_mutator: UserMutator | None = None,
    user_settings: Settings | None = None,
    references: ReferenceFinder | None = None,
    budget: Budget | None = None,
    source: AgreedRoles | None = None,
    archiver: Archiver | None = None,
) -> CampaignReport:
    """Plan, tell each owner, then make the changes of owners whose notice was delivered.

    ``references`` says what references each role: a role due for deletion that something
    references is kept (unless ``campaign.force``), and the delete step asks again.
    ``budget``: the run's time left; ``source`` and ``archiver``: see the module's
    docstring."""
    campaign.check()
    role_plan = plan_retire(
        roles,
        settings=settings,
        now=now,
        after_days=campaign.after_days,
        max_roles=campaign.max_roles,
        caller_arn=caller_arn,
        can_delete=backups is not None,
        force=campaign.force,
        notice_days=campaign.notice_days,
        references=references,
        held_back=None if source is None else source.hold,
    )
    user_plan: list[UserRetirement] = []
    if users is not None:
        user_plan = plan_user_retire(
            users,
            settings=user_settings or settings,
            now=now,
            notice_days=campaign.notice_days,
            max_users=campaign.max_roles,
            caller_arn=caller_arn,
        )
    plan: list[Item] = [*role_plan, *user_plan]
    if campaign.notices_only:
        plan = [_notice_only(item) for item in plan]
    changes = [item for item in plan if item.changes]
    groups: dict[str, list[Item]] = {"": changes}
    if campaign.channels:
        groups = by_owner(changes, campaign.default_owner, lambda i: f"{_kind(i)} {_name(i)}")
    context = MessageContext(
        account_id=account_id,
        today=now.astimezone(UTC).date(),
        exempt_tag_key=settings.exempt_tag_key,
        contact=campaign.contact,
        backup_location=None if backups is None else backups.location,
    )

    def tell(owner: str, items: Sequence[Item]) -> Notice:
        resources = tuple(_notice_item(i, account_id, backups) for i in items)
        return tell_owner(owner, resources, context, campaign, budget)

    def change(items: Sequence[Item]) -> Iterator[Result]:
        yield from carry_out(
            role_mutator,
            [i for i in items if isinstance(i, Retirement)],
            settings=settings,
            now=now,
            apply=campaign.apply,
            backup_dir=backups,
            clock=clock,
            force=campaign.force,
            managed_policy_arn=campaign.managed_policy_arn,
            references=references,
            budget=budget,
        )
        user_items = [i for i in items if isinstance(i, UserRetirement)]
        if user_items and user_mutator is not None:
            yield from carry_out_users(
                user_mutator,
                user_items,
                settings=user_settings or settings,
                now=now,
                apply=campaign.apply,
                clock=clock,
            )

    results, notices = tell_then_change(
        plan,
        groups,
        apply=campaign.apply,
        budget=budget,
        tell=tell if campaign.channels else None,
        change=change,
        kept=_kept,
        failed=_undelivered,
    )
    role_results = tuple(r for r in results if isinstance(r, RetireResult))
    archives: list[ArchiveResult] = []
    if archiver is not None and source is not None:
        archives = archive_after(archiver, source.findings, _deleted(role_results, now))
    return CampaignReport(
        account_id=account_id,
        roles=role_results,
        users=tuple(r for r in results if isinstance(r, UserRetireResult)),
        notices=tuple(notices),
        archives=tuple(archives),
        source_notes=() if source is None else tuple(f.message for f in source.failures),
        source=None if source is None else source.source,
    )


def _deleted(results: Sequence[RetireResult], now: datetime) -> list[Archived]:
    """The roles this run deleted (only a delete that was made closes AWS's finding)."""
    return [
        Archived(
            r.retirement.arn,
            r.retirement.role_name,
            "deleted",
            now.astimezone(UTC).date(),
            None if r.outcome is None or r.outcome.backup is None else str(r.outcome.backup),
        )
        for r in results
        if r.done and r.retirement.step is LifecycleStep.DELETE
    ]


def _notice_only(item: Item) -> Item:
    if item.renewal:
        # Its announced day passed; the new notice waits for quarantines to be on, so that
        # the day it names is one that can come.
        return replace(
            item,
            step=LifecycleStep.KEEP,
            reason=f"{item.reason}; notices only: told again when quarantines are on",
            next=None,
        )
    if item.step not in (LifecycleStep.QUARANTINE, LifecycleStep.DELETE):
        return item
    return replace(
        item,
        step=LifecycleStep.KEEP,
        reason=f"due to {item.step} ({item.reason}); notices only: nothing is {item.step}d",
        next=None,
    )


def _kept(item: Item) -> Result:
    return RetireResult(item) if isinstance(item, Retirement) else UserRetireResult(item)


def tell_owner(
    owner: str,
    resources: tuple[NoticeItem, ...],
    context: MessageContext,
    campaign: Campaign,
    budget: Budget | None = None,
) -> Notice:
    """One owner's message through every channel (only with ``apply``); every kind's."""
    labels = tuple(channel.label for channel in campaign.channels)
    if not campaign.apply:
        return Notice(owner, labels, False, resources)
    message = build_message(owner, resources, context)
    errors: list[str] = []
    for channel in campaign.channels:
        try:
            channel.deliver(message, within=None if budget is None else budget.delivery_seconds())
        except DormantError as exc:
            errors.append(str(exc))
    if errors:
        why = f"the notice to {owner} was not delivered ({'; '.join(errors)})"
        return Notice(owner, labels, False, resources, why)
    return Notice(owner, labels, True, resources)
