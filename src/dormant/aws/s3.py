"""Role backups in S3: text objects under one prefix of a versioned bucket, encrypted at rest.

``S3ObjectStore`` fills ``dormant.roles.remediate.backup_store.ObjectStore``. Before the first
write it checks the bucket keeps versions (``GetBucketVersioning``): a bucket without them is
refused, since an overwrite or a delete there would lose a backup. Every object is written
with server-side encryption (SSE-KMS with ``kms_key_id``, else SSE-S3), then that very
version (the ``VersionId`` PutObject returns) is read back: the text must be the one
written and S3 must report it encrypted. Reads may name a version (``s3:GetObjectVersion``).
Errors become ``BackupError`` (writing) or ``RoleDataError`` (reading) naming the object and
the call. No decisions here.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from dormant.aws.session import aws_call, describe_client_error
from dormant.core.errors import AwsAccessError, BackupError, RoleDataError

__all__ = ["S3ObjectStore"]


class S3ObjectStore:
    """Objects ``s3://bucket/prefix<name>``."""

    def __init__(
        self, s3: Any, bucket: str, prefix: str = "", *, kms_key_id: str | None = None
    ) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self._kms_key_id = kms_key_id
        self._versioned = False

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def url(self, name: str) -> str:
        return f"{self.location}{name}"

    def check_versioning(self) -> None:
        """Refuse a bucket that does not keep every version of its objects."""
        if self._versioned:
            return
        try:
            with aws_call(f"s3:GetBucketVersioning of bucket {self.bucket}"):
                status = self._s3.get_bucket_versioning(Bucket=self.bucket).get("Status")
        except AwsAccessError as exc:
            raise BackupError(f"backup bucket {self.bucket}: {exc}") from None
        if status != "Enabled":
            raise BackupError(
                f"backup bucket {self.bucket} does not keep versions (versioning is "
                f"{status or 'off'}): an overwritten or deleted backup would be lost; "
                "enable versioning on it first"
            )
        self._versioned = True

    def put_version(self, name: str, text: str) -> str:
        """Write the object; return the version id S3 gave it, after reading that version back."""
        self.check_versioning()
        key = f"{self.prefix}{name}"
        encryption: dict[str, str] = {"ServerSideEncryption": "AES256"}
        if self._kms_key_id:
            encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._kms_key_id}
        body = text.encode("utf-8")
        try:
            with aws_call(f"s3:PutObject of {self.url(name)}"):
                written = self._s3.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentType="application/json",
                    **encryption,
                )
            version = written.get("VersionId")
            if not version or version == "null":
                raise BackupError(
                    f"backup {self.url(name)}: S3 gave the object no version id (is "
                    f"versioning on bucket {self.bucket} suspended?)"
                )
            with aws_call(f"s3:GetObjectVersion of {self.url(name)} version {version}"):
                response = self._s3.get_object(Bucket=self.bucket, Key=key, VersionId=version)
                readback = response["Body"].read()
        except AwsAccessError as exc:
            raise BackupError(f"backup {self.url(name)}: {exc}") from None
        if readback != body:
            raise BackupError(
                f"backup {self.url(name)}: reads back differently from what was written"
            )
        if not response.get("ServerSideEncryption"):
            raise BackupError(f"backup {self.url(name)}: S3 does not report it encrypted")
        return str(version)

    def put_text(self, name: str, text: str) -> None:
        self.put_version(name, text)

    def get_text(self, name: str) -> str | None:
        found = self.get_version(name)
        return None if found is None else found[0]

    def get_version(self, name: str, version: str | None = None) -> tuple[str, str] | None:
        """One version of the object (None: the current one): its text and version id."""
        key = f"{self.prefix}{name}"
        shown = self.url(name) if version is None else f"{self.url(name)} version {version}"
        label = f"s3:GetObject{'' if version is None else 'Version'} of {shown}"
        which = {} if version is None else {"VersionId": version}
        try:
            with aws_call(label):
                try:
                    response = self._s3.get_object(Bucket=self.bucket, Key=key, **which)
                    body: bytes = response["Body"].read()
                except botocore.exceptions.ClientError as exc:
                    code = describe_client_error(exc)[0]
                    if code in ("NoSuchKey", "NoSuchVersion", "404", "NotFound"):
                        return None
                    raise
        except AwsAccessError as exc:
            raise RoleDataError(f"backup {shown}: {exc}") from None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise RoleDataError(f"backup {shown}: not UTF-8 text") from None
        return text, str(response.get("VersionId") or version or "null")
