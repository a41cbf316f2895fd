"""A role's retire notice: tag it ``dormant:notice-at`` (the UTC day), or take the tag off.

``give_notice`` re-reads the role and re-checks it with the one decision before tagging it,
as quarantine does: a role used since the plan was made is skipped. A role already
quarantined (outside the campaign) is tagged all the same: it is told before its delete.
``clear_notice`` removes the tag from a role used or exempted since its notice. Both plan
``Step`` values with their undo, so a dry run shows exactly what ``--apply`` does. Pure
over ``RoleMutator``.
"""

from __future__ import annotations

from datetime import datetime

from dormant.core.settings import Settings
from dormant.remediation.notice import TAG_NOTICE_AT, notice_tag_value
from dormant.remediation.outcome import Clock, Outcome, Status, execute_steps, missing_role
from dormant.remediation.steps import Step
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.state import RoleState
from dormant.roles.remediate.status import role_status

__all__ = ["clear_notice", "clear_notice_steps", "give_notice", "notice_steps"]


def _undo(state: RoleState) -> tuple[Step, ...]:
    old = state.tag(TAG_NOTICE_AT)
    if old is None:
        return (Step("UntagRole", {"RoleName": state.name, "TagKeys": [TAG_NOTICE_AT]}),)
    return (
        Step("TagRole", {"RoleName": state.name, "Tags": [{"Key": TAG_NOTICE_AT, "Value": old}]}),
    )


def notice_steps(state: RoleState, now: datetime) -> list[Step]:
    """Tag the notice day; nothing if the role already carries today's notice."""
    value = notice_tag_value(now)
    if state.tag(TAG_NOTICE_AT) == value:
        return []
    tags = [{"Key": TAG_NOTICE_AT, "Value": value}]
    return [Step("TagRole", {"RoleName": state.name, "Tags": tags}, undo=_undo(state))]


def clear_notice_steps(state: RoleState) -> list[Step]:
    """Remove the notice tag; nothing if there is none."""
    if state.tag(TAG_NOTICE_AT) is None:
        return []
    return [
        Step("UntagRole", {"RoleName": state.name, "TagKeys": [TAG_NOTICE_AT]}, undo=_undo(state))
    ]


def give_notice(
    mutator: RoleMutator,
    name: str,
    *,
    settings: Settings,
    now: datetime,
    clock: Clock,
    force: bool = False,
) -> Outcome:
    """Tag one role with its notice, after the same refusals and re-check as quarantine."""
    caller = mutator.caller()
    state = mutator.describe_role(name)
    if state is None:
        return missing_role(caller, name)
    status = role_status(state, settings=settings, now=now, caller_arn=caller.arn, force=force)
    refused = status.refusal or status.foreign_quarantine
    if refused is not None:
        return Outcome(name, Status.REFUSED, refused)
    # A quarantined role gets its notice too: one quarantined outside the campaign is told
    # before it is deleted.
    if not status.unused:
        finding = status.finding
        return Outcome(
            name,
            Status.SKIPPED,
            f"role {name} is no longer unused ({finding.compliance}: {finding.annotation})",
        )
    steps = tuple(notice_steps(state, clock()))
    if not steps:
        return Outcome(name, Status.UNCHANGED, f"role {name} already has today's notice")
    execute_steps(mutator, steps)
    return Outcome(name, Status.DONE, f"gave notice on role {name}", steps)


def clear_notice(mutator: RoleMutator, name: str) -> Outcome:
    """Take the notice tag off one role (used or exempted since its notice)."""
    caller = mutator.caller()
    state = mutator.describe_role(name)
    if state is None:
        return missing_role(caller, name)
    steps = tuple(clear_notice_steps(state))
    if not steps:
        return Outcome(name, Status.UNCHANGED, f"role {name} has no notice")
    execute_steps(mutator, steps)
    return Outcome(name, Status.DONE, f"cleared the notice on role {name}", steps)
