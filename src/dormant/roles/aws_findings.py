"""`--source access-analyzer|securityhub` for roles: the option checked, AWS's findings read
and joined.

`parse_source` checks --source and --analyzer-arn against the rest of the command line before
anything is read. `read_aws_findings` reads the caller's account's ACTIVE (Security Hub: open)
UnusedIAMRole findings: Access Analyzer's (`dormant.aws.access_analyzer`) or Security Hub's
(`dormant.aws.securityhub_findings`); from an organization's administrator they name member
accounts. `joined_with_aws` joins them with dormant's decisions on the roles of the accounts
dormant reached (`dormant.roles.agreement`); a finding about any other account is a failure
naming it. Adapter: no decision here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from dormant.core.aws_findings import AwsFinding, FindingSource, parse_finding_source
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.roles.model import Finding

if TYPE_CHECKING:
    import boto3

__all__ = [
    "ROLE_FINDING_TYPES",
    "AwsFindings",
    "joined_with_access_analyzer",
    "joined_with_aws",
    "parse_source",
    "read_aws_findings",
]


# The finding types `dormant scan --source ...` reads.
ROLE_FINDING_TYPES = ("UnusedIAMRole",)


def parse_source(source: str, analyzer_arn: str | None, chosen: Sequence[str]) -> FindingSource:
    """--source and --analyzer-arn, checked against what else was chosen (--snapshot, --org,
    --accounts): AWS's findings are read live, so never with --snapshot; with --org or
    --accounts, the organization analyzer's findings are joined in each member account."""
    return parse_finding_source(source, analyzer_arn, chosen, allowed=("--org", "--accounts"))


@dataclass(frozen=True, slots=True)
class AwsFindings:
    """AWS's findings as read: the call that read them, and where from (the report's source)."""

    findings: tuple[AwsFinding, ...]
    operation: str
    where: str


def read_aws_findings(
    session: boto3.session.Session,
    finding_source: FindingSource,
    account: str,
    *,
    analyzer_arn: str | None = None,
    finding_types: Sequence[str] = ROLE_FINDING_TYPES,
) -> AwsFindings:
    """The caller's account's findings of `finding_types` from `finding_source`."""
    from dormant.aws.session import aws_call, client_config

    if finding_source is FindingSource.SECURITYHUB:
        from dormant.aws.securityhub_findings import READ_OPERATION, read_securityhub_findings

        with aws_call(READ_OPERATION, account):
            hub = session.client("securityhub", config=client_config())
        found = tuple(read_securityhub_findings(hub, finding_types, account_id=account))
        return AwsFindings(found, READ_OPERATION, f"securityhub {hub.meta.region_name}")
    from dormant.aws.access_analyzer import find_analyzer, read_findings
    from dormant.roles.agreement import LIST_OPERATION

    with aws_call("access-analyzer:ListAnalyzers", account):
        client = session.client("accessanalyzer", config=client_config())
    analyzer = find_analyzer(client, account, analyzer_arn)
    found = tuple(read_findings(client, analyzer, finding_types, account_id=account))
    return AwsFindings(found, LIST_OPERATION, f"access-analyzer {analyzer.arn}")


def joined_with_aws(
    aws: AwsFindings,
    findings: list[Finding],
    *,
    reachable_accounts: Collection[str],
    asked_accounts: Collection[str] | None = None,
    settings: Settings,
    now: datetime,
) -> tuple[list[Finding], list[AccountFailure]]:
    """AWS's unused-role findings, each with dormant's decision on the role and whether they
    agree; a finding about an account dormant did not reach is a failure naming it.

    `asked_accounts` (``--accounts``) narrows AWS's findings to the accounts asked for; None
    (one account, or ``--org``) keeps every one AWS reports.
    """
    from dormant.roles.agreement import join_findings

    kept = [f for f in aws.findings if asked_accounts is None or f.account_id in asked_accounts]
    return join_findings(
        kept,
        findings,
        settings=settings,
        now=now,
        reachable_accounts=reachable_accounts,
        operation=aws.operation,
    )


def joined_with_access_analyzer(
    session: boto3.session.Session,
    findings: list[Finding],
    account: str,
    *,
    analyzer_arn: str | None,
    settings: Settings,
    now: datetime,
    finding_source: FindingSource = FindingSource.ACCESS_ANALYZER,
) -> tuple[list[Finding], list[AccountFailure], str]:
    """One live account: AWS's unused-role findings joined with dormant's decisions there
    (``finding_source``: Access Analyzer by default, or Security Hub)."""
    aws = read_aws_findings(session, finding_source, account, analyzer_arn=analyzer_arn)
    joined, failures = joined_with_aws(
        aws, findings, reachable_accounts={account}, settings=settings, now=now
    )
    return joined, failures, f"account {account}, {aws.where}"
