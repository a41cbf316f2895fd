"""The backup of one role: a versioned, self-describing JSON file, written atomically.

``dormant delete`` writes one file per role before deleting anything and reads it back to
check it against the live role; ``dormant restore`` recreates the role from it. The file
names its format and version, so a future dormant can read old backups or refuse them
clearly, and says when it was taken (``origin``): before dormant's first change to the role
(the retire campaign's), or at its delete, as it was then (a role someone quarantined
before dormant backed it up: the backup then holds that quarantine). This module never
talks to AWS and never deletes a backup: an older backup that differs from the one being
written is kept next to it under a dated name.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dormant.core.errors import BackupError, RoleDataError
from dormant.core.time import parse_timestamp
from dormant.roles.model import Reference, Role
from dormant.roles.remediate.state import InstanceProfileRef, RoleState, differences

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "ORIGIN_AT_DELETE",
    "ORIGIN_BEFORE_FIRST_CHANGE",
    "TAG_BACKUP_VERSION",
    "RoleBackup",
    "backup_from_dict",
    "backup_path",
    "backup_to_dict",
    "names_role",
    "own_policies_naming",
    "read_backup",
    "restorable",
    "write_backup",
]

BACKUP_FORMAT = "dormant.role-backup"


BACKUP_VERSION = 1


# On a role: the stored version of its backup that dormant verified (an S3 version id, or
# a local file's digest). A delete reads that version and never writes another one.
TAG_BACKUP_VERSION = "dormant:backup-version"


# ``origin``: when the backup was taken.
ORIGIN_BEFORE_FIRST_CHANGE = "before_first_change"
ORIGIN_AT_DELETE = "at_delete"
_ORIGINS = {
    ORIGIN_BEFORE_FIRST_CHANGE: "taken before dormant's first change to the role, without "
    "dormant's own tags and quarantine",
    ORIGIN_AT_DELETE: "taken at the role's first delete attempt, as it was then: changes "
    "made before (a quarantine by the SSM automation, the command line or an older "
    "dormant) are in it",
}


_ABOUT = (
    "Backup of one IAM role, written by `dormant delete` before deleting it. "
    "Recreate the role with `dormant restore FILE --apply`."
)


@dataclass(frozen=True, slots=True)
class RoleBackup:
    """One role's state, the account it lives in, and when it was captured."""

    account_id: str
    captured_at: datetime
    state: RoleState
    # What referenced the role when it was deleted (for restore to name); optional in files.
    references: tuple[Reference, ...] = ()
    # When it was taken (ORIGIN_*); files without it were written at a delete.
    origin: str = ORIGIN_AT_DELETE
    # The stored version it was read from (S3 version id, file digest); not in the file.
    version: str | None = field(default=None, compare=False)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def backup_to_dict(backup: RoleBackup) -> dict[str, Any]:
    role = backup.state.role
    last_used: dict[str, Any] | None = None
    if role.last_used is not None:
        last_used = {"date": _iso(role.last_used), "region": role.last_used_region}
    return {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "about": _ABOUT,
        "account_id": backup.account_id,
        "captured_at": _iso(backup.captured_at),
        "origin": backup.origin,
        "origin_note": _ORIGINS.get(backup.origin, ""),
        "role": {
            "path": role.path,
            "name": role.name,
            "arn": role.arn,
            "role_id": role.role_id,
            "create_date": _iso(role.created),
            "trust_policy": role.trust_policy,
            "description": role.description,
            "max_session_duration": backup.state.max_session_duration,
            "permissions_boundary_arn": role.permissions_boundary_arn,
            "tags": [{"key": k, "value": v} for k, v in role.tags],
            "inline_policies": [{"name": n, "document": d} for n, d in role.inline_policies],
            "attached_policy_arns": list(role.attached_policy_arns),
            "instance_profiles": [
                {"name": p.name, "path": p.path} for p in backup.state.instance_profiles
            ],
            "last_used": last_used,
        },
        "references": [_reference_dict(r) for r in backup.references],
    }


_REFERENCE_KEYS = ("type", "arn", "name", "account_id", "region", "via", "source", "state")


def _reference_dict(reference: Reference) -> dict[str, Any]:
    return {key: getattr(reference, key) for key in _REFERENCE_KEYS}


def _references(read: _Reader, data: Mapping[str, Any]) -> tuple[Reference, ...]:
    found: list[Reference] = []
    for i, item in enumerate(read.items(data, "references", "references")):
        where = f"references[{i}]"
        if not isinstance(item, Mapping):
            raise read.fail(where, "is not a JSON object")
        values = {
            key: read.text(item, key, f"{where}.{key}", optional=key in ("region", "state"))
            for key in _REFERENCE_KEYS
        }
        found.append(Reference(**values))
    return tuple(found)


class _Reader:
    """Typed field access that names the file and the field at fault."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str) -> RoleDataError:
        return RoleDataError(f"backup {self.source}: field {field} {problem}")

    def obj(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(where, "is missing or not a JSON object")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
        value = data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or (not optional and not value):
            raise self.fail(where, f"is missing or not a non-empty string: {value!r:.60}")
        return value

    def items(self, data: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(where, "is not a JSON list")
        return value

    def moment(self, data: Mapping[str, Any], key: str, where: str) -> datetime:
        try:
            return parse_timestamp(self.text(data, key, where), what=where)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None


def backup_from_dict(data: object, *, source: str) -> RoleBackup:
    """Parse and validate a backup document; RoleDataError names the file and field."""
    read = _Reader(source)
    if not isinstance(data, Mapping):
        raise RoleDataError(f"backup {source}: not a JSON object")
    if data.get("format") != BACKUP_FORMAT:
        raise read.fail("format", f"is {data.get('format')!r}, expected {BACKUP_FORMAT!r}")
    version = data.get("version")
    if version != BACKUP_VERSION:
        raise read.fail(
            "version", f"is {version!r}; this dormant reads version {BACKUP_VERSION} only"
        )
    account_id = read.text(data, "account_id", "account_id")
    captured_at = read.moment(data, "captured_at", "captured_at")
    origin = data.get("origin", ORIGIN_AT_DELETE)
    if origin not in _ORIGINS:
        raise read.fail("origin", f"is {origin!r:.40}, expected one of {', '.join(_ORIGINS)}")
    r = read.obj(data, "role", "role")
    trust = r.get("trust_policy")
    if not isinstance(trust, Mapping):
        raise read.fail("role.trust_policy", "is missing or not a JSON object")
    max_session = r.get("max_session_duration")
    if isinstance(max_session, bool) or not isinstance(max_session, int):
        raise read.fail("role.max_session_duration", f"is not a whole number: {max_session!r}")
    tags: list[tuple[str, str]] = []
    for i, tag in enumerate(read.items(r, "tags", "role.tags")):
        where = f"role.tags[{i}]"
        if not isinstance(tag, Mapping):
            raise read.fail(where, "is not a JSON object")
        tags.append((read.text(tag, "key", where + ".key"), str(tag.get("value") or "")))
    inline: list[tuple[str, dict[str, Any]]] = []
    for i, policy in enumerate(read.items(r, "inline_policies", "role.inline_policies")):
        where = f"role.inline_policies[{i}]"
        if not isinstance(policy, Mapping):
            raise read.fail(where, "is not a JSON object")
        document = read.obj(policy, "document", where + ".document")
        inline.append((read.text(policy, "name", where + ".name"), dict(document)))
    attached = []
    for i, arn in enumerate(read.items(r, "attached_policy_arns", "role.attached_policy_arns")):
        if not isinstance(arn, str) or not arn.startswith("arn:"):
            raise read.fail(f"role.attached_policy_arns[{i}]", f"is not an ARN: {arn!r:.60}")
        attached.append(arn)
    profiles = []
    for i, profile in enumerate(read.items(r, "instance_profiles", "role.instance_profiles")):
        where = f"role.instance_profiles[{i}]"
        if not isinstance(profile, Mapping):
            raise read.fail(where, "is not a JSON object")
        profiles.append(
            InstanceProfileRef(
                name=read.text(profile, "name", where + ".name"),
                path=read.text(profile, "path", where + ".path"),
            )
        )
    last_used_date: datetime | None = None
    last_used_region: str | None = None
    last_used = r.get("last_used")
    if last_used is not None:
        if not isinstance(last_used, Mapping):
            raise read.fail("role.last_used", "is not a JSON object or null")
        last_used_date = read.moment(last_used, "date", "role.last_used.date")
        last_used_region = read.text(last_used, "region", "role.last_used.region", optional=True)
    arn = read.text(r, "arn", "role.arn")
    role = Role(
        role_id=read.text(r, "role_id", "role.role_id"),
        name=read.text(r, "name", "role.name"),
        path=read.text(r, "path", "role.path"),
        arn=arn,
        created=read.moment(r, "create_date", "role.create_date"),
        last_used=last_used_date,
        last_used_region=last_used_region,
        trust_policy=dict(trust),
        inline_policies=tuple(inline),
        attached_policy_arns=tuple(attached),
        tags=tuple(tags),
        description=read.text(r, "description", "role.description", optional=True),
        permissions_boundary_arn=read.text(
            r, "permissions_boundary_arn", "role.permissions_boundary_arn", optional=True
        ),
        account_id=account_id,
    )
    arn_parts = arn.split(":")
    if len(arn_parts) < 6 or arn_parts[4] != account_id:
        raise read.fail("role.arn", f"{arn} is not in account {account_id}")
    return RoleBackup(
        account_id=account_id,
        captured_at=captured_at,
        state=RoleState(
            role=role, max_session_duration=max_session, instance_profiles=tuple(profiles)
        ),
        references=_references(read, data),
        origin=origin,
    )


def backup_path(directory: Path, account_id: str, role_name: str) -> Path:
    """``<dir>/<account>-<role name>.json``; IAM role names are safe file names."""
    return directory / f"{account_id}-{role_name}.json"


def read_backup(path: Path) -> RoleBackup:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoleDataError(f"backup {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RoleDataError(f"backup {path}: not valid JSON ({exc})") from None
    return backup_from_dict(data, source=str(path))


def _keep_aside(path: Path, new: RoleBackup) -> None:
    """An existing backup that differs from ``new`` is renamed, never overwritten."""
    try:
        old: RoleBackup | None = read_backup(path)
    except RoleDataError:
        old = None
    if old is not None and not differences(old.state, new.state):
        return
    stamp = old.captured_at.strftime("%Y%m%dT%H%M%SZ") if old is not None else "unreadable"
    for counter in range(1000):
        suffix = f".{stamp}" if counter == 0 else f".{stamp}-{counter}"
        aside = path.with_name(f"{path.stem}{suffix}{path.suffix}")
        if not aside.exists():
            os.replace(path, aside)
            return
    raise BackupError(f"backup {path}: too many older backups next to it")


def write_backup(directory: Path, backup: RoleBackup) -> Path:
    """Write the backup atomically (temp file, fsync, rename) and return its path."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(
            f"backup directory {directory}: cannot be created ({exc.strerror or exc})"
        ) from None
    path = backup_path(directory, backup.account_id, backup.state.name)
    text = json.dumps(backup_to_dict(backup), indent=2, sort_keys=False) + "\n"
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            _keep_aside(path, backup)
        os.replace(temp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise BackupError(f"backup {path}: cannot be written ({exc.strerror or exc})") from None
    return path


# IAM reserves tag keys starting with "aws:" (CloudFormation's stack tags...) and refuses
# them on CreateRole and TagRole.
AWS_TAG_PREFIX = "aws:"


def restorable(state: RoleState) -> tuple[RoleState, tuple[str, ...]]:
    """The state a restore can recreate, and the tag keys it must leave out (``aws:``)."""
    role = state.role
    stripped = tuple(k for k, _ in role.tags if k.lower().startswith(AWS_TAG_PREFIX))
    if not stripped:
        return state, ()
    kept = tuple((k, v) for k, v in role.tags if k not in stripped)
    return replace(state, role=replace(role, tags=kept)), stripped


def names_role(document: object, role: Role) -> bool:
    """The policy names the role: by its ARN, or by its RoleId (how IAM shows a principal
    whose role was deleted)."""
    text = json.dumps(document)
    return any(f'"{name}"' in text for name in (role.arn, role.role_id) if name)


def own_policies_naming(state: RoleState) -> list[str]:
    """The role's own policies (in its backup) that name the role itself."""
    role = state.role
    found = ["its own trust policy"] if names_role(role.trust_policy, role) else []
    found += [
        f"inline policy {name}" for name, doc in role.inline_policies if names_role(doc, role)
    ]
    return found
