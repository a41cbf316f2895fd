"""In-memory service last-access data for tests: an ``AccessSource``.

``InMemoryAccessSource`` answers ``dormant.permissions.scan.AccessSource`` from a mapping of
role name to ``ServiceAccess`` records, counts the roles asked for, and can be told to fail a
role the way the IAM adapter (``dormant.permissions.aws.IamAccessSource``) fails it: a denied or
throttled call, or a job that ended FAILED, as the same ``AwsAccessError``.

Standard library and dormant's pure core only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

from dormant.core.errors import AwsAccessError
from dormant.permissions.model import ServiceAccess
from dormant.roles.model import Role
from dormant.testing.injection import Failures, aws_error

__all__ = ["InMemoryAccessSource"]

_GENERATE = "iam:GenerateServiceLastAccessedDetails"
_GET = "iam:GetServiceLastAccessedDetails"


class InMemoryAccessSource:
    """An ``AccessSource`` over ``{role name: [ServiceAccess, ...]}`` (unknown roles: none)."""

    def __init__(self, access: Mapping[str, Iterable[ServiceAccess]] | None = None) -> None:
        self.access = {name: tuple(records) for name, records in (access or {}).items()}
        self.asked: list[str] = []  # role names, in the order they were asked for
        self.failures = Failures()
        self._lock = threading.Lock()

    def fail(self, role_name: str, code: str, message: str, *, operation: str = "Generate") -> None:
        """The role's next read fails: ``operation`` "Generate" or "Get" answers ``code``."""
        self.failures.plan(operation, code, message, subject=role_name)

    def fail_job(self, role_name: str, message: str = "The job failed to complete") -> None:
        """The role's next job ends FAILED."""
        self.failures.plan("Job", "JobFailed", message, subject=role_name)

    def service_access(self, role: Role) -> Sequence[ServiceAccess]:
        with self._lock:
            self.asked.append(role.name)
        for operation, label in (("Generate", _GENERATE), ("Get", _GET)):
            failure = self.failures.take(operation, role.name)
            if failure is not None:
                raise aws_error(
                    f"{label} of role {role.name}", failure.code, failure.message, role.account_id
                )
        job = self.failures.take("Job", role.name)
        if job is not None:
            where = f" in account {role.account_id}" if role.account_id else ""
            raise AwsAccessError(
                f"{_GET} of role {role.name}{where} failed: job ended FAILED: "
                f"{job.code}: {job.message}",
                operation=_GET,
                account_id=role.account_id,
            )
        return self.access.get(role.name, ())
