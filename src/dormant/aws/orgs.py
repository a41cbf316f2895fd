"""Organizations adapter and per-account sessions, for any kind that reads many accounts.

- ``organization_targets``: the organization's active accounts (``organizations:ListAccounts``
  through its paginator, 20 a page), each record turned into a
  ``dormant.engine.accounts.AccountTarget`` here, once; accounts that are not active are left
  out (and reported to ``on_skipped``).
- ``caller_identity``: who runs the scan (one ``sts:GetCallerIdentity``): account and partition.
- ``AccountSessions``: opens one account with a boto3 session and clients of its own (each
  kind's reader builds on ``iam_client``): the caller's own account with the caller's
  credentials, every other account through ``sts:AssumeRole`` of a role in it, for at most
  one hour.

This module must never decide anything about a resource (each kind's ``decide`` does) nor
about which accounts fail (``dormant.engine.accounts`` collects the failures), and must never
let two threads share a boto3 session or client: botocore sessions are not thread-safe.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.loaders

from dormant.aws.calls import CallCounter, each_page
from dormant.aws.session import (
    MAX_ASSUMED_SESSION_SECONDS,
    assume_role_credentials,
    aws_call,
    client_config,
    describe_client_error,
    make_session,
)
from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant.engine.accounts import AccountTarget, inactive_status, unique_targets

if TYPE_CHECKING:
    from mypy_boto3_organizations.type_defs import AccountTypeDef


__all__ = [
    "LIST_ACCOUNTS_PAGE_SIZE",
    "AccountSessions",
    "CallerIdentity",
    "caller_identity",
    "organization_targets",
]

LIST_ACCOUNTS_PAGE_SIZE = 20  # ListAccounts' largest MaxResults


# Each per-account client is used by one thread, one call at a time: it never needs more than
# one connection (the pool is an upper bound, connections are opened on demand).
_PER_ACCOUNT_POOL_CONNECTIONS = 1


# Where STS and IAM are reached when neither the caller nor the profile names a Region.
_PARTITION_DEFAULT_REGION = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
}


_NOT_MANAGEMENT_HINT = (
    "list the organization's accounts from its management account or a delegated "
    "administrator account, or pass the account ids in a file (--accounts FILE)"
)


_NOT_MANAGEMENT_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "AWSOrganizationsNotInUseException"}
)


@functools.cache
def _shared_loader() -> botocore.loaders.Loader:
    """One service-model loader for every per-account session of the process.

    Loading the IAM and STS models costs more CPU than an account's API calls; once loaded
    (warmed in one thread by ``AccountSessions``), the loader's cache is only read.
    """
    return botocore.loaders.create_loader()


def _client_config(
    config: botocore.config.Config | None, max_pool_connections: int = 10
) -> botocore.config.Config:
    """dormant's client settings, with ``config`` (e.g. fewer retry attempts) merged over."""
    ours = client_config(max_pool_connections=max_pool_connections)
    return ours if config is None else ours.merge(config)


@contextlib.contextmanager
def _listing_accounts() -> Iterator[None]:
    """Around one ListAccounts call: a refusal says where the listing must run from."""
    with aws_call("organizations:ListAccounts"):
        try:
            yield
        except botocore.exceptions.ClientError as exc:
            code, message = describe_client_error(exc)
            if code not in _NOT_MANAGEMENT_CODES:
                raise
            raise AwsAccessError(
                f"organizations:ListAccounts denied: {code}: {message}; " + _NOT_MANAGEMENT_HINT,
                operation="organizations:ListAccounts",
            ) from None


def _account(record: AccountTypeDef, index: int) -> tuple[AccountTarget, str | None]:
    """One ListAccounts record as a target, and its status when it is not ACTIVE."""
    try:
        target = AccountTarget(record.get("Id", ""), record.get("Name") or None)
    except InvalidParameter as exc:
        raise InvalidParameter("account", f"ListAccounts result {index}: {exc.problem}") from None
    return target, inactive_status(record.get("State"), record.get("Status"))


def organization_targets(
    session: boto3.session.Session,
    config: botocore.config.Config | None = None,
    *,
    counter: CallCounter | None = None,
    on_skipped: Callable[[AccountTarget, str], None] | None = None,
    page_size: int = LIST_ACCOUNTS_PAGE_SIZE,
) -> list[AccountTarget]:
    """The organization's active accounts (paged ListAccounts), in the order AWS lists them.

    Raises AwsAccessError naming ``organizations:ListAccounts``, and saying where it must run
    from, when the caller is not the management account or a delegated administrator.
    ``on_skipped`` hears of each account left out, with its status.
    """
    if not 1 <= page_size <= LIST_ACCOUNTS_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{LIST_ACCOUNTS_PAGE_SIZE}")
    client = session.client("organizations", config=config or client_config())
    if counter is not None:
        counter.attach(client.meta.events)
    targets: list[AccountTarget] = []
    records = (
        record
        for response in each_page(client, "list_accounts", _listing_accounts, page_size=page_size)
        for record in response.get("Accounts", [])
    )
    for index, record in enumerate(records):
        target, status = _account(record, index)
        if status is None:
            targets.append(target)
        elif on_skipped is not None:
            on_skipped(target, status)
    return unique_targets(targets)


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """The identity running the scan: its account is scanned without assuming a role."""

    account_id: str
    partition: str
    arn: str


def caller_identity(
    session: boto3.session.Session,
    config: botocore.config.Config | None = None,
    *,
    counter: CallCounter | None = None,
) -> CallerIdentity:
    client = session.client("sts", config=config or client_config())
    if counter is not None:
        counter.attach(client.meta.events)
    with aws_call("sts:GetCallerIdentity"):
        response: Any = client.get_caller_identity()
    arn = str(response["Arn"])
    parts = arn.split(":")
    partition = parts[1] if len(parts) > 1 and parts[1] else "aws"
    return CallerIdentity(account_id=str(response["Account"]), partition=partition, arn=arn)


class AccountSessions:
    """Opens accounts for scanning, from any thread, each with a session of its own.

    Built once in the calling thread from the caller's session. ``role_source(account_id)``
    may then be called from worker threads: each worker thread builds one botocore session
    of its own (sharing only the service-model loader, which is read-only once warmed),
    assumes the role unless the account is the caller's own, and returns an
    ``IamRoleSource`` over a client that no other thread sees.
    """

    def __init__(
        self,
        base: boto3.session.Session,
        caller: CallerIdentity,
        *,
        role_name: str,
        counter: CallCounter,
        region: str | None = None,
        session_name: str = "dormant-scan",
        duration_seconds: int = MAX_ASSUMED_SESSION_SECONDS,
        config: botocore.config.Config | None = None,
    ) -> None:
        credentials = base.get_credentials()
        if credentials is None:
            raise AwsAccessError(
                "no AWS credentials found (set a profile, environment variables or an "
                "instance role)",
                operation="session",
            )
        self.caller = caller
        self.role_name = role_name
        self._credentials = credentials
        self._counter = counter
        self._region = (
            region
            or base.region_name
            or _PARTITION_DEFAULT_REGION.get(caller.partition, "us-east-1")
        )
        self._profile = base.profile_name if base.profile_name in base.available_profiles else None
        self._session_name = session_name
        self._duration_seconds = min(duration_seconds, MAX_ASSUMED_SESSION_SECONDS)
        self._config = _client_config(config, _PER_ACCOUNT_POOL_CONNECTIONS)
        self._loader = _shared_loader()
        self._local = threading.local()
        # Warm the shared loader here, in one thread, before workers read it.
        warm = self._session(credentials.get_frozen_credentials())
        for service in ("sts", "iam"):
            warm.client(service, config=self._config)

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.caller.partition}:iam::{account_id}:role/{self.role_name}"

    def iam_client(self, account_id: str) -> Any:
        """This thread's IAM client in the account: the caller's own credentials in its own
        account, else the assumed role's; raises AssumeRoleError if it cannot be assumed."""
        caller = self._credentials.get_frozen_credentials()
        if account_id == self.caller.account_id:
            return self._client("iam", caller)
        role = assume_role_credentials(
            self._sts_client(caller),
            self.role_arn(account_id),
            session_name=self._session_name,
            duration_seconds=self._duration_seconds,
        )
        assumed = botocore.credentials.ReadOnlyCredentials(
            role["AccessKeyId"], role["SecretAccessKey"], role["SessionToken"]
        )
        return self._client("iam", assumed)

    def _sts_client(self, caller: botocore.credentials.ReadOnlyCredentials) -> Any:
        """This thread's STS client on the caller's credentials, rebuilt when they rotate."""
        cached: tuple[botocore.credentials.ReadOnlyCredentials, Any] | None = getattr(
            self._local, "sts", None
        )
        if cached is None or cached[0] != caller:
            cached = (caller, self._client("sts", caller))
            self._local.sts = cached
        return cached[1]

    def _client(self, service: str, credentials: botocore.credentials.ReadOnlyCredentials) -> Any:
        """A client no other thread sees, from this thread's own session.

        A botocore session costs more CPU to build than a small account's API calls, and
        may not be shared between threads: each worker thread builds one and
        reuses it for every account it scans. Credentials go on the client, so a session
        never carries one account's credentials into the next.
        """
        session: boto3.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._session(credentials)
            self._local.session = session
        return session.client(
            service,  # type: ignore[call-overload]
            config=self._config,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.token,
        )

    def _session(self, credentials: botocore.credentials.ReadOnlyCredentials) -> boto3.Session:
        session = make_session(
            self._profile,
            self._region,
            access_key_id=credentials.access_key,
            secret_access_key=credentials.secret_key,
            session_token=credentials.token,
            loader=self._loader,
        )
        self._counter.attach(session.events)
        return session
