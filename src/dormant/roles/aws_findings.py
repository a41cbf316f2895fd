"""`--source access-analyzer` for roles: the option checked, AWS's findings read and joined.

`parse_source` checks --source and --analyzer-arn against the rest of the command line before
anything is read; `joined_with_access_analyzer` reads the account's unused-access analyzer's
ACTIVE UnusedIAMRole findings (`dormant.aws.access_analyzer`) and joins them with dormant's
decisions on the account's roles (`dormant.roles.agreement`). Adapter: no decision here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dormant.core.aws_findings import FindingSource
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.roles.model import Finding

if TYPE_CHECKING:
    import boto3

__all__ = ["ROLE_FINDING_TYPES", "joined_with_access_analyzer", "parse_source"]


# The finding types `dormant scan --source access-analyzer` reads.
ROLE_FINDING_TYPES = ("UnusedIAMRole",)


def parse_source(source: str, analyzer_arn: str | None, chosen: Sequence[str]) -> FindingSource:
    """--source and --analyzer-arn, checked against what else was chosen (--snapshot, --org,
    --accounts): AWS's findings are read from one live account for now."""
    from dormant.cli.source import parse_finding_source

    return parse_finding_source(source, analyzer_arn, chosen)


def joined_with_access_analyzer(
    session: boto3.session.Session,
    findings: list[Finding],
    account: str,
    *,
    analyzer_arn: str | None,
    settings: Settings,
    now: datetime,
) -> tuple[list[Finding], list[AccountFailure], str]:
    """AWS's unused-role findings, each with dormant's decision on the role and whether they
    agree (``dormant.roles.agreement``); what could not be joined is a failure."""
    from dormant.aws.access_analyzer import find_analyzer, read_findings
    from dormant.aws.session import aws_call, client_config
    from dormant.roles.agreement import join_findings

    with aws_call("access-analyzer:ListAnalyzers", account):
        client = session.client("accessanalyzer", config=client_config())
    analyzer = find_analyzer(client, account, analyzer_arn)
    aws_findings = list(read_findings(client, analyzer, ROLE_FINDING_TYPES, account_id=account))
    joined, failures = join_findings(
        aws_findings, findings, settings=settings, now=now, reachable_accounts={account}
    )
    return joined, failures, f"account {account}, access-analyzer {analyzer.arn}"
