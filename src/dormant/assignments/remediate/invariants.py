"""The assignments' retire promises, stated once, as the roles' are in theirs.

The roles' promises (``roles.remediate.invariants``) are predicates over IAM roles; an
assignment is no role (a kind never imports another kind), so its promises live
here, in the same form: each predicate names the pair and why, never a bare bool. The promises:

- ``unassigned_without_notice``: no (account, permission set) pair loses an assignment
  without a notice delivered to its owner at least ``notice_days`` whole days before, not
  withdrawn by a use since, whose announced day has not passed;
- ``unassigned_while_kept``: no pair is unassigned that was used within the window, exempt,
  allow-listed (by the one decision, ``evaluate_assignment``) or holds the caller's own
  access (the reserved role the caller signed in through);
- ``unassigned_without_backup``: every assignment removed is in a verified backup.

``unassign_refusal`` asks the same promises of one pair just before its unassignment (the
campaign's guard). Pure: standard library and the kind's decision only; no boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dormant.assignments.model import (
    RESERVED_ROLE_PATH_PREFIX,
    Assignment,
    AssignmentFinding,
    permission_set_name_of,
)
from dormant.core.model import Compliance
from dormant.remediation.notice import notice_ends, notice_served, used_since

__all__ = [
    "PairViolation",
    "caller_pair",
    "unassign_refusal",
    "unassigned_while_kept",
    "unassigned_without_backup",
    "unassigned_without_notice",
]


@dataclass(frozen=True, slots=True)
class PairViolation:
    """One broken promise: which, for which (account, permission set) pair, and why."""

    promise: str
    pair: str
    why: str

    def __str__(self) -> str:
        return f"{self.promise}: {self.pair}: {self.why}"


def caller_pair(caller_arn: str) -> tuple[str, str] | None:
    """(account, permission set name) of a caller signed in through Identity Center
    (``arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jdoe``),
    else None: removing that pair would take away the access of whoever runs dormant."""
    parts = caller_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("assumed-role/"):
        return None
    role = parts[5].split("/")[1] if parts[5].count("/") >= 1 else ""
    name = permission_set_name_of(role, RESERVED_ROLE_PATH_PREFIX)
    return None if name is None else (parts[4], name)


def _label(finding: AssignmentFinding) -> str:
    return f"permission set {finding.resource_name} in account {finding.account_id}"


def _kept_because(finding: AssignmentFinding, caller_arn: str) -> str | None:
    if finding.compliance is not Compliance.NON_COMPLIANT:
        return f"it is {finding.compliance.value} ({finding.reason}: {finding.annotation})"
    if caller_pair(caller_arn) == (finding.account_id, finding.resource_name):
        return "it holds the access of the caller running dormant"
    return None


def _notice_refusal(
    finding: AssignmentFinding, noticed_on: date | None, now: datetime, notice_days: int
) -> str | None:
    if noticed_on is None:
        return "no notice was delivered to its owner"
    if not notice_served(noticed_on, now, notice_days):
        return f"its notice of {noticed_on} is under the {notice_days} days of notice"
    announced = notice_ends(noticed_on, notice_days)
    if now.astimezone(UTC).date() > announced:
        return f"its notice of {noticed_on} announced {announced}, which passed: told again first"
    role = finding.subject.role
    if role is not None and used_since(noticed_on, role.last_used):
        return f"it was used since its notice of {noticed_on}"
    return None


def unassign_refusal(
    finding: AssignmentFinding,
    noticed_on: date | None,
    *,
    now: datetime,
    notice_days: int,
    caller_arn: str = "",
) -> str | None:
    """Why unassigning the pair now (``finding``: read and decided just now) would break a
    promise, or None. The campaign asks it before every unassignment."""
    why = _kept_because(finding, caller_arn) or _notice_refusal(
        finding, noticed_on, now, notice_days
    )
    return None if why is None else f"{_label(finding)} is not unassigned: {why}"


def unassigned_without_notice(
    removed: Iterable[AssignmentFinding],
    notices: Sequence[tuple[str, str, datetime]],
    *,
    at: datetime,
    notice_days: int,
) -> list[PairViolation]:
    """Pairs (as last read before their removal at ``at``) unassigned with no delivered
    notice (``notices``: account, permission set, delivered at) that still held."""
    found = []
    for finding in removed:
        mine = [
            when
            for account, name, when in notices
            if (account, name) == (finding.account_id, finding.resource_name) and when <= at
        ]
        day = max(mine).astimezone(UTC).date() if mine else None
        why = _notice_refusal(finding, day, at, notice_days)
        if why is not None:
            found.append(PairViolation("unassigned_without_notice", _label(finding), why))
    return found


def unassigned_while_kept(
    removed: Iterable[AssignmentFinding], *, caller_arn: str = ""
) -> list[PairViolation]:
    """Pairs unassigned that the decision kept (used, exempt, allow-listed) or the caller's."""
    found = []
    for finding in removed:
        why = _kept_because(finding, caller_arn)
        if why is not None:
            found.append(PairViolation("unassigned_while_kept", _label(finding), why))
    return found


def unassigned_without_backup(
    removed: Iterable[Assignment], backed_up: Iterable[Assignment]
) -> list[PairViolation]:
    """Assignments removed that no verified backup holds."""
    kept = set(backed_up)
    return [
        PairViolation(
            "unassigned_without_backup",
            f"permission set {a.permission_set_arn} in account {a.account_id}",
            f"{a.principal.label} was removed but is in no backup",
        )
        for a in removed
        if a not in kept
    ]
