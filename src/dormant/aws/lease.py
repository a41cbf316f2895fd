"""The retire campaign's run lease: one S3 object, written only with S3's conditional writes,
so that two runs never overlap.

Lambda's reserved concurrency would do it too, but an account whose concurrency quota is 10
(new accounts) refuses any reservation, so the stack would not deploy there. Instead each run
takes the lease before it reads the roles and gives it back when it ends:

- no lease object: ``PutObject`` with ``If-None-Match: *``; S3 writes it for one writer only;
- a lease given back (``released``) or past its term (``expires_at`` before the clock's now,
  or unreadable): ``PutObject`` with ``If-Match`` of the ETag just read, so that of two runs
  taking over the same lease one wins;
- a lease held and within its term: the run stops with ``RunInProgress``, before any change.

S3 answers a lost race with 412 (PreconditionFailed) or 409 (ConditionalRequestConflict);
both mean another run holds the lease. The term is ``LEASE_TERM``: a Lambda invocation lasts
at most 15 minutes, so a run killed mid-way holds the lease no longer than that and a minute
for clocks that differ. Giving it back overwrites it (``If-Match`` of our own write) with
``released``; a lease lost meanwhile is logged, not raised: the run's work is done.

The time is the clock's (injected), never an event's. The lease is never deleted (the backup
bucket's policy denies deletes); the bucket's versions of it expire with its lifecycle.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import botocore.exceptions

from dormant.aws.session import aws_call, describe_client_error
from dormant.core.errors import RunInProgress

__all__ = ["LEASE_TERM", "Lease", "RunLease"]

logger = logging.getLogger("dormant")

LEASE_TERM = timedelta(minutes=16)

# S3's answers to a conditional write another writer won.
_LOST = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
_MISSING = frozenset({"NoSuchKey", "404"})


@dataclass(frozen=True, slots=True)
class Lease:
    """The lease this run holds: its ETag (to give it back) and its term."""

    holder: str
    etag: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class _Found:
    etag: str
    expires_at: datetime | None  # None: unreadable, taken for past its term
    released: bool


class RunLease:
    """The lease object ``s3://bucket/key``."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        key: str,
        *,
        clock: Callable[[], datetime],
        term: timedelta = LEASE_TERM,
    ) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.key = key
        self._clock = clock
        self._term = term

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def _read(self) -> _Found | None:
        with aws_call(f"s3:GetObject of {self.location}"):
            try:
                answer = self._s3.get_object(Bucket=self.bucket, Key=self.key)
            except botocore.exceptions.ClientError as exc:
                if describe_client_error(exc)[0] in _MISSING:
                    return None
                raise
            text = answer["Body"].read().decode("utf-8", "replace")
        etag = str(answer["ETag"])
        try:
            body = json.loads(text)
            expires_at = datetime.fromisoformat(str(body["expires_at"]))
            released = body.get("released") is True
        except (ValueError, KeyError, TypeError):
            return _Found(etag, None, False)
        if expires_at.tzinfo is None:
            return _Found(etag, None, False)
        return _Found(etag, expires_at, released)

    def _write(self, body: dict[str, object], **condition: str) -> str | None:
        """The new ETag, or None when the condition failed: another run wrote first."""
        with aws_call(f"s3:PutObject of {self.location}"):
            try:
                answer = self._s3.put_object(
                    Bucket=self.bucket,
                    Key=self.key,
                    Body=json.dumps(body, sort_keys=True).encode("utf-8"),
                    ContentType="application/json",
                    **condition,
                )
            except botocore.exceptions.ClientError as exc:
                if describe_client_error(exc)[0] in _LOST:
                    return None
                raise
        return str(answer["ETag"])

    def _held_elsewhere(self, until: datetime | None) -> RunInProgress:
        when = f" until {until.isoformat()}" if until is not None else ""
        return RunInProgress(
            f"another run of the retire campaign holds its lease {self.location}{when}; "
            "this run changed nothing (the next one takes over a lease past its term)"
        )

    def acquire(self) -> Lease:
        """Take the lease, or raise RunInProgress (nothing else changed)."""
        now = self._clock()
        found = self._read()
        if (
            found is not None
            and not found.released
            and found.expires_at is not None
            and found.expires_at > now
        ):
            raise self._held_elsewhere(found.expires_at)
        holder = uuid.uuid4().hex
        expires_at = now + self._term
        body: dict[str, object] = {
            "holder": holder,
            "acquired_at": now.isoformat(),
            "expires_at": expires_at.isoformat(),
            "released": False,
        }
        if found is None:
            etag = self._write(body, IfNoneMatch="*")
        else:
            etag = self._write(body, IfMatch=found.etag)
        if etag is None:
            raise self._held_elsewhere(None)
        return Lease(holder, etag, expires_at)

    def release(self, lease: Lease) -> None:
        """Give the lease back; a lease lost meanwhile, or a failed write, is logged."""
        body: dict[str, object] = {
            "holder": lease.holder,
            "released_at": self._clock().isoformat(),
            "expires_at": lease.expires_at.isoformat(),
            "released": True,
        }
        try:
            written = self._write(body, IfMatch=lease.etag)
        except Exception as exc:  # the run is over; its result must not be masked
            logger.warning(
                json.dumps({"lease": self.location, "not released": f"{type(exc).__name__}"})
            )
            return
        if written is None:
            logger.warning(
                json.dumps({"lease": self.location, "not released": "another run took it"})
            )

    @contextlib.contextmanager
    def held(self) -> Iterator[Lease]:
        """The lease for the block; given back however the block ends."""
        lease = self.acquire()
        try:
            yield lease
        finally:
            self.release(lease)
