"""The backup of the assignments ``dormant unassign`` removes: self-describing JSON, verified.

One document per run and (account, permission set): the instance, the identity store, the
account, the permission set's ARN and name, and each assignment's principal type and id with
the names people know them by. ``dormant restore`` re-creates exactly these. Backups are
written under a name that holds the capture time, so one never replaces another; each is
read back and compared before anything is removed. Pure: the object store (S3) is an
interface; a local folder is written atomically here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from dormant.assignments.model import Assignment
from dormant.assignments.records import assignment_from_record, assignment_record
from dormant.core.errors import BackupError, RoleDataError
from dormant.core.time import parse_timestamp

__all__ = [
    "BACKUP_FORMAT",
    "AssignmentsBackup",
    "LocalTextStore",
    "TextStore",
    "backup_from_text",
    "backup_name",
    "backup_text",
    "is_assignments_backup",
    "write_verified",
]

BACKUP_FORMAT = "dormant.assignments-backup"


BACKUP_VERSION = 1


_ABOUT = (
    "Account assignments of one permission set in one account, written by `dormant unassign` "
    "before removing them. Re-create them with `dormant restore FILE --apply`."
)


@dataclass(frozen=True, slots=True)
class AssignmentsBackup:
    captured_at: datetime
    identity_store_id: str
    permission_set_name: str
    assignments: tuple[Assignment, ...]

    @property
    def account_id(self) -> str:
        return self.assignments[0].account_id

    @property
    def instance_arn(self) -> str:
        return self.assignments[0].instance_arn

    @property
    def permission_set_arn(self) -> str:
        return self.assignments[0].permission_set_arn


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def backup_name(backup: AssignmentsBackup) -> str:
    """``111111111111-ReadOnly-20260315T120000Z.json``: never the name of an earlier one."""
    stamp = backup.captured_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{backup.account_id}-{backup.permission_set_name}-{stamp}.json"


def backup_text(backup: AssignmentsBackup) -> str:
    document = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "about": _ABOUT,
        "captured_at": _iso(backup.captured_at),
        "instance_arn": backup.instance_arn,
        "identity_store_id": backup.identity_store_id,
        "account_id": backup.account_id,
        "permission_set_arn": backup.permission_set_arn,
        "permission_set_name": backup.permission_set_name,
        "assignments": [assignment_record(a) for a in backup.assignments],
    }
    return json.dumps(document, indent=2) + "\n"


def is_assignments_backup(text: str) -> bool:
    """Whether a backup's text is this kind's (restore picks the kind from the file)."""
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, Mapping) and data.get("format") == BACKUP_FORMAT


def backup_from_text(text: str, *, source: str) -> AssignmentsBackup:
    """Read a backup; RoleDataError names the file and the field at fault."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RoleDataError(f"backup {source}: not valid JSON ({exc})") from None
    if not isinstance(data, Mapping) or data.get("format") != BACKUP_FORMAT:
        raise RoleDataError(f"backup {source}: not a {BACKUP_FORMAT} document")
    if data.get("version") != BACKUP_VERSION:
        raise RoleDataError(
            f"backup {source}: version {data.get('version')!r} is not one this dormant reads "
            f"({BACKUP_VERSION})"
        )
    try:
        instance = str(data["instance_arn"])
        records = data["assignments"]
        if not isinstance(records, list) or not records:
            raise RoleDataError(f"backup {source}: assignments is empty or not a list")
        assignments = tuple(
            assignment_from_record(
                {**record, "AccountId": data["account_id"]},
                instance_arn=instance,
                principals={},
                where=f"backup {source} assignments[{index}]",
            )
            for index, record in enumerate(records)
        )
        wanted = str(data["permission_set_arn"])
        if any(a.permission_set_arn != wanted for a in assignments):
            raise RoleDataError(f"backup {source}: an assignment names another permission set")
        return AssignmentsBackup(
            captured_at=parse_timestamp(data["captured_at"], what="captured_at"),
            identity_store_id=str(data["identity_store_id"]),
            permission_set_name=str(data["permission_set_name"]),
            assignments=assignments,
        )
    except KeyError as exc:
        raise RoleDataError(f"backup {source}: missing field {exc}") from None
    except ValueError as exc:
        raise RoleDataError(f"backup {source}: {exc}") from None


class TextStore(Protocol):
    """Text objects under one place: a folder here, a versioned S3 prefix in the adapter
    (``dormant.aws.s3.S3ObjectStore``, whose ``put_text`` reads back what it wrote)."""

    @property
    def location(self) -> str: ...

    def url(self, name: str) -> str: ...

    def put_text(self, name: str, text: str) -> None: ...

    def get_text(self, name: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class LocalTextStore:
    """Files in one folder, each written atomically (a temporary file, fsync, rename)."""

    directory: Path

    @property
    def location(self) -> str:
        return f"{self.directory}/"

    def url(self, name: str) -> str:
        return str(self.directory / name)

    def put_text(self, name: str, text: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.directory / name)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            raise BackupError(f"backup {self.url(name)}: {exc.strerror or exc}") from None

    def get_text(self, name: str) -> str | None:
        try:
            return (self.directory / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BackupError(f"backup {self.url(name)}: {exc.strerror or exc}") from None


def write_verified(store: TextStore, backup: AssignmentsBackup) -> str:
    """Write the backup, read it back and compare, before anything is removed; its URL."""
    name = backup_name(backup)
    text = backup_text(backup)
    if store.get_text(name) is not None:
        raise BackupError(f"backup {store.url(name)} already exists; nothing was changed")
    store.put_text(name, text)
    readback = store.get_text(name)
    if readback is None or backup_from_text(readback, source=store.url(name)) != backup:
        raise BackupError(f"backup {store.url(name)} reads back differently; nothing was changed")
    return store.url(name)
