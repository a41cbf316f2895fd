"""Recreate deleted roles from their backups: ``restore``, one backup (a file, or one
version of an S3 object) at a time.

Refused: a backup of another account's role, a role that must never be changed, a role
that exists and differs from its backup. A restore says which stored version it read,
what it cannot give back (``aws:`` tags, policies elsewhere that named the old role) and,
for a backup taken at the delete, that the role comes back quarantined. Pure over
``RoleMutator``: no boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from dormant.core.errors import DormantError
from dormant.remediation.interface import Caller
from dormant.remediation.outcome import Outcome, Status, execute_steps
from dormant.roles.model import Reference
from dormant.roles.remediate.backup import (
    ORIGIN_AT_DELETE,
    RoleBackup,
    names_role,
    own_policies_naming,
    restorable,
)
from dormant.roles.remediate.backup_store import LocalBackupStore, StoredBackup, split_version
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.plan import is_quarantined, refusal, restore_steps
from dormant.roles.remediate.state import RoleState, differences
from dormant.roles.remediate.status import recheck_note
from dormant.roles.remediate.trust import unrestorable, without_refused_principals

__all__ = ["restore"]


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
    origin: str = ORIGIN_AT_DELETE,
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
    if origin == ORIGIN_AT_DELETE and is_quarantined(state):
        notes.append(
            "the backup was taken at its delete, after its quarantine: it comes back "
            "quarantined; release it to give its access back"
        )
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
    # Which stored version was read (restore names it: a bucket keeps every one).
    where = split_version(str(path))[0]
    shown = StoredBackup(where, backup.version).describe() if backup.version else where
    name = backup.state.name
    target, stripped = restorable(backup.state)
    if backup.account_id != caller.account_id:
        return Outcome(
            name,
            Status.REFUSED,
            f"backup {shown} is of a role in account {backup.account_id}, but the credentials "
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
                name, Status.UNCHANGED, f"role {name} exists and matches backup {shown}", (), path
            )
        return Outcome(
            name,
            Status.REFUSED,
            f"role {name} already exists and differs from backup {shown} in "
            f"{', '.join(changed)}; it was not changed",
            (),
            path,
        )
    # IAM refuses a trust policy naming a principal that no longer exists (the role itself,
    # a deleted role, a stale unique id): leave those out and say so, or refuse the restore.
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
    notes = left_out + _restore_notes(mutator, target, stripped, backup.references, backup.origin)
    if not apply:
        return Outcome(
            name, Status.PLANNED, f"would restore role {name} from {shown}{notes}", steps, path
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
            f"role {name} was recreated but differs from backup {shown} in {', '.join(changed)}",
            steps,
            path,
        )
    return Outcome(name, Status.DONE, f"restored role {name} from {shown}{notes}", steps, path)
