"""`--source access-analyzer|securityhub` for roles: the option checked, AWS's findings read
and joined.

`parse_source` checks --source and --analyzer-arn against the rest of the command line before
anything is read. The scan reads the caller's account's ACTIVE (Security Hub: open)
UnusedIAMRole findings through the source's reader (`dormant.aws.findings_source`); from an
organization's administrator they name member accounts. `joined_with_aws` joins them with
dormant's decisions on the roles of the accounts dormant reached (`dormant.roles.agreement`);
a finding about any other account is a failure naming it. Adapter: no decision here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dormant.core.aws_findings import FindingSource, parse_finding_source
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.roles.model import Finding

if TYPE_CHECKING:
    from dormant.aws.findings_source import SourceFindings

__all__ = ["ROLE_FINDING_TYPES", "joined_with_aws", "parse_source"]


# The finding types `dormant scan --source ...` reads.
ROLE_FINDING_TYPES = ("UnusedIAMRole",)


def parse_source(source: str, analyzer_arn: str | None, chosen: Sequence[str]) -> FindingSource:
    """--source and --analyzer-arn, checked against what else was chosen (--snapshot, --org,
    --accounts): AWS's findings are read live, so never with --snapshot; with --org or
    --accounts, the organization analyzer's findings are joined in each member account."""
    return parse_finding_source(source, analyzer_arn, chosen, allowed=("--org", "--accounts"))


def joined_with_aws(
    aws: SourceFindings,
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
