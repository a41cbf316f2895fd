"""``dormant unassign`` and ``dormant restore`` for assignments: refusals, backup, changes.

``unassign`` removes the assignments of one permission set in one account (or one
principal's) only when the one decision (``dormant.assignments.decide``) finds the pair
NON_COMPLIANT, both when the plan is made and again just before the first change, after a
verified backup of exactly what is removed. Refused: exempt, allow-listed, used within the
window (or new), no reserved role to judge by, a principal not assigned, more assignments
than ``max_assignments``. ``restore`` re-creates a backup's assignments and names every
principal or permission set that no longer exists. Each assignment is one ``Outcome``; one
failing does not stop the others. Pure: AWS is behind ``AssignmentWriter``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from dormant.assignments.model import (
    Assignment,
    AssignmentFinding,
    AssignmentReason,
    Principal,
)
from dormant.assignments.remediate.backup import AssignmentsBackup, TextStore, write_verified
from dormant.core.errors import DormantError, RemediationRefused
from dormant.core.model import Compliance
from dormant.remediation.outcome import Clock, Outcome, Status

__all__ = [
    "DEFAULT_MAX_ASSIGNMENTS",
    "AssignmentWriter",
    "restore_assignments",
    "select_assignments",
    "unassign",
]

DEFAULT_MAX_ASSIGNMENTS = 10


class AssignmentWriter(Protocol):
    """What unassign and restore change and check in Identity Center (the adapter polls
    each change's status until it has succeeded or failed, and raises if it failed)."""

    def delete(self, assignment: Assignment) -> None: ...

    def create(self, assignment: Assignment) -> None: ...

    def is_assigned(self, assignment: Assignment) -> bool: ...

    def principal_exists(self, identity_store_id: str, principal: Principal) -> bool: ...

    def permission_set_exists(self, instance_arn: str, permission_set_arn: str) -> bool: ...


_REFUSALS = {
    AssignmentReason.EXEMPT: "it is exempt",
    AssignmentReason.ALLOW_LISTED: "it is allow-listed",
    AssignmentReason.RECENTLY_USED: "it was used within the window",
    AssignmentReason.NEW: "it was provisioned within the window",
    AssignmentReason.NO_ROLE: "the account has no reserved role to judge its use by",
    AssignmentReason.AMBIGUOUS_ROLE: "more than one reserved role has its name",
    AssignmentReason.NO_ASSIGNMENT: "it has no assignment in the account",
    AssignmentReason.NO_PERMISSION_SET: "no permission set has its name",
}


def _pair(finding: AssignmentFinding) -> str:
    return f"permission set {finding.resource_name} in account {finding.account_id}"


def _refusal(finding: AssignmentFinding) -> str | None:
    if finding.compliance is Compliance.NON_COMPLIANT:
        return None
    why = _REFUSALS.get(finding.reason, f"it is {finding.compliance.value}")
    return f"{_pair(finding)} is kept: {why} ({finding.annotation})"


def select_assignments(
    finding: AssignmentFinding, principal: str | None, max_assignments: int
) -> tuple[Assignment, ...]:
    """The pair's assignments to remove: all, or the one principal named (by name or id)."""
    chosen = finding.subject.assignments
    if principal is not None:
        chosen = tuple(
            a for a in chosen if principal in (a.principal.name, a.principal.principal_id)
        )
        if not chosen:
            raise RemediationRefused(
                f"{_pair(finding)} is not assigned to {principal}; nothing was changed"
            )
    if len(chosen) > max_assignments:
        raise RemediationRefused(
            f"{_pair(finding)} has {len(chosen)} assignments, more than the limit of "
            f"{max_assignments} per run; nothing was changed. Raise it with "
            f"--max-assignments {len(chosen)} if this is intended"
        )
    return chosen


def _label(assignment: Assignment) -> str:
    p = assignment.principal
    return f"{p.label} [{p.principal_id}]"


def unassign(
    decide_now: Callable[[], AssignmentFinding],
    writer: AssignmentWriter,
    *,
    principal: str | None = None,
    max_assignments: int = DEFAULT_MAX_ASSIGNMENTS,
    apply: bool = False,
    store: TextStore | None = None,
    clock: Clock,
) -> list[Outcome]:
    """Plan (dry run) or remove the pair's unused assignments; see the module docstring.

    ``decide_now`` reads the pair fresh and decides it: called once to plan, and once more
    just before the first change."""
    finding = decide_now()
    refused = _refusal(finding)
    if refused is not None:
        return [Outcome(finding.resource_name, Status.REFUSED, refused)]
    chosen = select_assignments(finding, principal, max_assignments)
    if not apply:
        return [
            Outcome(
                finding.resource_name,
                Status.PLANNED,
                f"would remove {_label(a)} from {_pair(finding)}: {finding.annotation}",
            )
            for a in chosen
        ]
    if store is None:
        raise RemediationRefused("--apply needs --backup-dir: nothing is removed without a backup")
    store_id = finding.subject.identity_store_id
    backup = AssignmentsBackup(clock(), store_id, finding.resource_name, chosen)
    where = write_verified(store, backup)
    again = decide_now()
    refused = _refusal(again)
    if refused is not None:
        return [Outcome(again.resource_name, Status.SKIPPED, f"{refused}; re-checked just now")]
    outcomes: list[Outcome] = []
    for assignment in chosen:
        try:
            writer.delete(assignment)
        except DormantError as exc:
            outcomes.append(
                Outcome(finding.resource_name, Status.FAILED, f"{_label(assignment)}: {exc}")
            )
            continue
        outcomes.append(
            Outcome(
                finding.resource_name,
                Status.DONE,
                f"removed {_label(assignment)} from {_pair(finding)}",
                backup=where,
            )
        )
    return outcomes


def restore_assignments(
    backup: AssignmentsBackup, writer: AssignmentWriter, *, apply: bool, source: str
) -> list[Outcome]:
    """Re-create each assignment of the backup; name what no longer exists."""
    name = backup.permission_set_name
    pair = f"permission set {name} in account {backup.account_id}"
    if not writer.permission_set_exists(backup.instance_arn, backup.permission_set_arn):
        return [
            Outcome(
                name,
                Status.FAILED,
                f"{source}: permission set {name} ({backup.permission_set_arn}) no longer "
                f"exists: {_label(a)} cannot be given it back",
            )
            for a in backup.assignments
        ]
    outcomes: list[Outcome] = []
    for assignment in _in_order(backup.assignments):
        label = _label(assignment)
        if writer.is_assigned(assignment):
            outcomes.append(Outcome(name, Status.UNCHANGED, f"{label} already has {pair}"))
        elif not writer.principal_exists(backup.identity_store_id, assignment.principal):
            outcomes.append(
                Outcome(name, Status.FAILED, f"{label} no longer exists in the identity store")
            )
        elif not apply:
            outcomes.append(Outcome(name, Status.PLANNED, f"would give {label} {pair} again"))
        else:
            try:
                writer.create(assignment)
            except DormantError as exc:
                outcomes.append(Outcome(name, Status.FAILED, f"{label}: {exc}"))
                continue
            outcomes.append(Outcome(name, Status.DONE, f"gave {label} {pair} again"))
    return outcomes


def _in_order(assignments: Sequence[Assignment]) -> list[Assignment]:
    return sorted(assignments, key=lambda a: (a.principal.principal_type, a.principal.label))
