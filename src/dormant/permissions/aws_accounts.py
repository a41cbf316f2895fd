"""Wiring for ``dormant permissions``: which roles, which clients, one account or many.

- ``account_permissions``: one account's roles (every role through
  GetAccountAuthorizationDetails, 1,000 a page, or the named ones through GetRole), their
  last access through ``dormant.permissions.aws.IamAccessSource`` and the one decision, through
  ``dormant.permissions.scan.scan_permissions`` (up to ``in_flight`` jobs started ahead, at
  most ``workers`` calls at once).
- ``accounts_permissions``: the same in each target account, one account after another
  (each with its roles in parallel: IAM throttles these jobs per account), the caller's own
  account with its credentials, the others through ``sts:AssumeRole`` of ``role_name``
  (``permissions_in_account``). An account that cannot be opened or listed fails alone
  (``account_failure``).

No decisions here, and no output: the command line renders what comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dormant.aws.orgs import CallerIdentity, caller_identity
from dormant.aws.session import (
    assume_role_session,
)
from dormant.core.errors import AwsAccessError, RoleDataError
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.engine.accounts import AccountTarget, unique_targets
from dormant.permissions.aws import (
    IamAccessSource,
    OnRole,
    OnRoles,
    access_client_config,
    role_by_name,
)
from dormant.permissions.scan import DEFAULT_IN_FLIGHT, PermissionsResult, scan_permissions
from dormant.roles.aws import IamRoleSource
from dormant.roles.model import Role

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_iam import IAMClient

__all__ = [
    "account_failure",
    "account_permissions",
    "accounts_permissions",
    "permissions_in_account",
]


def _roles(
    iam: IAMClient, account_id: str, names: Sequence[str] | None, *, filter_names: bool
) -> tuple[list[Role], list[AccountFailure]]:
    """The roles to decide, and a failure for each named role the account lacks."""
    if names is None or filter_names:
        listed = list(IamRoleSource(iam, account_id=account_id).roles())
        if names is None:
            return listed, []
        wanted = set(names)
        return [role for role in listed if role.name in wanted], []
    roles: list[Role] = []
    failures: list[AccountFailure] = []
    for name in names:
        role = role_by_name(iam, name, account_id)
        if role is None:
            failures.append(
                AccountFailure(
                    account_id, "iam:GetRole", f"role {name} does not exist in account {account_id}"
                )
            )
        else:
            roles.append(role)
    return roles, failures


def account_permissions(
    iam: IAMClient,
    account_id: str,
    names: Sequence[str] | None,
    *,
    settings: Settings,
    now: datetime,
    workers: int,
    in_flight: int = DEFAULT_IN_FLIGHT,
    on_roles: OnRoles | None = None,
    on_role_done: OnRole | None = None,
    filter_names: bool = False,
    source_options: dict[str, Any] | None = None,
) -> PermissionsResult:
    """Decide the account's roles (``names``; None: every role). ``on_roles`` hears how many
    roles will be read (progress bars); ``source_options`` go to ``IamAccessSource``."""
    roles, missing = _roles(iam, account_id, names, filter_names=filter_names)
    if on_roles is not None:
        on_roles(len(roles))
    source = IamAccessSource(iam, account_id=account_id, **(source_options or {}))
    result = scan_permissions(
        source,
        roles,
        settings=settings,
        now=now,
        workers=workers,
        in_flight=in_flight,
        on_role_done=on_role_done,
    )
    result.failures.extend(missing)
    return result


def permissions_in_account(
    session: boto3.session.Session,
    caller: CallerIdentity,
    account: str,
    names: Sequence[str] | None,
    *,
    role_name: str,
    settings: Settings,
    now: datetime,
    workers: int,
    in_flight: int = DEFAULT_IN_FLIGHT,
    on_roles: OnRoles | None = None,
    on_role_done: OnRole | None = None,
    source_options: dict[str, Any] | None = None,
) -> PermissionsResult:
    """Decide the roles of one account (``names``; None: every role), the caller's own with
    its credentials, another through ``role_name``; raises what stops the whole account
    (``account_failure`` says it as a failure)."""
    config = access_client_config(workers)
    if account == caller.account_id:
        account_session = session
    else:
        account_session = assume_role_session(
            session,
            f"arn:{caller.partition}:iam::{account}:role/{role_name}",
            session_name="dormant-permissions",
            config=config,
        )
    return account_permissions(
        account_session.client("iam", config=config),
        account,
        names,
        settings=settings,
        now=now,
        workers=workers,
        in_flight=in_flight,
        on_roles=on_roles,
        on_role_done=on_role_done,
        filter_names=True,
        source_options=source_options,
    )


def account_failure(account: str, exc: AwsAccessError | RoleDataError) -> AccountFailure:
    """An account that could not be opened or listed, as its one failure."""
    if isinstance(exc, AwsAccessError):
        return AccountFailure(account, exc.operation or "permissions", str(exc))
    return AccountFailure(account, "iam:GetAccountAuthorizationDetails", str(exc))


def accounts_permissions(
    session: boto3.session.Session,
    targets: Iterable[AccountTarget],
    names: Sequence[str] | None,
    *,
    role_name: str,
    settings: Settings,
    now: datetime,
    workers: int,
    in_flight: int = DEFAULT_IN_FLIGHT,
    on_roles: OnRoles | None = None,
    on_role_done: OnRole | None = None,
    source_options: dict[str, Any] | None = None,
) -> PermissionsResult:
    """Decide the roles of every target account; a named role an account lacks is no failure
    there (names pick roles across accounts), an account that cannot be read is one."""
    caller = caller_identity(session, access_client_config(workers))
    merged = PermissionsResult([], [])
    for target in unique_targets(targets):
        try:
            result = permissions_in_account(
                session,
                caller,
                target.account_id,
                names,
                role_name=role_name,
                settings=settings,
                now=now,
                workers=workers,
                in_flight=in_flight,
                on_roles=on_roles,
                on_role_done=on_role_done,
                source_options=source_options,
            )
        except (AwsAccessError, RoleDataError) as exc:
            merged.failures.append(account_failure(target.account_id, exc))
            continue
        merged.findings.extend(result.findings)
        merged.failures.extend(result.failures)
    merged.findings.sort(key=lambda f: (f.account_id, f.role.name, f.role.arn))
    return merged
