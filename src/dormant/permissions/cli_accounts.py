"""``dormant permissions --source access-analyzer``: the roles AWS's UnusedPermission findings
name, in the caller's account or, with ``--org``/``--accounts``, in each member account.

AWS's findings are read once, from the caller (``dormant.aws.caller_findings``: an
organization analyzer's, read from its administrator, name every member's roles), before any
account's IAM. They are split by account (``dormant.core.finding_split``); each account is
opened as ``dormant permissions --org`` opens it (its own credentials for the caller's, the
member role for the others) and only the roles AWS flags there are decided; then each
account's findings are joined with dormant's decisions there
(``dormant.permissions.aws_findings``). Organization-wide, an account that cannot be opened
or listed fails alone, and AWS's findings there are failures naming it. No decisions here,
and no output.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dormant.aws.caller_findings import read_caller_findings
from dormant.aws.orgs import caller_identity
from dormant.cli.output import Progress
from dormant.core.aws_findings import FindingSource
from dormant.core.errors import AwsAccessError, RoleDataError
from dormant.core.finding_split import split_by_account
from dormant.core.settings import Settings
from dormant.engine.accounts import AccountTarget
from dormant.permissions.agreement import PERMISSION_FINDING_TYPES, flagged_role_names
from dormant.permissions.aws import access_client_config
from dormant.permissions.aws_accounts import account_failure, permissions_in_account
from dormant.permissions.aws_findings import joined_in_accounts
from dormant.permissions.scan import PermissionsResult, RoleOutcome

if TYPE_CHECKING:
    import boto3

__all__ = ["flagged_permissions"]


def flagged_permissions(
    session: boto3.session.Session,
    names: Collection[str] | None,
    *,
    finding_source: FindingSource,
    analyzer_arn: str | None,
    settings: Settings,
    now: datetime,
    workers: int,
    in_flight: int,
    accounts: Sequence[AccountTarget] | None = None,
    narrowed: bool = False,
    role_name: str = "",
) -> tuple[PermissionsResult, str]:
    """The roles AWS's UnusedPermission findings name (narrowed to `names`), each decided by
    dormant and joined with AWS's finding; and where from, as the report says it (the
    caller's account, when alone, and the source).

    `accounts` None: the caller's account alone, whose errors stop the command. Else the
    accounts to read (``--org``, or with `narrowed` the ``--accounts`` file, which also
    narrows AWS's findings to them), each opened through `role_name` and failing alone.
    """
    caller = caller_identity(session, access_client_config(workers))
    aws = read_caller_findings(
        session,
        finding_source,
        caller.account_id,
        PERMISSION_FINDING_TYPES,
        analyzer_arn=analyzer_arn,
    )
    targets = {t.account_id for t in accounts} if accounts is not None else {caller.account_id}
    kept = [f for f in aws.findings if not narrowed or f.account_id in targets]
    decided = PermissionsResult([], [])
    failed: set[str] = set()
    with Progress("Reading last access", unit="roles") as progress:

        def on_role_done(_: RoleOutcome) -> None:
            progress.advance()

        for account, found in sorted(split_by_account(kept, targets).reached.items()):
            flagged = [n for n in flagged_role_names(found) if names is None or n in names]
            if not flagged:
                continue
            try:
                # Listed, not fetched one by one: a role AWS names that IAM lacks is the
                # join's failure.
                result = permissions_in_account(
                    session,
                    caller,
                    account,
                    flagged,
                    role_name=role_name,
                    settings=settings,
                    now=now,
                    workers=workers,
                    in_flight=in_flight,
                    on_role_done=on_role_done,
                )
            except (AwsAccessError, RoleDataError) as exc:
                if accounts is None:
                    raise
                decided.failures.append(account_failure(account, exc))
                failed.add(account)
                continue
            decided.findings.extend(result.findings)
            decided.failures.extend(result.failures)
    joined, failures = joined_in_accounts(
        aws.reader,
        kept,
        decided.findings,
        reached=targets - failed,
        settings=settings,
        now=now,
        wanted=names,
        fail_alone=accounts is not None,
    )
    where = aws.reader.where
    if accounts is None:
        where = f"account {aws.account_id}, {where}"
    return PermissionsResult(joined, [*decided.failures, *failures]), where
