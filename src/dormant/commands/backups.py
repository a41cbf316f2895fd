"""``--backup-dir`` and ``dormant restore``'s arguments: a folder, or ``s3://BUCKET/PREFIX/``.

An S3 location opens ``dormant.aws.s3.S3ObjectStore`` on the command's session and checks,
before anything is changed, that the bucket keeps versions (one line if it does not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dormant.roles.remediate.backup import RoleBackup
from dormant.roles.remediate.backup_store import (
    BackupStore,
    LocalBackupStore,
    ObjectBackupStore,
    S3Location,
    backup_store_for,
    parse_s3_location,
    split_version,
)

__all__ = ["open_backups", "read_any_backup", "read_backup_version"]


def _s3(session: Any) -> Any:
    from dormant.aws.s3 import S3ObjectStore
    from dormant.aws.session import client_config

    def open_location(location: S3Location) -> S3ObjectStore:
        store = S3ObjectStore(
            session.client("s3", config=client_config()), location.bucket, location.prefix
        )
        store.check_versioning()
        return store

    return open_location


def open_backups(value: str | Path | None, session: Any) -> BackupStore | None:
    """The store ``--backup-dir`` names (None when not given), checked before use."""
    if value is None:
        return None
    return backup_store_for(value, _s3(session))


def read_any_backup(session: Any) -> Any:
    """A reader for ``dormant restore``: files, and ``s3://BUCKET/PREFIX/NAME.json`` objects
    (``?versionId=V`` reads that version; without it, the current one, and says which)."""

    def read(where: str) -> RoleBackup:
        if where.startswith("s3://"):
            folder = split_version(where)[0].rsplit("/", 1)[0] + "/"
            location = parse_s3_location(folder, "BACKUP")
            return ObjectBackupStore(_s3(session)(location)).read(where)
        return LocalBackupStore(Path(where).parent).read(where)

    return read


def read_backup_version(session: Any) -> Any:
    """A reader for ``dormant release``: one version of the backup a role's tags name (an S3
    version id, or a local file's digest, found among its older copies too)."""

    def read(where: str, version: str) -> RoleBackup:
        if where.startswith("s3://"):
            folder = where.rsplit("/", 1)[0] + "/"
            location = parse_s3_location(folder, "BACKUP")
            return ObjectBackupStore(_s3(session)(location)).read(where, version)
        return LocalBackupStore(Path(where).parent).read(where, version)

    return read
