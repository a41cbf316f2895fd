"""`--source access-analyzer|securityhub` for users: AWS's credential findings read and joined.

`joined_with_aws_findings` takes the ACTIVE UnusedIAMUserPassword and UnusedIAMUserAccessKey
findings read from the caller (`dormant.aws.caller_findings`), asks the caller's reader for
one finding's details only where its summary cannot say which access key it is about (a user
with two keys; Security Hub's are read whole and name no key), maps those keys' ids to their
creation with one ListAccessKeys per such user in the user's own account (through the member
role organization-wide), and joins everything with dormant's decisions
(`dormant.users.agreement`), account by account. A user with one key, or a password finding,
costs no call beyond the listing. Adapter: no decision here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dormant.aws.caller_findings import CallerFindings
from dormant.aws.findings_source import FindingReader, detailed_where_needed
from dormant.aws.session import aws_call, client_config
from dormant.core.aws_findings import AwsFinding
from dormant.core.errors import AwsAccessError
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.users.agreement import (
    USER_FINDING_TYPES,
    has_two_keys,
    join_user_findings,
    needs_key_id,
)
from dormant.users.model import UserFinding

if TYPE_CHECKING:
    import boto3

__all__ = [
    "joined_in_accounts",
    "joined_with_aws_findings",
    "joined_with_reader",
    "key_creation",
]


def key_creation(iam: Any, user_names: set[str], account_id: str) -> dict[str, datetime]:
    """Access key id -> creation, for each named user (one ListAccessKeys each)."""
    from dormant.aws.calls import each_page

    created: dict[str, datetime] = {}
    for name in sorted(user_names):
        pages = each_page(
            iam,
            "list_access_keys",
            lambda: aws_call("iam:ListAccessKeys", account_id),
            UserName=name,
        )
        for page in pages:
            for key in page.get("AccessKeyMetadata", []):
                created[str(key["AccessKeyId"])] = key["CreateDate"]
    return created


def joined_in_accounts(
    reader: FindingReader,
    aws_findings: Iterable[AwsFinding],
    findings: list[UserFinding],
    *,
    reached: Collection[str],
    iam_in: Callable[[str], Any],
    settings: Settings,
    now: datetime,
    fail_alone: bool = False,
) -> tuple[list[UserFinding], list[AccountFailure]]:
    """The join over AWS's findings of any number of accounts (`reached`: those whose users
    `findings` hold). `reader` gives the details of a finding about a user with two keys;
    `iam_in(account)` opens that account's IAM, only for such users, for ListAccessKeys.
    With `fail_alone` (many accounts), an account whose keys cannot be listed, or whose
    findings' details cannot be read, fails alone: its failure, and its findings as failures
    naming it; else the error propagates."""
    by_arn = {finding.arn: finding for finding in findings}
    detailed, failures = detailed_where_needed(
        reader,
        aws_findings,
        lambda aws: needs_key_id(aws, by_arn.get(aws.resource_arn)),
        fail_alone=fail_alone,
    )
    joinable = set(reached) - {failure.account_id for failure in failures}
    two_keys: dict[str, set[str]] = {}
    for aws in detailed:
        finding = by_arn.get(aws.resource_arn)
        if aws.access_key_id is not None and finding is not None and has_two_keys(finding):
            two_keys.setdefault(aws.account_id, set()).add(finding.user.name)
    key_created: dict[str, datetime] = {}
    for account in sorted(two_keys.keys() & joinable):
        try:
            key_created |= key_creation(iam_in(account), two_keys[account], account)
        except AwsAccessError as exc:
            if not fail_alone:
                raise
            failures.append(
                AccountFailure(account, exc.operation or "iam:ListAccessKeys", str(exc))
            )
            joinable.discard(account)
    joined, join_failures = join_user_findings(
        detailed,
        findings,
        settings=settings,
        now=now,
        reachable_accounts=joinable,
        key_created=key_created,
        operation=reader.operation,
    )
    return joined, failures + join_failures


def joined_with_reader(
    reader: FindingReader,
    iam: Callable[[], Any],
    findings: list[UserFinding],
    account: str,
    *,
    settings: Settings,
    now: datetime,
) -> tuple[list[UserFinding], list[AccountFailure]]:
    """One account's join over its reader; `iam` makes the IAM client, only when a user has
    two keys."""
    return joined_in_accounts(
        reader,
        reader.findings(USER_FINDING_TYPES),
        findings,
        reached={account},
        iam_in=lambda _: iam(),
        settings=settings,
        now=now,
    )


def joined_with_aws_findings(
    session: boto3.session.Session,
    aws: CallerFindings,
    findings: list[UserFinding],
    *,
    settings: Settings,
    now: datetime,
    reached: Collection[str] | None = None,
    asked: Collection[str] | None = None,
    role_name: str = "",
) -> tuple[list[UserFinding], list[AccountFailure], str]:
    """AWS's unused-credential findings (read from the caller), each with dormant's decision
    on the user and whether they agree; what could not be joined is a failure; and the
    report's source's suffix.

    One account by default. Organization-wide, `reached` are the accounts whose users
    `findings` hold, `asked` (``--accounts``) narrows AWS's findings to the accounts asked
    for (None: every one AWS reports), and `role_name` opens a member's IAM for its
    ListAccessKeys.
    """
    if reached is None:

        def own_iam(account: str) -> Any:
            with aws_call("iam:ListAccessKeys", account):
                return session.client("iam", config=client_config())

        joined, failures = joined_in_accounts(
            aws.reader,
            aws.findings,
            findings,
            reached={aws.account_id},
            iam_in=own_iam,
            settings=settings,
            now=now,
        )
        return joined, failures, aws.reader.where
    opened: list[Any] = []

    def member_iam(account: str) -> Any:
        # Opened on the first user with two keys: most runs need no member's ListAccessKeys.
        from dormant.aws.calls import CallCounter
        from dormant.aws.orgs import AccountSessions, caller_identity

        if not opened:
            counter = CallCounter()
            caller = caller_identity(session, client_config(), counter=counter)
            opened.append(
                AccountSessions(
                    session,
                    caller,
                    role_name=role_name,
                    counter=counter,
                    session_name="dormant-users",
                )
            )
        return opened[0].iam_client(account)

    joined, failures = joined_in_accounts(
        aws.reader,
        [f for f in aws.findings if asked is None or f.account_id in asked],
        findings,
        reached=reached,
        iam_in=member_iam,
        settings=settings,
        now=now,
        fail_alone=True,
    )
    return joined, failures, aws.reader.where
