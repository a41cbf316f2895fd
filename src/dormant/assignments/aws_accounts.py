"""``dormant assignments`` live: the instance read once, then each account's reserved roles.

The instance is read in the caller's account (the management account or Identity Center's
delegated administrator) by ``dormant.assignments.aws.IdentityCenterSource``; each account a
permission set is provisioned to is then opened through ``dormant.aws.orgs.AccountSessions``
(the member role ``--role-name``, as ``dormant scan --org``) in a worker of
``dormant.engine.accounts``' pool. An account whose role cannot be assumed, or whose call is
denied, is one ``AccountFailure``; the others carry on. Command-line only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dormant.assignments.aws import IdentityCenterSource, reserved_roles
from dormant.assignments.model import AssignmentFinding
from dormant.assignments.records import InstanceData
from dormant.assignments.scan import decide_account
from dormant.aws.calls import CallCounter
from dormant.aws.orgs import AccountSessions, caller_identity
from dormant.aws.session import aws_call, client_config
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings, parse_role_name
from dormant.engine.accounts import DEFAULT_WORKERS, AccountTarget, check_workers, each_account

if TYPE_CHECKING:
    import boto3

__all__ = ["AssignmentsScan", "read_instance", "scan_assignments"]


class AssignmentsScan:
    """What a live run found: the instance as read, the findings, the accounts that failed."""

    def __init__(
        self,
        data: InstanceData,
        findings: list[AssignmentFinding],
        failures: Sequence[AccountFailure],
    ) -> None:
        self.data = data
        self.findings = findings
        self.failures = failures


def read_instance(
    session: boto3.session.Session,
    *,
    counter: CallCounter | None = None,
    instance_arn: str | None = None,
) -> InstanceData:
    """The instance the caller's account administers, read with the caller's credentials."""
    config = client_config()
    with aws_call("sso:ListInstances"):
        sso = session.client("sso-admin", config=config)
        store = session.client("identitystore", config=config)
    if counter is not None:
        counter.attach(sso.meta.events)
        counter.attach(store.meta.events)
    return IdentityCenterSource(sso, store, instance_arn=instance_arn).read()


def scan_assignments(
    session: boto3.session.Session,
    *,
    role_name: str,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_WORKERS,
    counter: CallCounter | None = None,
    instance_arn: str | None = None,
    on_account_done: Callable[[str, AccountFailure | None], None] | None = None,
) -> AssignmentsScan:
    """Decide every (account, permission set) pair of the instance."""
    workers = check_workers(workers)
    role_name = parse_role_name(role_name, "--role-name")
    counter = counter if counter is not None else CallCounter()
    data = read_instance(session, counter=counter, instance_arn=instance_arn)
    targets = [AccountTarget(account) for account in data.accounts]
    if not targets:
        return AssignmentsScan(data, [], [])
    caller = caller_identity(session, client_config(), counter=counter)
    sessions = AccountSessions(
        session, caller, role_name=role_name, counter=counter, session_name="dormant-assignments"
    )

    def scan_account(account_id: str) -> list[AssignmentFinding]:
        roles = reserved_roles(sessions.iam_client(account_id), account_id)
        return decide_account(data, account_id, roles, settings, now)

    findings, failures, _ = each_account(
        scan_account, targets, workers=workers, on_account_done=on_account_done
    )
    return AssignmentsScan(data, findings, failures)
