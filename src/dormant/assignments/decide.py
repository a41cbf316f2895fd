"""The decision: is this permission set unused in this account? Pure data in, a finding out.

The subject is the (account, permission set) pair: IAM keeps one reserved role per pair
and records its last use, not whose, so every assignment of the pair is used or unused
together. The first matching row decides, with the roles' whole UTC days (floor):

1. a reserved role matching no permission set provisioned -> NOT_APPLICABLE
2. an exemption tag on the permission set that still counts -> COMPLIANT
3. the permission set's name matches an allow-list pattern -> COMPLIANT
4. provisioned with no assignment in the account           -> NOT_APPLICABLE
5. more than one reserved role of the set's name           -> NOT_APPLICABLE (not guessed)
6. no reserved role of the set's name in the account       -> NOT_APPLICABLE
7. the role was used within the window                     -> COMPLIANT
8. the role was created (provisioned) within the window    -> COMPLIANT
9. otherwise (unused, or never used, for longer)           -> NON_COMPLIANT, naming the
   principals who would lose access: "Unused for 142 days by group Platform-Admins
   (12 members) and user jdoe"

As for the other kinds, a NON_COMPLIANT annotation ends with ``. Owner: <owner>.`` (the
permission set's owner tags) and a lapsed exemption is noted, each when it fits in 256
characters (``dormant.core.tags``).

Never import boto3, read the clock or the environment here: ``now`` is an argument.
``dormant assignments`` and ``dormant unassign``'s re-check just before a change both call
``evaluate_assignment``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from dormant.assignments.model import (
    RESERVED_ROLE_PREFIX,
    AccountPermissionSet,
    AssignmentFinding,
    AssignmentReason,
    Principal,
)
from dormant.core.evaluations import fit_annotation
from dormant.core.model import Compliance
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.core.tags import (
    ExemptionState,
    check_exemption,
    exempt_annotation,
    owner_of,
    with_tag_notes,
)
from dormant.core.time import created_within_window, last_used_on, whole_days

__all__ = [
    "ANNOTATION_NO_ASSIGNMENT",
    "evaluate_assignment",
    "evaluate_assignments",
    "principals_text",
]


ANNOTATION_NO_ASSIGNMENT = "Provisioned to the account with no assignment"


# Room left for the owner and exemption notes after the principals.
_PRINCIPALS_ROOM = 190


def principals_text(principals: Sequence[Principal], room: int = _PRINCIPALS_ROOM) -> str:
    """``group Admins (12 members) and user jdoe``; past ``room`` characters the rest are
    counted (``..., user a and 7 more``), so the annotation always fits."""
    labels = sorted((p.label for p in principals), key=lambda text: (text.split()[0], text))
    if not labels:
        return "no one"
    for shown in range(len(labels), 0, -1):
        head = labels[:shown]
        rest = len(labels) - shown
        tail = [f"{rest} more"] if rest else []
        parts = head + tail
        text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        if len(text) <= room or shown == 1:
            return text
    return labels[0]  # unreachable: the loop returns at shown == 1


def evaluate_assignment(
    subject: AccountPermissionSet, settings: Settings, now: datetime
) -> AssignmentFinding:
    """Decide one permission set in one account. See the module docstring for the table."""
    owner = owner_of(subject.tags, settings.owner_tag_keys)
    exemption = check_exemption(
        subject.tags, settings.exempt_tag_key, now, settings.max_exemption_days
    )
    role = subject.role
    days: int | None = None
    if role is not None:
        days = whole_days(role.last_used if role.last_used is not None else role.created, now)

    def finding(compliance: Compliance, reason: AssignmentReason, text: str) -> AssignmentFinding:
        noted = with_tag_notes(
            fit_annotation(text),
            non_compliant=compliance == Compliance.NON_COMPLIANT,
            exemption=exemption,
            owner=owner,
        )
        return AssignmentFinding(subject, compliance, reason, noted, days, owner)

    if subject.permission_set is None:
        role_name = role.name if role is not None else subject.permission_set_name
        return finding(
            Compliance.NOT_APPLICABLE,
            AssignmentReason.NO_PERMISSION_SET,
            f"Reserved role {role_name} matches no permission set provisioned to the account",
        )
    if exemption is not None and exemption.state is ExemptionState.ACTIVE:
        return finding(Compliance.COMPLIANT, AssignmentReason.EXEMPT, exempt_annotation(exemption))
    pattern = matching_pattern(subject.permission_set_name, settings.allow_patterns)
    if pattern is not None:
        return finding(
            Compliance.COMPLIANT,
            AssignmentReason.ALLOW_LISTED,
            f"Permission set matches allow-list pattern {pattern}",
        )
    if not subject.principals:
        return finding(
            Compliance.NOT_APPLICABLE, AssignmentReason.NO_ASSIGNMENT, ANNOTATION_NO_ASSIGNMENT
        )
    expected = f"{RESERVED_ROLE_PREFIX}{subject.permission_set_name}_*"
    if subject.role_matches > 1:
        return finding(
            Compliance.NOT_APPLICABLE,
            AssignmentReason.AMBIGUOUS_ROLE,
            f"{subject.role_matches} reserved roles match {expected}: not guessed",
        )
    if role is None or days is None:
        return finding(
            Compliance.NOT_APPLICABLE,
            AssignmentReason.NO_ROLE,
            f"Assigned, but the account has no reserved role {expected}",
        )
    if role.last_used is not None and days <= settings.max_days:
        return finding(
            Compliance.COMPLIANT,
            AssignmentReason.RECENTLY_USED,
            f"{last_used_on(role.last_used_region, role.last_used)} ({days} days ago)",
        )
    if whole_days(role.created, now) <= settings.max_days:
        return finding(
            Compliance.COMPLIANT,
            AssignmentReason.NEW,
            created_within_window(role.created, settings.max_days),
        )
    who = principals_text(subject.principals)
    if role.last_used is None:
        text = f"Never used in {days} days by {who}"
    else:
        text = f"Unused for {days} days by {who}"
    return finding(Compliance.NON_COMPLIANT, AssignmentReason.STALE, text)


def evaluate_assignments(
    subjects: Iterable[AccountPermissionSet], settings: Settings, now: datetime
) -> Iterator[AssignmentFinding]:
    """Decide a stream of (account, permission set) pairs lazily."""
    for subject in subjects:
        yield evaluate_assignment(subject, settings, now)
