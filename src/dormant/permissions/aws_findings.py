"""`--source access-analyzer|securityhub` for permissions: AWS's UnusedPermission findings,
their details read only where the join needs them (never for Security Hub's, read whole), and
the join.

`joined_in_accounts` takes the findings the command listed (one ListFindingsV2 page per
1,000) and dormant's decisions on the roles they name, calls the reader's `details`
(GetFindingV2, its details paged) only for a role whose decision weighed its services
(`dormant.permissions.agreement.needs_details`), and joins, in one account or in each of many
(an organization analyzer's findings, read from its administrator; details are asked from
the caller's analyzer, which listed them). Adapter: no decision here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from dormant.aws.findings_source import FindingReader, detailed_where_needed
from dormant.core.aws_findings import AwsFinding
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.permissions.agreement import join_permission_findings, needs_details
from dormant.permissions.model import PermissionsFinding

__all__ = ["joined_in_accounts", "joined_with_aws_findings"]


def joined_in_accounts(
    reader: FindingReader,
    aws_findings: Sequence[AwsFinding],
    findings: Sequence[PermissionsFinding],
    *,
    reached: Collection[str],
    settings: Settings,
    now: datetime,
    wanted: Collection[str] | None,
    fail_alone: bool = False,
) -> tuple[list[PermissionsFinding], list[AccountFailure]]:
    """Each AWS finding with dormant's decision on its role and whether they agree, in every
    account of `reached` (those whose roles `findings` hold); what could not be joined is a
    failure. The caller's `reader` gives the details; with `fail_alone` (many accounts), an
    account whose details cannot be read fails alone, its findings as failures naming it."""
    by_arn = {finding.arn: finding for finding in findings}
    detailed, failures = detailed_where_needed(
        reader,
        aws_findings,
        lambda aws: needs_details(aws, by_arn.get(aws.resource_arn)),
        fail_alone=fail_alone,
    )
    failed = {failure.account_id for failure in failures}
    joined, join_failures = join_permission_findings(
        detailed,
        findings,
        settings=settings,
        now=now,
        reachable_accounts=set(reached) - failed,
        wanted=wanted,
        operation=reader.operation,
    )
    return joined, failures + join_failures


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
    """`joined_in_accounts` in one account."""
    return joined_in_accounts(
        reader,
        aws_findings,
        findings,
        reached={account},
        settings=settings,
        now=now,
        wanted=wanted,
    )
