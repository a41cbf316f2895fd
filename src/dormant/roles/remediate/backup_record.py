"""A role's recorded backup: the one stored version a delete relies on, and how the live
role compares with it.

The retire campaign backs a role up before its first change to it (``record_first_backup``)
and tags the role ``dormant:backup-version`` with the stored version it verified. While
the role is not quarantined nothing dormant does takes anything off it, so a role its owner
changed since gets a new version then. From the quarantine on, the recorded version is the
one kept: a delete reads it, checks the live role against it (``compare``: dormant's own
tags and deny aside, the same role, or the same role with some of its policies and
instance profiles gone, as a delete that stopped part-way leaves it), and never writes
another. Pure over ``RoleMutator`` and ``BackupStore``: no boto3, no clock (``clock`` is an
argument).
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from dormant.core.clock import Clock
from dormant.core.errors import BackupError, RoleDataError
from dormant.remediation.notice import TAG_NOTICE_AT
from dormant.remediation.outcome import execute_steps
from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    TAG_QUARANTINED_AT,
    TAG_QUARANTINED_BY,
    is_quarantine_policy,
    is_quarantine_policy_arn,
)
from dormant.remediation.steps import Step
from dormant.roles.remediate.backup import (
    ORIGIN_BEFORE_FIRST_CHANGE,
    TAG_BACKUP_VERSION,
    RoleBackup,
)
from dormant.roles.remediate.backup_store import BackupStore, LocalBackupStore, StoredBackup
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.plan import denied_by_boundary, is_quarantined
from dormant.roles.remediate.state import RoleState, differences

__all__ = [
    "DORMANT_TAG_KEYS",
    "Comparison",
    "Match",
    "back_up_before_change",
    "compare",
    "record_first_backup",
    "record_version_step",
    "without_marks",
]

# The tags dormant itself puts on a role; a backup's comparison leaves them aside.
DORMANT_TAG_KEYS = frozenset(
    {TAG_NOTICE_AT, TAG_QUARANTINED_AT, TAG_QUARANTINED_BY, TAG_BACKUP_VERSION}
)


# IAM tag values: at most 256 of letters, digits, spaces and _.:/=+-@.
_TAG_VALUE = re.compile(r"[\w .:/=+\-@]{1,256}")


# What a delete takes off a role before DeleteRole; anything else differing is a change.
_STRIPPABLE = ("inline_policies", "attached_policy_arns", "instance_profiles")


def without_marks(state: RoleState) -> RoleState:
    """The role without what dormant put on it: its tags, its managed deny and its inline
    quarantine policy."""
    role = state.role
    inline = tuple(
        (name, document)
        for name, document in role.inline_policies
        if not (name == QUARANTINE_POLICY_NAME and is_quarantine_policy(document))
    )
    return replace(
        state,
        role=replace(
            role,
            tags=tuple((k, v) for k, v in role.tags if k not in DORMANT_TAG_KEYS),
            attached_policy_arns=tuple(
                a for a in role.attached_policy_arns if not is_quarantine_policy_arn(a)
            ),
            inline_policies=inline,
        ),
    )


class Match(enum.StrEnum):
    SAME = "same"  # the backup's role, dormant's marks aside
    REDUCED = "reduced"  # the same role with some policies or profiles gone (a delete's)
    CHANGED = "changed"  # anything else: not the state the backup holds


@dataclass(frozen=True, slots=True)
class Comparison:
    match: Match
    fields: tuple[str, ...] = ()


def _inline(state: RoleState) -> set[tuple[str, str]]:
    return {(n, json.dumps(d, sort_keys=True)) for n, d in state.role.inline_policies}


def _subset(backup: RoleState, live: RoleState) -> bool:
    b, lv = backup.role, live.role
    return (
        _inline(live) <= _inline(backup)
        and set(lv.attached_policy_arns) <= set(b.attached_policy_arns)
        and set(live.instance_profiles) <= set(backup.instance_profiles)
    )


def compare(backup: RoleState, live: RoleState) -> Comparison:
    """How the live role stands to its backup, dormant's marks aside on both."""
    if backup.role.role_id != live.role.role_id:
        return Comparison(Match.CHANGED, ("role_id",))
    # A delete that stopped after making dormant's deny the boundary: the role's own
    # boundary is the backup's (the delete set it over that one).
    bounded = (
        denied_by_boundary(live)
        and not denied_by_boundary(backup)
        and live.role.permissions_boundary_arn != backup.role.permissions_boundary_arn
    )
    if bounded:
        own = backup.role.permissions_boundary_arn
        live = replace(live, role=replace(live.role, permissions_boundary_arn=own))
    fields = tuple(differences(without_marks(backup), without_marks(live), ignore_identity=True))
    if not fields:
        if bounded:
            return Comparison(Match.REDUCED, ("permissions_boundary_arn",))
        return Comparison(Match.SAME)
    if set(fields) <= set(_STRIPPABLE) and _subset(without_marks(backup), without_marks(live)):
        bound = ("permissions_boundary_arn",) if bounded else ()
        return Comparison(Match.REDUCED, fields + bound)
    return Comparison(Match.CHANGED, fields)


def record_version_step(name: str, stored: StoredBackup) -> Step:
    """Tag the role with the verified version. No undo: once recorded, a record stays."""
    if not _TAG_VALUE.fullmatch(stored.version):
        raise BackupError(
            f"backup {stored.where}: its version id {stored.version[:80]!r} cannot be an IAM "
            "tag value, so it cannot be recorded on the role; nothing was changed"
        )
    tags = [{"Key": TAG_BACKUP_VERSION, "Value": stored.version}]
    return Step("TagRole", {"RoleName": name, "Tags": tags})


def record_first_backup(
    mutator: RoleMutator, store: BackupStore, state: RoleState, *, account_id: str, clock: Clock
) -> StoredBackup:
    """Before a change to a role that is not quarantined: its recorded backup, written (the
    role without dormant's marks), read back, checked against the live role and recorded
    on it, unless the recorded one already holds the role as it is."""
    name = state.name
    where = store.where(account_id, name)
    recorded = state.tag(TAG_BACKUP_VERSION)
    if recorded is not None:
        try:
            held = store.read(where, recorded)
        except RoleDataError:
            held = None  # unreadable: written again below (nothing was taken off the role)
        if held is not None and compare(held.state, state).match is Match.SAME:
            return StoredBackup(where, recorded)
    backup = RoleBackup(
        account_id, clock(), without_marks(state), origin=ORIGIN_BEFORE_FIRST_CHANGE
    )
    stored = store.write(backup)
    try:
        readback = store.read(stored.where, stored.version)
    except RoleDataError as exc:
        raise BackupError(f"the backup of role {name} could not be read back: {exc}") from None
    live = mutator.describe_role(name)
    if live is None:
        raise BackupError(f"role {name} vanished while it was being backed up")
    found = compare(readback.state, live)
    if found.match is not Match.SAME:
        raise BackupError(
            f"the backup {stored.describe()} does not match role {name} as IAM has it now "
            f"({', '.join(found.fields)} differ); nothing was changed"
        )
    execute_steps(mutator, [record_version_step(name, stored)])
    return stored


def back_up_before_change(
    mutator: RoleMutator, name: str, backups: Path | BackupStore, clock: Clock
) -> None:
    """Before the campaign's change to a role that is not quarantined: its recorded backup
    (``record_first_backup``). A quarantined role (by someone else, or before this) is
    backed up at its delete, as it is then."""
    state = mutator.describe_role(name)
    if state is None or is_quarantined(state):
        return
    store = LocalBackupStore(backups) if isinstance(backups, Path) else backups
    record_first_backup(mutator, store, state, account_id=mutator.caller().account_id, clock=clock)
