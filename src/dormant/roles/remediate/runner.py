"""Carry out quarantine, release and delete over a ``RoleMutator``, role by role (restore:
``dormant.roles.remediate.restore``).

For each role: read its live state, refuse what must not be touched, re-check with the one
decision engine (``dormant.roles.decide.evaluate_role``) that it is still unused, plan the calls,
and either report the plan (dry run, the default) or make them. A failed call undoes the
calls already made for that role, so a failure leaves the role as it was; one role's
failure never stops the others. Deletes happen only after the role's backup has been
written, read back and found equal to the live role, and its version recorded on the role
(``dormant:backup-version``); a role that already has a recorded backup is never backed up
again: its delete relies on that version (``dormant.roles.remediate.backup_record``), so a
delete that stopped part-way is finished from the complete backup. A delete starts only
when the run's time budget lets it finish. No boto3 here; ``now`` and the clock are
arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Set
from datetime import datetime
from pathlib import Path

from dormant.core.errors import DormantError, RoleDataError
from dormant.core.settings import Settings
from dormant.remediation.budget import Budget
from dormant.remediation.interface import Caller
from dormant.remediation.outcome import (
    Clock,
    Outcome,
    Status,
    each_target,
    execute_steps,
    missing_role,
    owned_by,
    utc_now,
)
from dormant.remediation.targets import Target
from dormant.roles.references import ReferenceFinder
from dormant.roles.remediate.backup import (
    TAG_BACKUP_VERSION,
    RoleBackup,
)
from dormant.roles.remediate.backup_record import Match, compare, record_version_step
from dormant.roles.remediate.backup_store import (
    BackupStore,
    LocalBackupStore,
    StoredBackup,
)
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.invariants import Promises, delete_refusal
from dormant.roles.remediate.plan import (
    delete_steps,
    quarantine_steps,
    release_steps,
)
from dormant.roles.remediate.recommendation import backup_of, unrecommend_steps
from dormant.roles.remediate.restriction import unrestrict_steps
from dormant.roles.remediate.state import RoleState, differences
from dormant.roles.remediate.status import (
    ALL_PARTS,
    ReleasePart,
    RoleStatus,
    lose_access_note,
    references_of,
    role_status,
)

__all__ = ["delete", "quarantine", "release"]


def _still_unused(status: RoleStatus) -> Outcome | None:
    """The freshness re-check: None if the role is still NON_COMPLIANT, else a skip."""
    if status.unused:
        return None
    finding = status.finding
    return Outcome(
        status.name,
        Status.SKIPPED,
        f"role {status.name} is no longer unused ({finding.compliance}: {finding.annotation})",
    )


def quarantine(
    mutator: RoleMutator,
    targets: Sequence[Target],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    clock: Clock = utc_now,
    force: bool = False,
    managed_policy_arn: str | None = None,
    references: ReferenceFinder | None = None,
) -> Iterator[Outcome]:
    """Deny each role every action and every older session; already quarantined: no change.

    ``force`` acts on roles managed elsewhere (CloudFormation, StackSets, Control Tower).
    ``managed_policy_arn`` attaches that managed deny instead of writing the inline one.
    A referenced role is quarantined all the same (it is reversible); the plan names what
    ``references`` says will lose access.
    """
    caller = mutator.caller()

    def act(target: Target) -> Outcome:
        name = target.role_name
        state = mutator.describe_role(name)
        if state is None:
            return missing_role(caller, name)
        found = references_of(references, state)
        status = role_status(
            state, settings=settings, now=now, caller_arn=caller.arn, force=force, references=found
        )
        refused = status.refusal or status.foreign_quarantine
        if refused is not None:
            return Outcome(name, Status.REFUSED, refused)
        if status.quarantined:
            return Outcome(name, Status.UNCHANGED, f"role {name} is already quarantined")
        skipped = _still_unused(status)
        if skipped is not None:
            return skipped
        steps = tuple(
            quarantine_steps(state, clock(), caller.arn, managed_policy_arn=managed_policy_arn)
        )
        owner = owned_by(status.finding.owner) + lose_access_note(status.references)
        if not apply:
            return Outcome(name, Status.PLANNED, f"would quarantine role {name}{owner}", steps)
        execute_steps(mutator, steps)
        return Outcome(name, Status.DONE, f"quarantined role {name}{owner}", steps)

    return each_target(targets, act, caller)


def release(
    mutator: RoleMutator,
    targets: Sequence[Target],
    *,
    apply: bool,
    clock: Clock = utc_now,
    only: Set[ReleasePart] = ALL_PARTS,
    backups: BackupReader | None = None,
) -> Iterator[Outcome]:
    """Remove the quarantine and restrict policies and tags (``only`` these parts); a role
    with none of them: no change. Each part is undone independently of the other.

    A restriction by AWS's recommendation is put back from the backup its tags name, read
    with ``backups`` (where, version): the earlier documents and attachments, and dormant's
    own policies deleted. Release gives access back, so neither the allow-list nor the
    caller's own role stops it.
    """
    caller = mutator.caller()
    parts = [part for part in ReleasePart if part in only]
    if not parts:
        raise ValueError("release needs at least one part to undo")
    which = "" if set(parts) == ALL_PARTS else f" ({parts[0].value} only)"
    nothing = " nor ".join(part.done_word for part in parts)
    plans = {ReleasePart.QUARANTINE: release_steps, ReleasePart.RESTRICTION: unrestrict_steps}

    def act(target: Target) -> Outcome:
        name = target.role_name
        state = mutator.describe_role(name)
        if state is None:
            return missing_role(caller, name)
        status = role_status(state, settings=Settings(), now=clock())
        refused = status.release_refusal(only)
        if refused is not None:
            return Outcome(name, Status.REFUSED, refused)
        steps = tuple(step for part in parts for step in plans[part](state))
        if ReleasePart.RESTRICTION in parts:
            earlier = _recommendation_backup(state, backups)
            if isinstance(earlier, Outcome):
                return earlier
            if earlier is not None:
                steps += tuple(unrecommend_steps(state, earlier))
        if not steps:
            neither = "neither " if len(parts) > 1 else "not "
            return Outcome(name, Status.UNCHANGED, f"role {name} is {neither}{nothing}")
        if not apply:
            return Outcome(name, Status.PLANNED, f"would release role {name}{which}", steps)
        execute_steps(mutator, steps)
        return Outcome(name, Status.DONE, f"released role {name}{which}", steps)

    return each_target(targets, act, caller)


# Reads one version of a backup: (where, version) -> the backup.
BackupReader = Callable[[str, str], RoleBackup]


def _recommendation_backup(
    state: RoleState, backups: BackupReader | None
) -> RoleState | Outcome | None:
    """The role's state before a recommendation was applied (None: none was), or why it
    cannot be put back."""
    held = backup_of(state)
    if held is None:
        return None
    name = state.name
    where, version = held
    if backups is None:
        return Outcome(name, Status.FAILED, f"role {name}: its backup {where} cannot be read here")
    try:
        backup = backups(where, version)
    except RoleDataError as exc:
        return Outcome(
            name, Status.FAILED, f"the backup of role {name} ({where}) cannot be read: {exc}"
        )
    if backup.state.role.role_id != state.role.role_id:
        return Outcome(
            name,
            Status.REFUSED,
            f"the backup {where} is of another role {name} (RoleId "
            f"{backup.state.role.role_id}, not {state.role.role_id}); nothing released",
        )
    return backup.state


def delete(
    mutator: RoleMutator,
    targets: Sequence[Target],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    backup_dir: Path | BackupStore,
    clock: Clock = utc_now,
    force: bool = False,
    references: ReferenceFinder | None = None,
    budget: Budget | None = None,
) -> Iterator[Outcome]:
    """Back up each role (to a folder or any ``BackupStore``), verify the backup against the
    live role, record its version on the role, then delete it; a role with a recorded
    backup is deleted from that one, never backed up again. A role that ``references``
    finds referenced is refused unless ``force``; the backup records what referenced it,
    for a restore to name. With ``budget``, a delete that could not finish in the time
    left is not started."""
    caller = mutator.caller()
    store = LocalBackupStore(backup_dir) if isinstance(backup_dir, Path) else backup_dir

    def act(target: Target) -> Outcome:
        name = target.role_name
        path = _ref(store, store.where(caller.account_id, name))
        state = mutator.describe_role(name)
        if state is None:
            return _already_deleted(caller, name, path, store)
        found = references_of(references, state)
        status = role_status(
            state, settings=settings, now=now, caller_arn=caller.arn, force=force, references=found
        )
        if status.refusal is not None:
            return Outcome(name, Status.REFUSED, status.refusal)
        skipped = _still_unused(status)
        if skipped is not None:
            return skipped
        if status.reference_refusal is not None:
            return Outcome(name, Status.REFUSED, status.reference_refusal)
        broken = delete_refusal(
            state, now=now, promises=Promises(settings, caller_arn=caller.arn), force=force
        )
        if broken is not None:
            return Outcome(name, Status.REFUSED, broken)
        steps = tuple(delete_steps(state))
        owner = owned_by(status.finding.owner)
        recorded = state.tag(TAG_BACKUP_VERSION)
        if not apply:
            backup_first = "" if recorded is not None else f"back up role {name} to {path}, then "
            return Outcome(
                name,
                Status.PLANNED,
                f"would {backup_first}delete role {name}{owner}",
                steps,
                path,
            )
        # Each call at its worst: the steps, and the backup's write, read-back, describe
        # and tag (or the recorded backup's read).
        calls = len(steps) + (1 if recorded is not None else 4)
        if budget is not None and not budget.allows_calls(calls):
            return Outcome(
                name,
                Status.SKIPPED,
                f"role {name}: not deleted in this run: its {calls} calls could take "
                f"{budget.needed_ms(calls) // 1000} s at worst and {budget.describe_left()} "
                "is left; the next run deletes it",
            )
        resumed = ""
        if recorded is not None:
            used = _recorded_backup(store, caller.account_id, state, recorded)
            if isinstance(used, Outcome):
                return used
            stored, match = used
            if match is Match.REDUCED:
                resumed = " (finishing a delete that had stopped part-way)"
        else:
            kept = () if found is None else found.references
            stored = store.write(RoleBackup(caller.account_id, clock(), state, kept))
            problem = _verify_backup(mutator, name, stored, store)
            if problem is not None:
                return Outcome(name, Status.FAILED, problem, (), _ref(store, stored.ref))
            try:
                execute_steps(mutator, [record_version_step(name, stored)])
            except DormantError as exc:
                return Outcome(name, Status.FAILED, f"{exc}; nothing deleted", (), stored.ref)
        written = _ref(store, stored.ref)
        try:
            execute_steps(mutator, steps)
        except DormantError as exc:
            return Outcome(name, Status.FAILED, f"{exc}; backup {stored.describe()}", (), written)
        return Outcome(
            name,
            Status.DONE,
            f"deleted role {name}{resumed}, backup {stored.describe()}{owner}",
            steps,
            written,
        )

    return each_target(targets, act, caller)


def _recorded_backup(
    store: BackupStore, account_id: str, state: RoleState, version: str
) -> tuple[StoredBackup, Match] | Outcome:
    """The role's recorded backup, if the live role is its state or that state with some
    policies and profiles taken off (a delete that stopped); else why it is not deleted."""
    name = state.name
    stored = StoredBackup(store.where(account_id, name), version)
    try:
        held = store.read(stored.where, version)
    except RoleDataError as exc:
        return Outcome(
            name,
            Status.FAILED,
            f"the recorded backup of role {name} ({stored.describe()}) cannot be read, "
            f"nothing deleted: {exc}",
        )
    found = compare(held.state, state)
    if found.match is Match.CHANGED:
        return Outcome(
            name,
            Status.REFUSED,
            f"role {name} differs from its recorded backup {stored.describe()} in "
            f"{', '.join(found.fields)}: it changed after dormant backed it up, so that backup "
            "could not restore it; not deleted (release it: its next lifecycle backs it up "
            "again)",
        )
    return stored, found.match


def _ref(store: BackupStore, where: str) -> Path | str:
    """A local backup is named by its Path (as outcomes always did), an object by its URL."""
    return Path(where) if isinstance(store, LocalBackupStore) else where


def _already_deleted(caller: Caller, name: str, path: Path | str, store: BackupStore) -> Outcome:
    if not store.exists(str(path)):
        return Outcome(
            name,
            Status.FAILED,
            f"role {name} does not exist in account {caller.account_id} "
            f"and there is no backup of it at {path}",
        )
    backup = store.read(str(path))
    if backup.state.name != name or backup.account_id != caller.account_id:
        return Outcome(
            name, Status.FAILED, f"role {name} does not exist, and {path} is not its backup", ()
        )
    return Outcome(
        name, Status.UNCHANGED, f"role {name} is already deleted, backup {path}", (), path
    )


def _verify_backup(
    mutator: RoleMutator, name: str, stored: StoredBackup, store: BackupStore
) -> str | None:
    """Read the written version back and compare it with the role as IAM has it right now."""
    path = stored.describe()
    try:
        readback = store.read(stored.where, stored.version)
    except RoleDataError as exc:
        return f"the backup of role {name} could not be read back, nothing deleted: {exc}"
    live = mutator.describe_role(name)
    if live is None:
        return f"role {name} vanished while it was being backed up, nothing deleted"
    changed = differences(readback.state, live)
    if changed:
        return (
            f"the backup {path} does not match role {name} as IAM has it now "
            f"({', '.join(changed)} differ), nothing deleted"
        )
    return None
