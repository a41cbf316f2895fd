"""The retire campaign's promises, stated once, as predicates over what an account holds.

Each predicate takes observations (roles at two moments, notices delivered, backups stored)
and returns the ``Violation``s it finds, naming the role and why, never a bare bool: a
property test can say which promise broke and for whom. The promises:

- ``deleted_while_used``: no role is deleted that was used within the window before it;
- ``deleted_while_kept``: no role is deleted that is referenced, exempt or allow-listed
  (``evaluate_role``), managed elsewhere or the organization's (``core.managed``), or ours;
- ``quarantined_without_notice``: no role is quarantined without a notice delivered
  ``notice_days`` whole days before, not withdrawn by a use, its announced day not passed;
- ``touched_while_kept``: no role that another service or the organization manages, that
  the allow-list keeps, or that is dormant's own gets a notice, a quarantine or its deny;
- ``deleted_without_notice``: no role is deleted without a notice delivered since it was
  quarantined (one quarantined by someone else is told before it goes);
- ``lost_backups``: every deleted role has a backup equal to the role as its owner left it
  (dormant's own tags and deny aside), and the backup a restore reads is that one;
- ``left_without_deny``: no role dormant quarantined is without its deny (attached, or as
  its boundary) while it exists, a delete in progress included;
- ``changed_otherwise``: only dormant's markers, and what a delete in progress strips and
  bounds, change on a role that still exists.

``delete_refusal`` asks the same promises of one role before a delete (the runner's guard).
Pure: standard library and dormant's decision; no boto3, no clock (times are given). Must
never decide anything the predicates above do not state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from dormant.core.managed import management_of
from dormant.core.settings import Settings
from dormant.core.time import whole_days
from dormant.remediation.quarantine import TAG_QUARANTINED_AT
from dormant.remediation.steps import caller_role
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Reason
from dormant.roles.remediate.backup import RoleBackup
from dormant.roles.remediate.state import RoleState, comparable

__all__ = [
    "DORMANT_TAG_PREFIX",
    "DeliveredNotice",
    "Observation",
    "Promises",
    "Violation",
    "changed_otherwise",
    "delete_refusal",
    "deleted_while_kept",
    "deleted_while_used",
    "deleted_without_notice",
    "left_without_deny",
    "lost_backups",
    "owner_view",
    "quarantined_without_notice",
    "touched_while_kept",
]

# Every tag dormant writes starts so (notice, quarantine, restriction markers); the default
# exemption tag does too, but the owner writes that one.
DORMANT_TAG_PREFIX = "dormant:"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken promise: which (the predicate's name), for which role, and why."""

    promise: str
    role: str
    why: str

    def __str__(self) -> str:
        return f"{self.promise}: role {self.role}: {self.why}"


@dataclass(frozen=True, slots=True)
class Promises:
    """What the promises depend on: the rule's settings (window, allow-list, exemption tag),
    the notice period, dormant's deny, and the roles dormant runs as or deploys."""

    settings: Settings
    notice_days: int = 0
    deny_policy_arn: str = ""
    own_roles: frozenset[str] = frozenset()
    caller_arn: str = ""


@dataclass(frozen=True, slots=True)
class Observation:
    """The account's roles at one true moment, as an observer read them, and what
    references each (``references``: role name -> what holds it, as people read it)."""

    at: datetime
    roles: Mapping[str, RoleState]
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveredNotice:
    """A role named in a message that reached its owner at ``at``; ``quarantine_on``: the
    quarantine day it announced, when it announced one."""

    role: str
    at: datetime
    quarantine_on: date | None = None


def _deleted(before: Observation, after: Observation) -> list[str]:
    return sorted(name for name in before.roles if name not in after.roles)


def _has_deny(state: RoleState, promises: Promises) -> bool:
    deny, role = promises.deny_policy_arn, state.role  # attached, or a delete's boundary
    return deny in role.attached_policy_arns or role.permissions_boundary_arn == (deny or "-")


def _quarantined(state: RoleState, promises: Promises) -> bool:
    return _has_deny(state, promises) or state.tag(TAG_QUARANTINED_AT) is not None


def _marker(key: str, promises: Promises) -> bool:
    """A tag dormant writes (the exemption tag is the owner's, whatever its key)."""
    return key.startswith(DORMANT_TAG_PREFIX) and key != promises.settings.exempt_tag_key


def owner_view(state: RoleState, promises: Promises) -> dict[str, object]:
    """The role as its owner sees it: without what IAM assigns, dormant's tags or its deny."""
    role = state.role
    kept = replace(
        state,
        role=replace(
            role,
            tags=tuple((k, v) for k, v in role.tags if not _marker(k, promises)),
            attached_policy_arns=tuple(
                a for a in role.attached_policy_arns if a != promises.deny_policy_arn
            ),
        ),
    )
    return comparable(kept, ignore_identity=True)


def _used_within(state: RoleState, at: datetime, promises: Promises) -> str | None:
    last_used = state.role.last_used
    if last_used is None:
        return None
    days = whole_days(last_used, at)
    if days > promises.settings.max_days:
        return None
    return (
        f"used on {last_used.astimezone(UTC).date()}, {days} days before it was deleted "
        f"(the window is {promises.settings.max_days} days)"
    )


def deleted_while_used(
    before: Observation, after: Observation, promises: Promises
) -> list[Violation]:
    """Roles gone between the two observations that were used within the window."""
    found = []
    for name in _deleted(before, after):
        why = _used_within(before.roles[name], after.at, promises)
        if why is not None:
            found.append(Violation("deleted_while_used", name, why))
    return found


def _kept_because(
    state: RoleState, at: datetime, references: Sequence[str], promises: Promises
) -> list[str]:
    """Why the role must never be deleted (without ``--force``), each as a clause."""
    role = state.role
    reasons = []
    if references:
        reasons.append(f"referenced by {', '.join(references)}")
    finding = evaluate_role(role, promises.settings, at)
    if finding.reason in (Reason.EXEMPT, Reason.ALLOW_LISTED, Reason.SERVICE_LINKED):
        reasons.append(f"{finding.reason} ({finding.annotation})")
    management = management_of(role.name, role.path, role.tags)
    if management is not None:
        reasons.append(f"managed by {management.managed_by} ({management.hint})")
    own = caller_role(promises.caller_arn) if promises.caller_arn else None
    if role.name in promises.own_roles or (own is not None and own[1] == role.name):
        reasons.append("dormant's own role")
    return reasons


def deleted_while_kept(
    before: Observation, after: Observation, promises: Promises
) -> list[Violation]:
    """Roles gone that were referenced, exempt, allow-listed, managed elsewhere, the
    organization's or dormant's own."""
    found = []
    for name in _deleted(before, after):
        state = before.roles[name]
        for why in _kept_because(state, after.at, before.references.get(name, ()), promises):
            found.append(Violation("deleted_while_kept", name, why))
    return found


def _never_touched(state: RoleState, at: datetime, promises: Promises) -> list[str]:
    """Why dormant must not even mark this role: managed, allow-listed, its own (exempt
    roles may carry a notice given before the exemption)."""
    return [
        why
        for why in _kept_because(state, at, (), promises)
        if not why.startswith(str(Reason.EXEMPT))
    ]


def touched_while_kept(
    before: Observation, after: Observation, promises: Promises
) -> list[Violation]:
    """Roles managed elsewhere, the organization's, allow-listed or dormant's own that
    gained a dormant tag or the deny between the observations."""
    found = []
    for name, state in sorted(after.roles.items()):
        earlier = before.roles.get(name)
        if earlier is None:
            continue
        gained = sorted(
            {k for k, _ in state.role.tags if _marker(k, promises)}
            - {k for k, _ in earlier.role.tags if _marker(k, promises)}
        )
        if _has_deny(state, promises) and not _has_deny(earlier, promises):
            gained.append("the deny")
        if not gained:
            continue
        for why in _never_touched(earlier, after.at, promises):
            said = f"{', '.join(gained)} added, but {why}"
            found.append(Violation("touched_while_kept", name, said))
    return found


def _valid_notice(
    notices: Iterable[DeliveredNotice], state: RoleState, at: datetime, promises: Promises
) -> str | None:
    """None when a delivered notice allows quarantining the role at ``at``, else why not."""
    mine = sorted((n for n in notices if n.role == state.name and n.at <= at), key=lambda n: n.at)
    if not mine:
        return "no notice naming it was ever delivered"
    last = mine[-1]
    days = whole_days(last.at, at)
    if days < promises.notice_days:
        return (
            f"its last notice was delivered on {last.at.astimezone(UTC).date()}, {days} days "
            f"before, under the {promises.notice_days} days of notice"
        )
    last_used = state.role.last_used
    if last_used is not None and last_used > last.at:
        return (
            f"used on {last_used.astimezone(UTC).date()}, after its last notice of "
            f"{last.at.astimezone(UTC).date()}: that notice no longer holds"
        )
    today = at.astimezone(UTC).date()
    if last.quarantine_on is not None and today > last.quarantine_on:
        return (
            f"its last notice announced quarantine on {last.quarantine_on}, which passed; "
            f"quarantined on {today} without a fresh notice"
        )
    return None


def quarantined_without_notice(
    before: Observation,
    after: Observation,
    notices: Sequence[DeliveredNotice],
    promises: Promises,
) -> list[Violation]:
    """Roles quarantined between the observations without a notice that still holds."""
    found = []
    for name, state in after.roles.items():
        earlier = before.roles.get(name)
        if not _quarantined(state, promises):
            continue
        if earlier is not None and _quarantined(earlier, promises):
            continue
        why = _valid_notice(notices, earlier or state, after.at, promises)
        if why is not None:
            found.append(Violation("quarantined_without_notice", name, why))
    return found


def deleted_without_notice(
    history: Sequence[Observation], notices: Sequence[DeliveredNotice], promises: Promises
) -> list[Violation]:
    """Roles deleted at the last observation that no notice reached since their quarantine
    began (the first observation of the last unbroken run of quarantined ones)."""
    if len(history) < 2:
        return []
    before, after = history[-2], history[-1]
    found = []
    for name in _deleted(before, after):
        since = before.at
        for seen in reversed(history[:-1]):
            state = seen.roles.get(name)
            if state is None or not _quarantined(state, promises):
                break
            since = seen.at
        if not any(n.role == name and since <= n.at <= after.at for n in notices):
            day = since.astimezone(UTC).date()
            why = f"quarantined since {day} or earlier, deleted with no notice to its owner since"
            found.append(Violation("deleted_without_notice", name, why))
    return found


def lost_backups(
    deleted: Mapping[str, RoleState],
    versions: Mapping[str, Sequence[RoleBackup]],
    restored_from: Mapping[str, RoleBackup | None],
    promises: Promises,
) -> list[Violation]:
    """For each deleted role (as its owner left it), a backup version equal to it, and the
    one a restore reads (``restored_from``) equal to it too."""
    found = []
    for name, expected in sorted(deleted.items()):
        want = owner_view(expected, promises)
        kept = versions.get(name, ())
        if not any(owner_view(b.state, promises) == want for b in kept):
            why = f"none of its {len(kept)} backup versions equals the role as its owner left it"
            found.append(Violation("lost_backups", name, why))
            continue
        read = restored_from.get(name)
        if read is None:
            found.append(Violation("lost_backups", name, "restore finds no backup to read"))
            continue
        got = owner_view(read.state, promises)
        if got != want:
            differ = ", ".join(k for k in want if want[k] != got.get(k))
            why = f"restore reads a backup that differs from the role in {differ}"
            found.append(Violation("lost_backups", name, why))
    return found


def left_without_deny(
    before: Observation, after: Observation, promises: Promises
) -> list[Violation]:
    """Roles that still exist, quarantined by dormant (its tag, or its deny before), but
    without the deny now, attached or as the boundary: a delete stopped part-way."""
    found = []
    for name, state in sorted(after.roles.items()):
        if _has_deny(state, promises):
            continue
        earlier = before.roles.get(name)
        if state.tag(TAG_QUARANTINED_AT) is not None or (
            earlier is not None and _has_deny(earlier, promises)
        ):
            why = f"quarantined, but dormant's deny {promises.deny_policy_arn} is not on it"
            found.append(Violation("left_without_deny", name, f"{why}: its access is back"))
    return found


_DELETE_PARTS = frozenset({"inline_policies", "attached_policy_arns", "instance_profiles"})


def changed_otherwise(
    before: Observation, after: Observation, promises: Promises
) -> list[Violation]:
    """Changes to a role that still exists beyond dormant's tags and deny; a quarantined
    role may lose what a delete strips (its policies, its instance profiles) and nothing
    else. Roles that appear are changes too."""
    found = []
    for name, state in sorted(after.roles.items()):
        earlier = before.roles.get(name)
        if earlier is None:
            found.append(Violation("changed_otherwise", name, "a role appeared"))
            continue
        old, new = owner_view(earlier, promises), owner_view(state, promises)
        allowed = _DELETE_PARTS if _quarantined(state, promises) else frozenset()
        bounds = (earlier.role.permissions_boundary_arn, state.role.permissions_boundary_arn)
        if allowed and (promises.deny_policy_arn or "-") in bounds:  # the boundary step, undo
            allowed = allowed | {"permissions_boundary_arn"}
        changed = [key for key in old if old[key] != new[key] and key not in allowed]
        if changed:
            found.append(Violation("changed_otherwise", name, f"{', '.join(changed)} changed"))
    return found


def delete_refusal(
    state: RoleState,
    *,
    now: datetime,
    promises: Promises,
    references: Sequence[str] = (),
    force: bool = False,
) -> str | None:
    """Why deleting this role now would break a promise, or None: used within the window,
    or (unless ``force``) referenced, exempt, allow-listed, managed elsewhere, the
    organization's or dormant's own. The runner asks it before every delete."""
    used = _used_within(state, now, promises)
    if used is not None:
        return f"role {state.name} was {used}"
    if force:
        return None
    reasons = _kept_because(state, now, references, promises)
    if not reasons:
        return None
    return f"role {state.name} is never deleted: {'; '.join(reasons)}"
