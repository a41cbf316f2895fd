"""`--source access-analyzer|securityhub` for users: AWS's credential findings read and joined.

`joined_with_aws_findings` reads the ACTIVE UnusedIAMUserPassword and UnusedIAMUserAccessKey
findings through the source's reader (`dormant.aws.findings_source`), asks for one finding's
details only where its summary cannot say which access key it is about (a user with two
keys; Security Hub's are read whole and name no key), maps those keys' ids to their creation
with one ListAccessKeys per such user, and joins everything with dormant's decisions
(`dormant.users.agreement`). A user with one key, or a password finding, costs no call beyond
the listing. Adapter: no decision here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dormant.aws.findings_source import FindingReader, finding_reader
from dormant.aws.session import aws_call, client_config
from dormant.core.aws_findings import AwsFinding, FindingSource
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

__all__ = ["joined_with_aws_findings", "joined_with_reader", "key_creation"]


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


def joined_with_reader(
    reader: FindingReader,
    iam: Callable[[], Any],
    findings: list[UserFinding],
    account: str,
    *,
    settings: Settings,
    now: datetime,
) -> tuple[list[UserFinding], list[AccountFailure]]:
    """The join over one reader; `iam` makes the IAM client, only when a user has two keys."""
    by_arn = {finding.arn: finding for finding in findings}
    aws_findings: list[AwsFinding] = []
    for aws in reader.findings(USER_FINDING_TYPES):
        if needs_key_id(aws, by_arn.get(aws.resource_arn)):
            aws = reader.details(aws)
        aws_findings.append(aws)
    two_keys = {
        finding.user.name
        for aws in aws_findings
        if aws.access_key_id is not None
        and (finding := by_arn.get(aws.resource_arn)) is not None
        and has_two_keys(finding)
    }
    key_created = key_creation(iam(), two_keys, account) if two_keys else {}
    return join_user_findings(
        aws_findings,
        findings,
        settings=settings,
        now=now,
        reachable_accounts={account},
        key_created=key_created,
        operation=reader.operation,
    )


def joined_with_aws_findings(
    session: boto3.session.Session,
    findings: list[UserFinding],
    account: str,
    *,
    source: FindingSource,
    analyzer_arn: str | None,
    settings: Settings,
    now: datetime,
) -> tuple[list[UserFinding], list[AccountFailure], str]:
    """AWS's unused-credential findings, each with dormant's decision on the user and whether
    they agree; what could not be joined is a failure; and the report's source."""
    reader = finding_reader(source, session, account, analyzer_arn=analyzer_arn)

    def iam() -> Any:
        with aws_call("iam:ListAccessKeys", account):
            return session.client("iam", config=client_config())

    joined, failures = joined_with_reader(
        reader, iam, findings, account, settings=settings, now=now
    )
    return joined, failures, f"account {account}, {reader.where}"
