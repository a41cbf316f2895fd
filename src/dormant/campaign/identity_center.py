"""The retire stack's assignments part: with ``ASSIGNMENTS=Enabled``, the daily run retires
Identity Center's unused assignments too (``dormant.campaign.assignments``).

Run by ``dormant.campaign.handler`` under the run's lease, after the roles: checks that the
function's account is the organization's management account or Identity Center's
delegated administrator, reads every (account, permission set) pair through the member
role ``MEMBER_ROLE_NAME``, and runs the campaign with the notices and backups under
``assignments/`` in the stack's bucket. An account whose member role cannot be read is
logged and left for the next run; a pair whose change failed fails the run (the handler
raises). Thin, like the handler: no decision here. Must never import the command line or
the simulation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from dormant.assignments.aws_accounts import PairReader, check_administrator, scan_assignments
from dormant.assignments.aws_mutator import IdentityCenterWriter
from dormant.assignments.model import AssignmentFinding
from dormant.aws.s3 import S3ObjectStore
from dormant.campaign.assignments import AssignmentCampaignReport, run_assignment_campaign
from dormant.campaign.run import Campaign
from dormant.core.errors import InvalidParameter
from dormant.core.settings import Settings, parse_role_name
from dormant.engine.accounts import DEFAULT_ROLE_NAME
from dormant.remediation.budget import Budget

__all__ = ["ASSIGNMENTS_PREFIX", "AssignmentsEnvironment", "retire_assignments"]

# Beside the roles' backups (``roles/``), never under them.
ASSIGNMENTS_PREFIX = "assignments/"


class AssignmentsEnvironment:
    """The stack's Assignments parameters, from the function's environment, checked."""

    def __init__(self, env: Mapping[str, str]) -> None:
        enabled = env.get("ASSIGNMENTS", "").strip() or "Disabled"
        if enabled not in ("Enabled", "Disabled"):
            raise InvalidParameter("ASSIGNMENTS", f"{enabled!r} is not Enabled or Disabled")
        self.enabled = enabled == "Enabled"
        self.instance_arn = env.get("IDENTITY_CENTER_INSTANCE_ARN", "").strip() or None
        self.member_role = parse_role_name(
            env.get("MEMBER_ROLE_NAME", "").strip() or DEFAULT_ROLE_NAME, "MEMBER_ROLE_NAME"
        )


def retire_assignments(
    session: Any,
    s3: Any,
    *,
    bucket: str,
    caller_account: str,
    caller_arn: str,
    environment: AssignmentsEnvironment,
    settings: Settings,
    now: datetime,
    campaign: Campaign,
    clock: Callable[[], datetime],
    budget: Budget | None,
    sso_config: Any,
) -> tuple[AssignmentCampaignReport, list[dict[str, str]]]:
    """One run over the instance's pairs; the report and the accounts that were not read."""
    check_administrator(session, caller_account)
    store = S3ObjectStore(s3, bucket, ASSIGNMENTS_PREFIX)
    scan = scan_assignments(
        session,
        role_name=environment.member_role,
        settings=settings,
        now=now,
        instance_arn=environment.instance_arn,
    )

    def read_pair(finding: AssignmentFinding) -> AssignmentFinding:
        return PairReader(
            session,
            account_id=finding.account_id,
            permission_set_name=finding.resource_name,
            role_name=environment.member_role,
            settings=settings,
            now=now,
            instance_arn=environment.instance_arn,
        )()

    writer = IdentityCenterWriter(
        session.client("sso-admin", config=sso_config),
        session.client("identitystore", config=sso_config),
        account_id=caller_account,
    )
    report = run_assignment_campaign(
        account_id=caller_account,
        findings=scan.findings,
        read_pair=read_pair,
        writer=writer,
        store=store,
        now=now,
        campaign=campaign,
        clock=clock,
        exempt_tag_key=settings.exempt_tag_key,
        caller_arn=caller_arn,
        budget=budget,
    )
    failures = [
        {"account_id": f.account_id, "operation": f.operation, "message": f.message}
        for f in scan.failures
    ]
    return report, failures
