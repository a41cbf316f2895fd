"""Users' unused credentials across many accounts: ``dormant users --org/--accounts``.

Each account's users are read by ``dormant.users.aws.IamUserSource`` in a worker of
``dormant.engine.accounts``' pool, over ``dormant.aws.orgs.AccountSessions`` (the caller's own
account with its credentials, the others by assuming a role). Command-line only: the
Lambda's zip carries neither ``dormant.engine.accounts`` nor this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from dormant.aws.calls import CallCounter
from dormant.aws.orgs import AccountSessions, caller_identity
from dormant.aws.session import client_config
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings, parse_role_name
from dormant.core.time import Timeline
from dormant.engine.accounts import (
    DEFAULT_WORKERS,
    AccountTarget,
    check_workers,
    each_account,
    unique_targets,
)
from dormant.users.aws import IamUserSource, ReportWait
from dormant.users.decide import evaluate_users
from dormant.users.model import UserFinding

if TYPE_CHECKING:
    import boto3

__all__ = [
    "scan_users_in_accounts",
]


def scan_users_in_accounts(
    session: boto3.session.Session,
    targets: Iterable[AccountTarget],
    *,
    role_name: str,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_WORKERS,
    on_account_done: Callable[[str, AccountFailure | None], None] | None = None,
    counter: CallCounter | None = None,
    wait: ReportWait | None = None,
    timeline: Timeline | None = None,
) -> tuple[list[UserFinding], list[AccountFailure]]:
    """Decide every user of every target account, through ``dormant.engine.accounts``'s worker pool.

    The caller's own account is read with its own credentials, the others by assuming
    ``role_name`` (which needs iam:GenerateCredentialReport, iam:GetCredentialReport and
    iam:GetAccountAuthorizationDetails). Each account's failure is in the failures.
    ``timeline``: leave out the users created after ``now`` (counted there); a use after
    it fails that account, naming the user and the column.
    """
    workers = check_workers(workers)
    role_name = parse_role_name(role_name, "--role-name")
    unique = unique_targets(targets)
    if not unique:
        return [], []
    counter = counter if counter is not None else CallCounter()
    caller = caller_identity(session, client_config(), counter=counter)
    sessions = AccountSessions(
        session, caller, role_name=role_name, counter=counter, session_name="dormant-users"
    )

    def scan_account(account_id: str) -> Iterable[UserFinding]:
        from dormant.users.records import dated_users

        source = IamUserSource(sessions.iam_client(account_id), account_id=account_id, wait=wait)
        users = source.users()
        # Collected here, in the worker, so that a date in the future fails this account.
        dated = users if timeline is None else list(dated_users(users, timeline))
        return evaluate_users(dated, settings, now)

    findings, failures, _ = each_account(
        scan_account, unique, workers=workers, on_account_done=on_account_done
    )
    return findings, failures
