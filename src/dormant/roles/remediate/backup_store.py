"""Where role backups live: a local folder or an object store (S3), behind one interface.

``BackupStore`` is what delete and restore need: where a role's backup goes (``where``),
writing it (which returns the stored version: S3's version id, or a local file's digest),
reading one version back (``read``; the current one when none is named), and whether one
is there. ``StoredBackup.ref`` is how a person names one version to ``dormant restore``:
``s3://BUCKET/PREFIX/NAME.json?versionId=V``, or a file's path. ``LocalBackupStore`` is
the folder ``--backup-dir DIR`` names (atomic writes, older differing backups kept aside,
``dormant.roles.remediate.backup``). ``ObjectBackupStore`` writes the same JSON documents
into an ``ObjectStore``, the seam the S3 adapter (``dormant.aws.s3.S3ObjectStore``) fills:
there a versioned bucket keeps every older backup, so a write replaces the current object
and nothing is renamed. ``backup_store_for`` reads ``--backup-dir`` (``s3://BUCKET/PREFIX/``
or a folder). Pure: no boto3.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    "StoredBackup",
    "backup_store_for",
    "parse_s3_location",
    "split_version",
]

# S3 bucket names: 3..63 of lowercase letters, digits, dots and hyphens.
_S3 = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/?(.*)")


_VERSION_QUERY = "?versionId="


@dataclass(frozen=True, slots=True)
class StoredBackup:
    """One written backup: where it is, and which stored version it is."""

    where: str
    version: str

    @property
    def ref(self) -> str:
        """What ``dormant restore`` takes to read exactly this version."""
        if self.where.startswith("s3://"):
            return f"{self.where}{_VERSION_QUERY}{self.version}"
        return self.where

    def describe(self) -> str:
        """How a message names it: an object with its version id; a file by its path (its
        older copies sit beside it under dated names)."""
        if self.where.startswith("s3://"):
            return f"{self.where} version {self.version}"
        return self.where


def split_version(ref: str) -> tuple[str, str | None]:
    """``s3://b/p/n.json?versionId=V`` -> (``s3://b/p/n.json``, ``V``); else (ref, None)."""
    where, found, version = ref.partition(_VERSION_QUERY)
    return (where, version) if found and version else (ref, None)


def _digest(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()[:32]


class BackupStore(Protocol):
    @property
    def location(self) -> str:
        """Where the backups go, as people read it (``backups/``, ``s3://b/p/``)."""
        ...

    def where(self, account_id: str, role_name: str) -> str:
        """The backup of one role: a path or an ``s3://`` URL."""
        ...

    def write(self, backup: RoleBackup) -> StoredBackup:
        """Write it (and check it was written whole); return where it went, which version."""
        ...

    def read(self, where: str, version: str | None = None) -> RoleBackup:
        """Read one version back (None: the current one, or the one ``where`` names with
        ``?versionId=``), with ``version`` set to the one read; ``RoleDataError`` names it
        when it is missing or unreadable."""
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

    def write(self, backup: RoleBackup) -> StoredBackup:
        path = write_backup(self.directory, backup)
        return StoredBackup(str(path), _digest(path.read_bytes()))

    def read(self, where: str, version: str | None = None) -> RoleBackup:
        """The file at ``where``, or with ``version`` the one of it and its older copies
        kept beside it (``NAME.<time>.json``) whose digest is that version."""
        path = Path(where)
        candidates = [path]
        if version is not None:
            candidates += sorted(path.parent.glob(f"{path.stem}.*{path.suffix}"))
        for candidate in candidates:
            try:
                digest = _digest(candidate.read_bytes())
            except OSError:
                continue
            if version is None or digest == version:
                return replace(read_backup(candidate), version=digest)
        if version is None:
            return read_backup(path)  # raises, naming the file and why
        raise RoleDataError(f"backup {where}: no copy of it is version {version}")

    def exists(self, where: str) -> bool:
        return Path(where).exists()


class ObjectStore(Protocol):
    """Text objects under one prefix of a bucket; S3's adapter implements it."""

    @property
    def location(self) -> str: ...

    def url(self, name: str) -> str: ...

    def put_version(self, name: str, text: str) -> str:
        """Write the object (encrypted at rest) and read that version back; return its
        version id. Raise BackupError if it could not be written, reads back differently,
        or was given no version id."""
        ...

    def get_version(self, name: str, version: str | None = None) -> tuple[str, str] | None:
        """One version of the object (None: the current one): its text and version id, or
        None when there is no such object."""
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

    def write(self, backup: RoleBackup) -> StoredBackup:
        name = f"{backup.account_id}-{backup.state.name}.json"
        version = self.objects.put_version(
            name, json.dumps(backup_to_dict(backup), indent=2) + "\n"
        )
        return StoredBackup(self.objects.url(name), version)

    def read(self, where: str, version: str | None = None) -> RoleBackup:
        where, named = split_version(where)
        version = version or named
        shown = where if version is None else f"{where} version {version}"
        found = self.objects.get_version(self._name(where), version)
        if found is None:
            raise RoleDataError(f"backup {shown}: there is no such object")
        text, read_version = found
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RoleDataError(f"backup {shown}: not valid JSON ({exc})") from None
        return replace(backup_from_dict(data, source=shown), version=read_version)

    def exists(self, where: str) -> bool:
        return self.objects.get_version(self._name(split_version(where)[0])) is not None


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
