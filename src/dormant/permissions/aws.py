"""IAM adapter for service last-access data: one job per role, polled, paged.

For each role: ``GenerateServiceLastAccessedDetails(Arn, Granularity=ACTION_LEVEL)``, then
``GetServiceLastAccessedDetails(JobId, MaxItems)`` until ``JobStatus`` is ``COMPLETED``, with
a jittered backoff from about 0.5 s up to 5 s between polls and a bounded total wait per role;
the completing poll brings the first page, and ``Marker`` the next ones (botocore has no
paginator for this operation). So a role costs 1 generate + its polls + its extra pages, and
nothing else. A ``FAILED`` job, a job still running after the wait, a denied call or
throttling that outlasted botocore's (adaptive) retries raises ``AwsAccessError`` naming the
call, the role and the account; ``dormant.permissions.scan`` makes that the role's failure.

The sleep and the jitter are arguments, so tests never wait. AWS's PascalCase becomes
``dormant.permissions.model.ServiceAccess`` here, once. No decisions are made here.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import botocore.config
import botocore.exceptions

from dormant.aws.session import (
    aws_call,
    client_config,
    describe_client_error,
    parse_aws_timestamp,
)
from dormant.core.errors import AwsAccessError
from dormant.core.time import parse_timestamp
from dormant.permissions.model import ServiceAccess, TrackedAction
from dormant.permissions.scan import RoleOutcome
from dormant.roles.model import Role
from dormant.roles.records import role_from_detail

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient


__all__ = [
    "FIRST_POLL_DELAY",
    "MAX_POLL_DELAY",
    "MAX_WAIT_PER_ROLE",
    "IamAccessSource",
    "access_client_config",
    "role_by_name",
    "service_access_from_record",
]

FIRST_POLL_DELAY = 0.5


MAX_POLL_DELAY = 5.0


MAX_WAIT_PER_ROLE = 120.0  # seconds slept for one job before the role is given up


MAX_ITEMS_PER_PAGE = 1000  # GetServiceLastAccessedDetails' largest MaxItems


GENERATE = "iam:GenerateServiceLastAccessedDetails"


GET = "iam:GetServiceLastAccessedDetails"


def access_client_config(workers: int) -> botocore.config.Config:
    """Adaptive retries (IAM throttles these jobs) and a connection per worker."""
    return client_config(retry_mode="adaptive", max_pool_connections=max(10, workers))


def _moment(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return parse_timestamp(value)
    return parse_aws_timestamp(str(value))


def service_access_from_record(record: dict[str, Any]) -> ServiceAccess:
    """One ServicesLastAccessed entry -> ServiceAccess."""
    return ServiceAccess(
        namespace=str(record["ServiceNamespace"]),
        name=str(record.get("ServiceName") or record["ServiceNamespace"]),
        last_used=_moment(record.get("LastAuthenticated")),
        last_used_region=record.get("LastAuthenticatedRegion") or None,
        tracked_actions=tuple(
            TrackedAction(
                name=str(action["ActionName"]),
                last_used=_moment(action.get("LastAccessedTime")),
                last_used_region=action.get("LastAccessedRegion") or None,
            )
            for action in record.get("TrackedActionsLastAccessed") or ()
        ),
    )


class IamAccessSource:
    """An ``AccessSource`` over one account's IAM client (boto3 clients are thread-safe).

    ``sleep(seconds)`` waits between polls and ``jitter(low, high)`` draws each wait;
    ``max_wait`` bounds the seconds slept for one role's job.
    """

    def __init__(
        self,
        iam: IAMClient,
        *,
        account_id: str = "",
        page_size: int = MAX_ITEMS_PER_PAGE,
        first_delay: float = FIRST_POLL_DELAY,
        max_delay: float = MAX_POLL_DELAY,
        max_wait: float = MAX_WAIT_PER_ROLE,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if not 1 <= page_size <= MAX_ITEMS_PER_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_ITEMS_PER_PAGE}")
        if not 0 < first_delay <= max_delay:
            raise ValueError("delays must satisfy 0 < first_delay <= max_delay")
        self._iam = iam
        self._account_id = account_id
        self._page_size = page_size
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._max_wait = max_wait
        self._sleep = sleep
        self._jitter = jitter

    def _label(self, operation: str, role: Role) -> tuple[str, str]:
        account = role.account_id or self._account_id
        return f"{operation} of role {role.name}", account

    def service_access(self, role: Role) -> tuple[ServiceAccess, ...]:
        label, account = self._label(GENERATE, role)
        with aws_call(label, account):
            job_id = str(
                self._iam.generate_service_last_accessed_details(
                    Arn=role.arn, Granularity="ACTION_LEVEL"
                )["JobId"]
            )
        response = self._completed(role, job_id)
        records: list[dict[str, Any]] = list(response.get("ServicesLastAccessed", []))
        while response.get("IsTruncated") and response.get("Marker"):
            response = self._get(role, job_id, Marker=str(response["Marker"]))
            records.extend(response.get("ServicesLastAccessed", []))
        return tuple(service_access_from_record(record) for record in records)

    def _get(self, role: Role, job_id: str, **params: Any) -> dict[str, Any]:
        label, account = self._label(GET, role)
        with aws_call(label, account):
            response: dict[str, Any] = dict(
                self._iam.get_service_last_accessed_details(
                    JobId=job_id, MaxItems=self._page_size, **params
                )
            )
        return response

    def _completed(self, role: Role, job_id: str) -> dict[str, Any]:
        """Poll until the job completes: its first page, or AwsAccessError."""
        delay = self._first_delay
        waited = 0.0
        while True:
            response = self._get(role, job_id)
            status = response.get("JobStatus")
            if status == "COMPLETED":
                return response
            label, account = self._label(GET, role)
            where = f" in account {account}" if account else ""
            if status == "FAILED":
                error = response.get("Error") or {}
                raise AwsAccessError(
                    f"{label}{where} failed: job {job_id} ended FAILED: "
                    f"{error.get('Code', 'Unknown')}: {error.get('Message', 'no reason given')}",
                    operation=label,
                    account_id=account,
                )
            pause = min(self._max_delay, self._jitter(delay * 0.75, delay * 1.25))
            if waited + pause > self._max_wait:
                raise AwsAccessError(
                    f"{label}{where} failed: job {job_id} still {status} after "
                    f"{waited:.1f} s of waiting (the limit is {self._max_wait:.0f} s)",
                    operation=label,
                    account_id=account,
                )
            self._sleep(pause)
            waited += pause
            delay = min(self._max_delay, delay * 2)


OnRoles = Callable[[int], None]


OnRole = Callable[[RoleOutcome], None]


def role_by_name(iam: IAMClient, name: str, account_id: str) -> Role | None:
    """The role called ``name`` (GetRole), or None when the account has no such role."""
    with aws_call(f"iam:GetRole of role {name}", account_id):
        try:
            detail: dict[str, Any] = dict(iam.get_role(RoleName=name)["Role"])
        except botocore.exceptions.ClientError as exc:
            if describe_client_error(exc)[0] == "NoSuchEntity":
                return None
            raise
    role = role_from_detail(detail, where=f"account {account_id}" if account_id else "")
    return role if role.account_id else replace(role, account_id=account_id)
