"""Where role backups live: a local folder or an object store (S3), behind one interface.

``BackupStore`` is what delete and restore need: where a role's backup goes (``where``),
writing it, reading it back (``read``), and whether one is there. ``LocalBackupStore`` is
the folder ``--backup-dir DIR`` names (atomic writes, older differing backups kept aside,
``dormant.roles.remediate.backup``). ``ObjectBackupStore`` writes the same JSON documents
into an ``ObjectStore``, the seam the S3 adapter (``dormant.aws.s3.S3ObjectStore``) fills:
there a versioned bucket keeps every older backup, so a write replaces the current object
and nothing is renamed. ``backup_store_for`` reads ``--backup-dir`` (``s3://BUCKET/PREFIX/``
or a folder). Pure: no boto3.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dormant.core.errors import InvalidParameter, RoleDataError
from dormant.roles.remediate.backup import (
    RoleBackup,
    backup_from_dict,
    backup_path,
    backup_to_dict,
    read_backup,
    write_backup,
)

__all__ = [
    "BackupStore",
    "LocalBackupStore",
    "ObjectBackupStore",
    "ObjectStore",
    "S3Location",
    "backup_store_for",
    "parse_s3_location",
]

# S3 bucket names: 3..63 of lowercase letters, digits, dots and hyphens.
_S3 = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/?(.*)")


class BackupStore(Protocol):
    @property
    def location(self) -> str:
        """Where the backups go, as people read it (``backups/``, ``s3://b/p/``)."""
        ...

    def where(self, account_id: str, role_name: str) -> str:
        """The backup of one role: a path or an ``s3://`` URL."""
        ...

    def write(self, backup: RoleBackup) -> str:
        """Write it (and check it was written whole); return ``where`` it went."""
        ...

    def read(self, where: str) -> RoleBackup:
        """Read one back; ``RoleDataError`` names it when it is missing or unreadable."""
        ...

    def exists(self, where: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class LocalBackupStore:
    """The backups in one folder, ``<dir>/<account>-<role>.json``."""

    directory: Path

    @property
    def location(self) -> str:
        return f"{self.directory}/"

    def where(self, account_id: str, role_name: str) -> str:
        return str(backup_path(self.directory, account_id, role_name))

    def write(self, backup: RoleBackup) -> str:
        return str(write_backup(self.directory, backup))

    def read(self, where: str) -> RoleBackup:
        return read_backup(Path(where))

    def exists(self, where: str) -> bool:
        return Path(where).exists()


class ObjectStore(Protocol):
    """Text objects under one prefix of a bucket; S3's adapter implements it."""

    @property
    def location(self) -> str: ...

    def url(self, name: str) -> str: ...

    def put_text(self, name: str, text: str) -> None:
        """Write the object (encrypted at rest) and read it back; raise BackupError if it
        could not be written or reads back differently."""
        ...

    def get_text(self, name: str) -> str | None:
        """The object's text, or None when there is no such object."""
        ...


@dataclass(frozen=True, slots=True)
class ObjectBackupStore:
    objects: ObjectStore

    @property
    def location(self) -> str:
        return self.objects.location

    def where(self, account_id: str, role_name: str) -> str:
        return self.objects.url(f"{account_id}-{role_name}.json")

    def _name(self, where: str) -> str:
        return where.rsplit("/", 1)[-1]

    def write(self, backup: RoleBackup) -> str:
        name = f"{backup.account_id}-{backup.state.name}.json"
        self.objects.put_text(name, json.dumps(backup_to_dict(backup), indent=2) + "\n")
        return self.objects.url(name)

    def read(self, where: str) -> RoleBackup:
        text = self.objects.get_text(self._name(where))
        if text is None:
            raise RoleDataError(f"backup {where}: there is no such object")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RoleDataError(f"backup {where}: not valid JSON ({exc})") from None
        return backup_from_dict(data, source=where)

    def exists(self, where: str) -> bool:
        return self.objects.get_text(self._name(where)) is not None


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ending in "/"


def parse_s3_location(value: str, name: str = "--backup-dir") -> S3Location:
    """``s3://BUCKET/PREFIX/`` (the prefix may be empty); one line naming ``name`` if not."""
    match = _S3.fullmatch(value)
    if match is None:
        raise InvalidParameter(name, f"{value} is not s3://BUCKET/PREFIX/")
    prefix = match.group(2)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return S3Location(match.group(1), prefix)


def backup_store_for(
    value: str | Path, s3: Callable[[S3Location], ObjectStore] | None = None
) -> BackupStore:
    """The store ``--backup-dir`` names: ``s3://...`` through ``s3``, else a folder."""
    text = str(value)
    if text.startswith("s3://"):
        if s3 is None:
            raise InvalidParameter("--backup-dir", "S3 backups need AWS credentials here")
        return ObjectBackupStore(s3(parse_s3_location(text)))
    return LocalBackupStore(Path(text))
