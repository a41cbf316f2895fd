"""An in-memory versioned bucket: the ``ObjectStore`` that role backups go to.

``InMemoryObjectStore`` keeps every version of every object, as a versioned S3 bucket does:
a write adds a version (with a fresh version id) and becomes the current one, and any
version can be read by its id. ``versions`` shows what a test needs to check that nothing
was written twice. It can be told to fail a write or a read (``fail``), raising what the
S3 adapter raises (``BackupError`` on writes, ``RoleDataError`` on reads). Standard library
and dormant's core only.
"""

from __future__ import annotations

import threading

from dormant.core.errors import BackupError, RoleDataError
from dormant.testing.injection import Failures

__all__ = ["InMemoryObjectStore"]


class InMemoryObjectStore:
    """Objects ``s3://bucket/prefix<name>``, every version kept, oldest first."""

    def __init__(self, bucket: str = "backups", prefix: str = "roles/") -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.failures = Failures()
        self._objects: dict[str, list[tuple[str, str]]] = {}
        self._next = 0
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def url(self, name: str) -> str:
        return f"{self.location}{name}"

    def fail(self, operation: str, name: str | None = None, times: int | None = 1) -> None:
        """The next ``times`` ``put`` or ``get`` calls (of object ``name``; None: any) fail."""
        if operation not in ("put", "get"):
            raise ValueError("fail 'put' or 'get'")
        self.failures.plan(operation, "InternalError", "injected", subject=name, times=times)

    def versions(self, name: str) -> list[str]:
        """The version ids of one object, oldest first."""
        with self._lock:
            return [version for version, _ in self._objects.get(name, [])]

    def put_version(self, name: str, text: str) -> str:
        if self.failures.take("put", name) is not None:
            raise BackupError(f"backup {self.url(name)}: s3:PutObject failed: InternalError")
        with self._lock:
            self._next += 1
            version = f"v{self._next:04d}"
            self._objects.setdefault(name, []).append((version, text))
            return version

    def get_version(self, name: str, version: str | None = None) -> tuple[str, str] | None:
        if self.failures.take("get", name) is not None:
            raise RoleDataError(f"backup {self.url(name)}: s3:GetObject failed: InternalError")
        with self._lock:
            kept = self._objects.get(name, [])
            if not kept:
                return None
            if version is None:
                return kept[-1][1], kept[-1][0]
            for found, text in kept:
                if found == version:
                    return text, found
            return None
