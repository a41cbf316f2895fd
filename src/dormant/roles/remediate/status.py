"""One role's remediation status, worked out once: its finding, its refusals, and what
dormant has done to it (quarantined, restricted, since when).

Quarantine, delete, release and retire all ask ``role_status`` instead of re-deriving the
same facts from the decision, the patterns and the tags. Pure: no boto3, no clock (``now``
is an argument).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, datetime

from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.core.time import parse_timestamp, whole_days
from dormant.remediation.notice import notice_day, used_since
from dormant.remediation.quarantine import TAG_QUARANTINED_AT
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Finding, Reason, Reference, Role, RoleReferences
from dormant.roles.references import ReferenceFinder, gap_text, reference_label
from dormant.roles.remediate.plan import (
    denied_by_boundary,
    foreign_quarantine_policy,
    is_quarantined,
    refusal,
)
from dormant.roles.remediate.restriction import (
    TAG_RESTRICTED_AT,
    foreign_restrict_policy,
    is_restricted,
)
from dormant.roles.remediate.state import RoleState

__all__ = [
    "ALL_PARTS",
    "ReleasePart",
    "RoleStatus",
    "for_references",
    "lose_access_note",
    "quarantined_at",
    "recheck_note",
    "references_of",
    "role_status",
]

_NAMED = 3  # references named in a refusal or a plan; the rest are counted


def _named(references: RoleReferences) -> str:
    labels = [reference_label(r) for r in references.references]
    more = f" and {len(labels) - _NAMED} more" if len(labels) > _NAMED else ""
    return ", ".join(labels[:_NAMED]) + more


def _reference_refusal(name: str, references: RoleReferences | None, force: bool) -> str | None:
    if references is None or force:
        return None
    if not references.references:
        return _gap_refusal(name, references)
    count = references.resources
    noun = "resource or policy" if count == 1 else "resources and policies"
    return (
        f"role {name} is referenced by {count} {noun}: {_named(references)}; "
        "delete them or repoint them to another role first, or give --force"
    )


def _gap_refusal(name: str, references: RoleReferences) -> str | None:
    """A place the sources could not look at may hold a reference: not "none found"."""
    gaps = references.not_covered
    if not gaps or references.gaps_accepted:
        return None
    return (
        f"role {name} may be referenced where the sources could not look "
        f"({len(gaps)} not covered: {gap_text(gaps)}); record those types in AWS Config "
        "there, or give --force (the retire stack: ForceUncovered=true)"
    )


def lose_access_note(references: RoleReferences | None) -> str:
    """`` ; these will lose access: ...`` for a quarantine plan, or ``""``."""
    if references is None or not references.references:
        return ""
    return f"; these will lose access: {_named(references)}"


def recheck_note(references: Sequence[Reference]) -> list[str]:
    """A restore's note on what referenced the role when it was deleted, to check again."""
    if not references:
        return []
    named = ", ".join(reference_label(r) for r in references)
    return [f"when it was deleted it was referenced by: {named}: check that they work again"]


def for_references(state: RoleState) -> Role:
    """The role as the sources need it: with its instance profiles (which map an EC2
    instance to it) even when the reader that described it left them out."""
    role = state.role
    if role.instance_profile_arns or not state.instance_profiles:
        return role
    head = role.arn.split(":role/", 1)[0]
    arns = tuple(f"{head}:instance-profile{p.path}{p.name}" for p in state.instance_profiles)
    return replace(role, instance_profile_arns=arns)


def references_of(finder: ReferenceFinder | None, state: RoleState) -> RoleReferences | None:
    """What ``finder`` says references the role (None without a finder)."""
    if finder is None:
        return None
    role = for_references(state)
    return finder.references([role]).get(role.arn, RoleReferences())


class ReleasePart(enum.StrEnum):
    """What ``release`` can take off a role, each independently of the other."""

    QUARANTINE = "quarantine"  # what quarantine added
    RESTRICTION = "restriction"  # what restrict added

    @property
    def done_word(self) -> str:
        return "quarantined" if self is ReleasePart.QUARANTINE else "restricted"


ALL_PARTS: frozenset[ReleasePart] = frozenset(ReleasePart)


def _tag_time(role: Role, key: str) -> datetime | None:
    for tag_key, value in role.tags:
        if tag_key == key:
            try:
                return parse_timestamp(value, what=key)
            except ValueError:
                return None
    return None


def quarantined_at(role: Role) -> datetime | None:
    """When quarantine tagged the role (``dormant:quarantined-at``), or None if unreadable."""
    return _tag_time(role, TAG_QUARANTINED_AT)


@dataclass(frozen=True, slots=True)
class RoleStatus:
    """What remediation knows about one role at one moment.

    ``refusal`` says why the role must not lose access (service-linked, AWS-reserved,
    managed elsewhere without ``force``, allow-listed, the caller's own role); ``untouchable``
    why nothing dormant added may be taken off it either (service-linked or AWS-reserved);
    ``release_refusal`` answers for the parts a release takes off.
    """

    state: RoleState
    finding: Finding
    refusal: str | None
    untouchable: str | None
    quarantined: bool
    quarantined_since: datetime | None
    foreign_quarantine: str | None
    restricted: bool
    restricted_since: datetime | None
    foreign_restriction: str | None
    noticed_on: date | None = None  # the retire lifecycle's notice (dormant:notice-at)
    # What references the role (None: not asked), and why that stops a delete (None: it
    # does not, or ``force``). Quarantine goes ahead regardless: it is reversible.
    references: RoleReferences | None = None
    reference_refusal: str | None = None

    def release_refusal(self, parts: Set[ReleasePart] = ALL_PARTS) -> str | None:
        """Why these parts may not be taken off: the role is untouchable, or a policy under
        the name of a part asked for is not the one dormant wrote (release would delete
        someone's policy). A foreign policy of a part not asked for is no obstacle."""
        foreign = {
            ReleasePart.QUARANTINE: self.foreign_quarantine,
            ReleasePart.RESTRICTION: self.foreign_restriction,
        }
        reasons = [foreign[part] for part in ReleasePart if part in parts]
        if ReleasePart.QUARANTINE in parts and denied_by_boundary(self.state):
            reasons.append(_part_deleted(self.state))
        return self.untouchable or next((r for r in reasons if r is not None), None)

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def held_by(self) -> str | None:
        """What keeps the role from being deleted, in an owner's words: the references
        found, else the places not covered; None when nothing holds it (or ``force``)."""
        references = self.references
        if self.reference_refusal is None or references is None:
            return None
        if references.references:
            return f"referenced by {_named(references)}"
        return f"not every place was looked at ({gap_text(references.not_covered)})"

    @property
    def unused(self) -> bool:
        """The freshness check: the one decision still finds the role NON_COMPLIANT."""
        return self.finding.compliance == Compliance.NON_COMPLIANT

    @property
    def spared(self) -> bool:
        """Compliant by the allow-list or an exemption that still counts."""
        return self.finding.reason in (Reason.ALLOW_LISTED, Reason.EXEMPT)

    @property
    def used_since_quarantine(self) -> bool:
        since, last_used = self.quarantined_since, self.state.role.last_used
        return since is not None and last_used is not None and last_used > since

    @property
    def used_since_notice(self) -> bool:
        noticed = self.noticed_on
        return noticed is not None and used_since(noticed, self.state.role.last_used)

    def days_quarantined(self, now: datetime) -> int | None:
        since = self.quarantined_since
        return None if since is None else whole_days(since, now)


def role_status(
    state: RoleState,
    *,
    settings: Settings,
    now: datetime,
    caller_arn: str = "",
    force: bool = False,
    references: RoleReferences | None = None,
) -> RoleStatus:
    """The role's finding (the rule's decision), refusals and remediation markers, and what
    references it (``references``, from a ``ReferenceFinder``: see ``references_of``)."""
    role = state.role
    quarantined = is_quarantined(state)
    return RoleStatus(
        state=state,
        finding=evaluate_role(role, settings, now),
        refusal=refusal(role, settings=settings, caller_arn=caller_arn, force=force),
        untouchable=refusal(role),
        quarantined=quarantined,
        quarantined_since=quarantined_at(role) if quarantined else None,
        foreign_quarantine=foreign_quarantine_policy(state),
        restricted=is_restricted(state),
        restricted_since=_tag_time(role, TAG_RESTRICTED_AT),
        foreign_restriction=foreign_restrict_policy(state),
        noticed_on=notice_day(role.tags),
        references=references,
        reference_refusal=_reference_refusal(role.name, references, force),
    )


def _part_deleted(state: RoleState) -> str:
    """A delete stopped after its last strip: the role holds none of its policies and its
    permissions boundary is dormant's deny. Releasing it would give back an empty role under
    a boundary that is not its own; its backup holds the role, boundary included."""
    return (
        f"role {state.name} is part-way through a delete (its permissions boundary is "
        f"dormant's deny {state.role.permissions_boundary_arn}, its policies are off): finish "
        "it with dormant delete, then dormant restore it from its backup, which holds its "
        "own boundary"
    )
