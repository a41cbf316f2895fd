"""Carry out quarantine, release, delete and restore over a ``RoleMutator``, role by role.

For each role: read its live state, refuse what must not be touched, re-check with the one
decision engine (``dormant.roles.decide.evaluate_role``) that it is still unused, plan the calls,
and either report the plan (dry run, the default) or make them. A failed call undoes the
calls already made for that role, so a failure leaves the role as it was; one role's
failure never stops the others. Deletes happen only after the role's backup has been
written, read back and found equal to the live role. No boto3 here; ``now`` and the clock
are arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Set
from datetime import datetime
from pathlib import Path

from dormant.core.errors import DormantError, RoleDataError
from dormant.core.settings import Settings
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
from dormant.roles.model import Reference
from dormant.roles.references import ReferenceFinder
from dormant.roles.remediate.backup import RoleBackup, names_role, own_policies_naming, restorable
from dormant.roles.remediate.backup_store import BackupStore, LocalBackupStore
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.plan import (
    delete_steps,
    quarantine_steps,
    refusal,
    release_steps,
    restore_steps,
)
from dormant.roles.remediate.restriction import unrestrict_steps
from dormant.roles.remediate.state import RoleState, differences
from dormant.roles.remediate.status import (
    ALL_PARTS,
    ReleasePart,
    RoleStatus,
    lose_access_note,
    recheck_note,
    references_of,
    role_status,
)
from dormant.roles.remediate.trust import unrestorable, without_refused_principals

__all__ = ["delete", "quarantine", "release", "restore"]


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
) -> Iterator[Outcome]:
    """Remove the quarantine and restrict policies and tags (``only`` these parts); a role
    with none of them: no change. Each part is undone independently of the other.

    Release gives access back, so neither the allow-list nor the caller's own role stops it.
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
        if not steps:
            neither = "neither " if len(parts) > 1 else "not "
            return Outcome(name, Status.UNCHANGED, f"role {name} is {neither}{nothing}")
        if not apply:
            return Outcome(name, Status.PLANNED, f"would release role {name}{which}", steps)
        execute_steps(mutator, steps)
        return Outcome(name, Status.DONE, f"released role {name}{which}", steps)

    return each_target(targets, act, caller)


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
) -> Iterator[Outcome]:
    """Back up each role (to a folder or any ``BackupStore``), verify the backup against the
    live role, then delete it. A role that ``references`` finds referenced is refused unless
    ``force``; the backup records what referenced it, for a restore to name."""
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
        steps = tuple(delete_steps(state))
        owner = owned_by(status.finding.owner)
        if not apply:
            return Outcome(
                name,
                Status.PLANNED,
                f"would back up role {name} to {path}, then delete it{owner}",
                steps,
                path,
            )
        kept = () if found is None else found.references
        written = _ref(store, store.write(RoleBackup(caller.account_id, clock(), state, kept)))
        problem = _verify_backup(mutator, name, written, store)
        if problem is not None:
            return Outcome(name, Status.FAILED, problem, (), written)
        try:
            execute_steps(mutator, steps)
        except DormantError as exc:
            return Outcome(name, Status.FAILED, f"{exc}; backup {written}", (), written)
        return Outcome(
            name, Status.DONE, f"deleted role {name}, backup {written}{owner}", steps, written
        )

    return each_target(targets, act, caller)


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
    mutator: RoleMutator, name: str, path: Path | str, store: BackupStore
) -> str | None:
    """Read the written backup back and compare it with the role as IAM has it right now."""
    try:
        readback = store.read(str(path))
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


def _read_local(where: str) -> RoleBackup:
    return LocalBackupStore(Path(".")).read(where)


def restore(
    mutator: RoleMutator,
    paths: Sequence[Path | str],
    *,
    apply: bool,
    reader: Callable[[str], RoleBackup] = _read_local,
) -> Iterator[Outcome]:
    """Recreate each role from its backup (a file, or what ``reader`` reads, such as an
    ``s3://`` object); an existing equal role: no change."""
    caller = mutator.caller()
    for path in paths:
        try:
            yield _restore_one(mutator, caller, path, apply, reader)
        except DormantError as exc:
            yield Outcome(str(path), Status.FAILED, str(exc), (), path)


def _restore_notes(
    mutator: RoleMutator,
    state: RoleState,
    stripped: Sequence[str],
    backup_references: Sequence[Reference] = (),
) -> str:
    """What a restore cannot give back, as ``; ...`` clauses: the ``aws:`` tags IAM refuses,
    and the policies that named the old role, which the new RoleId does not satisfy."""
    role = state.role
    notes: list[str] = []
    if stripped:
        tags = ", ".join(stripped)
        notes.append(
            f"not restored: tag{'s' if len(stripped) > 1 else ''} {tags} (IAM refuses aws: tags)"
        )
    others = [
        other
        for other, trust in mutator.trust_policies()
        if other != role.name and names_role(trust, role)
    ]
    who = f"({role.arn} or {role.role_id})"
    if others:
        whose = (
            f"the trust policy of role {others[0]} names"
            if len(others) == 1
            else f"the trust policies of roles {', '.join(others)} name"
        )
        notes.append(f"cannot repair: {whose} the old role {who}; name the new one there again")
    own = own_policies_naming(state)
    if own:
        names = ", ".join(own)
        notes.append(f"cannot repair: {names} name the old role {who}; edit them after the restore")
    notes += recheck_note(backup_references)
    notes.append(
        f"resource policies outside IAM that named it now hold {role.role_id} and grant the "
        "new role nothing (bucket, key, queue policies): name it there again"
    )
    return "".join(f"; {note}" for note in notes)


def _restore_one(
    mutator: RoleMutator,
    caller: Caller,
    path: Path | str,
    apply: bool,
    reader: Callable[[str], RoleBackup],
) -> Outcome:
    backup = reader(str(path))
    name = backup.state.name
    target, stripped = restorable(backup.state)
    if backup.account_id != caller.account_id:
        return Outcome(
            name,
            Status.REFUSED,
            f"backup {path} is of a role in account {backup.account_id}, but the credentials "
            f"act in account {caller.account_id}",
            (),
            path,
        )
    refused = refusal(backup.state.role)
    if refused is not None:
        return Outcome(name, Status.REFUSED, refused, (), path)
    live = mutator.describe_role(name)
    if live is not None:
        changed = differences(target, live, ignore_identity=True)
        if not changed:
            return Outcome(
                name, Status.UNCHANGED, f"role {name} exists and matches backup {path}", (), path
            )
        return Outcome(
            name,
            Status.REFUSED,
            f"role {name} already exists and differs from backup {path} in "
            f"{', '.join(changed)}; it was not changed",
            (),
            path,
        )
    creatable, left_out = without_refused_principals(
        target, caller.account_id, lambda: {other for other, _ in mutator.trust_policies()}
    )
    if creatable is None:
        return Outcome(name, Status.REFUSED, unrestorable(name, left_out), (), path)
    target = creatable
    missing = [
        p for p in backup.state.instance_profiles if not mutator.instance_profile_exists(p.name)
    ]
    steps = tuple(restore_steps(target, missing))
    notes = left_out + _restore_notes(mutator, target, stripped, backup.references)
    if not apply:
        return Outcome(
            name, Status.PLANNED, f"would restore role {name} from {path}{notes}", steps, path
        )
    execute_steps(mutator, steps)
    restored = mutator.describe_role(name)
    if restored is None:
        return Outcome(
            name, Status.FAILED, f"role {name} is missing after its restore", steps, path
        )
    changed = differences(target, restored, ignore_identity=True)
    if changed:
        return Outcome(
            name,
            Status.FAILED,
            f"role {name} was recreated but differs from backup {path} in {', '.join(changed)}",
            steps,
            path,
        )
    return Outcome(name, Status.DONE, f"restored role {name} from {path}{notes}", steps, path)
