"""IAM adapter for service last-access data: IAM's two job operations, one call each.

``IamAccessSource.start`` is ``GenerateServiceLastAccessedDetails(Arn,
Granularity=ACTION_LEVEL)``; ``read`` is one ``GetServiceLastAccessedDetails(JobId, MaxItems,
Marker)``, whose answer becomes a ``JobPage`` (botocore has no paginator for it). When to
call them (the first poll right after the generate, then a jittered back-off from about
0.5 s up to 5 s, at most 120 s of waiting per role; many jobs in flight at once) is
``dormant.permissions.scan.pipeline``'s part, so a role costs 1 generate + its polls + its
extra pages, and nothing else. A denied call or throttling that outlasted botocore's
(adaptive) retries raises ``AwsAccessError`` naming the call, the role and the account;
``dormant.permissions.scan`` makes that the role's failure. ``service_access`` reads one
role through the same scheduler (``dormant restrict``'s freshness re-check).

The clock, the sleep and the jitter are arguments, so tests never wait. AWS's PascalCase
becomes ``dormant.permissions.model.ServiceAccess`` here, once. No decisions are made here.
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
from dormant.core.time import parse_timestamp
from dormant.permissions.model import ServiceAccess, TrackedAction
from dormant.permissions.scan import RoleOutcome
from dormant.permissions.scan.pipeline import (
    GENERATE,
    GET,
    JobPage,
    JobStatus,
    Polling,
    read_access,
)
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
    "rule_client_config",
    "service_access_from_record",
]

FIRST_POLL_DELAY = 0.5


MAX_POLL_DELAY = 5.0


MAX_WAIT_PER_ROLE = 120.0  # seconds slept for one job before the role is given up


MAX_ITEMS_PER_PAGE = 1000  # GetServiceLastAccessedDetails' largest MaxItems


def access_client_config(workers: int) -> botocore.config.Config:
    """Adaptive retries (IAM throttles these jobs) and a connection per worker."""
    return client_config(retry_mode="adaptive", max_pool_connections=max(10, workers))


# The permissions rule's calls (its jobs, its history and its evaluations) within Lambda's
# time: 3 attempts of a 1 s connect and a 4 s read, and botocore's standard back-off between
# them, are at most 28 s (``call_time_bound``), within ``CALLS_IN_FLIGHT_SECONDS`` of the
# rule's stop margin. Standard retries, not adaptive: adaptive's rate limiter may hold a
# request back for any time. A read throttled past its attempts leaves its role for the next
# run, as any failed read does.
RULE_CONNECT_TIMEOUT = 1.0
RULE_READ_TIMEOUT = 4.0
RULE_RETRIES = 2


def rule_client_config(workers: int = 1) -> botocore.config.Config:
    """The Config rule's clients: bounded calls (see above), a connection per worker."""
    return client_config(
        retry_mode="standard",
        max_attempts=RULE_RETRIES,
        max_pool_connections=max(10, workers),
        connect_timeout=RULE_CONNECT_TIMEOUT,
        read_timeout=RULE_READ_TIMEOUT,
    )


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
    """``AccessJobs`` (and the one-role ``AccessSource``) over one account's IAM client
    (boto3 clients are thread-safe).

    ``sleep(seconds)`` waits between polls, ``clock()`` tells the time they are measured on
    and ``jitter(low, high)`` draws each wait; ``max_wait`` bounds the seconds of waiting
    for one role's job.
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
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if not 1 <= page_size <= MAX_ITEMS_PER_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_ITEMS_PER_PAGE}")
        self._iam = iam
        self._account_id = account_id
        self._page_size = page_size
        self._polling = Polling(
            first_delay=first_delay,
            max_delay=max_delay,
            max_wait=max_wait,
            sleep=sleep,
            clock=clock,
            jitter=jitter,
        )

    @property
    def polling(self) -> Polling:
        return self._polling

    def _label(self, operation: str, role: Role) -> tuple[str, str]:
        account = role.account_id or self._account_id
        return f"{operation} of role {role.name}", account

    def start(self, role: Role) -> str:
        label, account = self._label(GENERATE, role)
        with aws_call(label, account):
            return str(
                self._iam.generate_service_last_accessed_details(
                    Arn=role.arn, Granularity="ACTION_LEVEL"
                )["JobId"]
            )

    def read(self, role: Role, job_id: str, marker: str | None = None) -> JobPage:
        label, account = self._label(GET, role)
        params: dict[str, Any] = {"JobId": job_id, "MaxItems": self._page_size}
        if marker:
            params["Marker"] = marker
        with aws_call(label, account):
            response: dict[str, Any] = dict(self._iam.get_service_last_accessed_details(**params))
        status = str(response.get("JobStatus") or JobStatus.IN_PROGRESS)
        if status == JobStatus.FAILED:
            error = response.get("Error") or {}
            return JobPage(
                JobStatus.FAILED,
                error_code=str(error.get("Code") or ""),
                error_message=str(error.get("Message") or ""),
            )
        if status != JobStatus.COMPLETED:
            return JobPage(JobStatus.IN_PROGRESS)
        truncated = bool(response.get("IsTruncated")) and bool(response.get("Marker"))
        return JobPage(
            JobStatus.COMPLETED,
            tuple(service_access_from_record(r) for r in response.get("ServicesLastAccessed", [])),
            marker=str(response["Marker"]) if truncated else None,
        )

    def service_access(self, role: Role) -> tuple[ServiceAccess, ...]:
        """One role's services, its job polled like any other's; raises its failure."""
        if not role.account_id and self._account_id:
            role = replace(role, account_id=self._account_id)
        (outcome,) = read_access(self, [role], workers=1, in_flight=1).outcomes
        if outcome.error is not None:
            raise outcome.error
        return outcome.access


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
