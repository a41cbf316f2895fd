"""Roles across many accounts: ``dormant scan --org/--accounts``.

Each account's roles are read by ``dormant.roles.aws.IamRoleSource`` over a client of
``dormant.aws.orgs.AccountSessions`` (the caller's own account with its credentials, the
others by assuming a role), in a worker of ``dormant.engine.accounts``' pool. Command-line
only: the Lambda's zip carries neither this module nor ``dormant.aws.orgs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import boto3
import botocore
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.loaders

from dormant.aws.calls import CallCounter
from dormant.aws.orgs import AccountSessions, _client_config, caller_identity
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings, parse_role_name
from dormant.core.time import Timeline
from dormant.engine.accounts import (
    DEFAULT_WORKERS,
    AccountTarget,
    MultiAccountResult,
    check_workers,
    unique_targets,
)
from dormant.roles.aws import IamRoleSource
from dormant.roles.model import Finding
from dormant.roles.references import with_references
from dormant.roles.scan import RoleSource, scan_with

__all__ = [
    "RoleOpener",
    "scan_accounts",
]


@dataclass(frozen=True, slots=True)
class RoleOpener:
    """An ``AccountOpener``: each account's roles through its own session's IAM client."""

    sessions: AccountSessions
    references: bool = False  # read the ``iam`` source of references on the way

    def role_source(self, account_id: str) -> IamRoleSource:
        """The account's roles; raises AssumeRoleError if its role cannot be assumed."""
        return IamRoleSource(
            self.sessions.iam_client(account_id),
            account_id=account_id,
            references=self.references,
        )


def _with_iam_references(source: RoleSource, findings: list[Finding]) -> list[Finding]:
    assert isinstance(source, IamRoleSource)
    found = source.iam_references().references([f.role for f in findings])
    return [with_references(f, found.get(f.role.arn)) for f in findings]


def scan_accounts(
    session: boto3.session.Session,
    targets: Iterable[AccountTarget],
    *,
    role_name: str,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_WORKERS,
    on_account_done: Callable[[str, AccountFailure | None], None] | None = None,
    counter: CallCounter | None = None,
    region: str | None = None,
    config: botocore.config.Config | None = None,
    references: bool = False,
    timeline: Timeline | None = None,
) -> MultiAccountResult[Finding]:
    """Scan every target account, the caller's own with its own credentials, others by role.

    Costs one ``sts:GetCallerIdentity``, then per account one ``sts:AssumeRole`` (none for the
    caller's own account) and ceil(roles/1000) ``iam:GetAccountAuthorizationDetails``, all
    counted by ``counter`` when given (pass the one given to ``organization_targets`` to have
    its calls there too). ``config`` is merged over dormant's client settings (e.g. fewer
    retry attempts, or ``adaptive`` retries). ``references``: each finding gets what the
    ``iam`` source of its account says references it (the same calls, more entity types).
    ``timeline``: leave out the roles created after ``now`` (counted there); a use after it
    fails that account. Raises only for bad arguments (before any call)
    or when the caller cannot be identified; each account's failure is in ``failures``.
    """
    workers = check_workers(workers)
    role_name = parse_role_name(role_name, "--role-name")
    unique = unique_targets(targets)
    if not unique:
        return MultiAccountResult([], [], [])
    counter = counter if counter is not None else CallCounter()
    caller = caller_identity(session, _client_config(config), counter=counter)
    sessions = AccountSessions(
        session, caller, role_name=role_name, counter=counter, region=region, config=config
    )
    return scan_with(
        RoleOpener(sessions, references),
        unique,
        settings=settings,
        now=now,
        workers=workers,
        on_account_done=on_account_done,
        then=_with_iam_references if references else None,
        timeline=timeline,
    )
