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
from typing import TYPE_CHECKING, Any

from dormant.assignments.aws import IdentityCenterSource, reserved_roles
from dormant.assignments.model import AssignmentFinding
from dormant.assignments.records import InstanceData
from dormant.assignments.scan import decide_account
from dormant.aws.calls import CallCounter
from dormant.aws.orgs import AccountSessions, caller_identity
from dormant.aws.session import aws_call, client_config
from dormant.core.errors import AwsAccessError, RemediationRefused
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings, parse_role_name
from dormant.engine.accounts import DEFAULT_WORKERS, AccountTarget, check_workers, each_account

if TYPE_CHECKING:
    import boto3

__all__ = [
    "SSO_SERVICE_PRINCIPAL",
    "AssignmentsScan",
    "PairReader",
    "check_administrator",
    "read_instance",
    "scan_assignments",
]

# Identity Center's service principal, as Organizations names its delegated administrators.
SSO_SERVICE_PRINCIPAL = "sso.amazonaws.com"


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


def _clients(session: boto3.session.Session) -> tuple[Any, Any]:
    config = client_config()
    with aws_call("sso:ListInstances"):
        return session.client("sso-admin", config=config), session.client(
            "identitystore", config=config
        )


class PairReader:
    """Reads and decides one (account, permission set) pair, fresh each time it is called:
    ``dormant unassign`` plans with it and re-checks with it just before the change."""

    def __init__(
        self,
        session: boto3.session.Session,
        *,
        account_id: str,
        permission_set_name: str,
        role_name: str,
        settings: Settings,
        now: datetime,
        instance_arn: str | None = None,
    ) -> None:
        self.account_id = account_id
        self.permission_set_name = permission_set_name
        self._settings = settings
        self._now = now
        self.sso_admin, self.identity_store = _clients(session)
        self.source = IdentityCenterSource(
            self.sso_admin, self.identity_store, instance_arn=instance_arn
        )
        counter = CallCounter()
        caller = caller_identity(session, client_config(), counter=counter)
        self._sessions = AccountSessions(
            session,
            caller,
            role_name=parse_role_name(role_name, "--role-name"),
            counter=counter,
            session_name="dormant-unassign",
        )

    def __call__(self) -> AssignmentFinding:
        data = self.source.read_pair(self.account_id, self.permission_set_name)
        roles = reserved_roles(self._sessions.iam_client(self.account_id), self.account_id)
        findings = decide_account(data, self.account_id, roles, self._settings, self._now)
        return next(
            f
            for f in findings
            if f.subject.permission_set is not None
            and f.subject.permission_set_name == self.permission_set_name
        )


def check_administrator(session: boto3.session.Session, account_id: str) -> str:
    """``management`` or ``delegated administrator``: where assignments may be retired from.

    Organizations says which account manages the organization (DescribeOrganization) and,
    when it is another, which accounts administer Identity Center for it
    (ListDelegatedAdministrators). Anything else is refused with one line, before any
    change: an account instance of Identity Center, or a member account, holds none of the
    organization's assignments."""
    client = session.client("organizations", config=client_config())
    try:
        with aws_call("organizations:DescribeOrganization", account_id):
            management = str(client.describe_organization()["Organization"]["MasterAccountId"])
    except AwsAccessError as exc:
        if exc.code != "AWSOrganizationsNotInUseException":
            raise
        raise RemediationRefused(
            f"account {account_id} is in no organization: assignments are retired only from "
            "the management account or Identity Center's delegated administrator"
        ) from None
    if management == account_id:
        return "management"
    admins: set[str] = set()
    try:
        with aws_call("organizations:ListDelegatedAdministrators", account_id):
            for page in client.get_paginator("list_delegated_administrators").paginate(
                ServicePrincipal=SSO_SERVICE_PRINCIPAL
            ):
                admins.update(str(a["Id"]) for a in page.get("DelegatedAdministrators", []))
    except AwsAccessError as exc:
        if exc.code not in ("AccessDeniedException", "AccessDenied"):
            raise
    if account_id in admins:
        return "delegated administrator"
    raise RemediationRefused(
        f"account {account_id} is neither the organization's management account "
        f"({management}) nor Identity Center's delegated administrator: run dormant retire "
        "--assignments there; nothing was changed"
    )


def read_instance(
    session: boto3.session.Session,
    *,
    counter: CallCounter | None = None,
    instance_arn: str | None = None,
    workers: int = DEFAULT_WORKERS,
) -> InstanceData:
    """The instance the caller's account administers, read with the caller's credentials."""
    sso, store = _clients(session)
    if counter is not None:
        counter.attach(sso.meta.events)
        counter.attach(store.meta.events)
    return IdentityCenterSource(sso, store, instance_arn=instance_arn, workers=workers).read()


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
    data = read_instance(session, counter=counter, instance_arn=instance_arn, workers=workers)
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
