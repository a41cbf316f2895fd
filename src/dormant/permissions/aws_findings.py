"""`--source access-analyzer|securityhub` for permissions: AWS's UnusedPermission findings,
their details read only where the join needs them (never for Security Hub's, read whole), and
the join.

`joined_with_aws_findings` takes the findings the command listed (one ListFindingsV2 page per
1,000) and dormant's decisions on the roles they name, calls the reader's `details`
(GetFindingV2, its details paged) only for a role whose decision weighed its services
(`dormant.permissions.agreement.needs_details`), and joins. Adapter: no decision here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from dormant.aws.findings_source import FindingReader
from dormant.core.aws_findings import AwsFinding
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.permissions.agreement import join_permission_findings, needs_details
from dormant.permissions.model import PermissionsFinding

__all__ = ["joined_with_aws_findings"]


def joined_with_aws_findings(
    reader: FindingReader,
    aws_findings: Sequence[AwsFinding],
    findings: Sequence[PermissionsFinding],
    account: str,
    *,
    settings: Settings,
    now: datetime,
    wanted: Collection[str] | None,
) -> tuple[list[PermissionsFinding], list[AccountFailure]]:
    """Each AWS finding with dormant's decision on its role and whether they agree; what could
    not be joined is a failure."""
    by_arn = {finding.arn: finding for finding in findings}
    detailed = [
        reader.details(aws) if needs_details(aws, by_arn.get(aws.resource_arn)) else aws
        for aws in aws_findings
    ]
    return join_permission_findings(
        detailed,
        findings,
        settings=settings,
        now=now,
        reachable_accounts={account},
        wanted=wanted,
        operation=reader.operation,
    )
