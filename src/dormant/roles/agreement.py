"""The join of AWS's unused-role findings with dormant's own decision on the same roles.

Each AWS finding (`AwsFinding`, from Access Analyzer or Security Hub) is matched by ARN with
the dormant `Finding` that `dormant.roles.decide.evaluate_role` made on IAM's data for that
role (the scan's one decision), and gets an `Agreement`: true only where dormant's rules also say
unused and nothing dormant refuses on applies; else false with why, in the first of these
that holds:

- service-linked: AWS manages the role;
- exempt by tag (until a date, when the tag names one);
- allow-listed (the matching pattern);
- used after AWS's last analysis (the role's last use is later than `analyzedAt`);
- the windows differ (AWS's analyzer window against dormant's `--max-days`), or the role is
  younger than dormant's window, or it was used within it;
- managed by CloudFormation, Identity Center, ... (dormant does not retire such roles);
- referenced by resources (when references were read).

A finding about an account dormant cannot reach, or about a role IAM no longer holds, is an
`AccountFailure` naming the account: nothing AWS reports is dropped.

`agreed_roles` is the same join for the retire campaign (`--source`): which roles AWS's
finding and dormant agree on, by ARN; a role missing from it is never noticed, quarantined
or deleted. Pure: no boto3, no clock (`now` is an argument).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from dormant.core.aws_findings import (
    Agreement,
    AwsFinding,
    allow_listed,
    exempt_by_tag,
)
from dormant.core.finding_split import join_by_arn
from dormant.core.model import AccountFailure, Compliance
from dormant.core.settings import Settings
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Finding, Reason, Role

__all__ = ["LIST_OPERATION", "AgreedRoles", "agreed_roles", "agreement", "join_findings"]

LIST_OPERATION = "access-analyzer:ListFindingsV2"


def agreement(finding: Finding, aws: AwsFinding, settings: Settings, now: datetime) -> Agreement:
    """Whether dormant's decision on a role agrees with AWS's unused-role finding about it."""
    role = finding.role
    if finding.reason is Reason.SERVICE_LINKED:
        return Agreement(False, "service-linked: AWS manages it")
    if finding.reason is Reason.EXEMPT:
        return exempt_by_tag(role.tags, settings, now)
    if finding.reason is Reason.ALLOW_LISTED:
        return allow_listed(role.path_and_name, settings)
    if finding.compliance is not Compliance.NON_COMPLIANT:
        return Agreement(False, _why_used(finding, aws, settings))
    if finding.managed_by is not None:
        return Agreement(False, f"managed by {finding.managed_by}")
    if finding.references is not None and finding.references.referenced:
        count = finding.references.resources
        return Agreement(False, f"referenced by {count} resource{'s' if count != 1 else ''}")
    return Agreement(True)


def _why_used(finding: Finding, aws: AwsFinding, settings: Settings) -> str:
    """Why dormant finds a role AWS calls unused in use (young or recently used)."""
    last_used = finding.role.last_used
    if last_used is not None and last_used > aws.analyzed_at:
        return f"used {_days(finding.days_unused)} ago, after AWS's last analysis"
    if aws.window_days != settings.max_days:
        return f"AWS window {aws.window_days} days, dormant's {settings.max_days}"
    if finding.reason is Reason.YOUNG:
        return f"role is {_days(finding.age_days)} old, within dormant's {settings.max_days}"
    return f"used {_days(finding.days_unused)} ago, within dormant's {settings.max_days}"


def _days(count: int | None) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def join_findings(
    aws_findings: Iterable[AwsFinding],
    findings: Iterable[Finding],
    *,
    settings: Settings,
    now: datetime,
    reachable_accounts: Collection[str],
    operation: str = LIST_OPERATION,
) -> tuple[list[Finding], list[AccountFailure]]:
    """One dormant finding per AWS finding about a role, and what could not be joined.

    `findings` are dormant's decisions on every role of the reachable accounts (as the scan
    makes them); the result keeps AWS's order within each account. `operation` is the call
    that read AWS's findings, named in the failures.
    """

    def missing(aws: AwsFinding) -> str:
        return (
            f"AWS finding {aws.id} names {aws.resource_arn}, which IAM no longer "
            f"holds (deleted after AWS's analysis of {aws.analyzed_at:%Y-%m-%d})"
        )

    return join_by_arn(
        aws_findings,
        findings,
        lambda finding, aws: replace(
            finding, aws_finding=aws, agreement=agreement(finding, aws, settings, now)
        ),
        reached=reachable_accounts,
        operation=operation,
        noun=("unused role", "unused roles"),
        missing=missing,
    )


@dataclass(frozen=True, slots=True)
class AgreedRoles:
    """What AWS's findings say about an account's roles, for the retire campaign.

    ``verdicts``: role ARN -> whether dormant agrees with AWS's ACTIVE finding about it (a
    role AWS has no finding about is absent); ``findings``: role ARN -> that finding (what
    ``--archive`` closes); ``failures``: findings that could not be joined, each naming its
    account (a role deleted after AWS's analysis, an account the campaign does not act in).
    """

    source: str
    verdicts: dict[str, Agreement]
    findings: dict[str, AwsFinding]
    failures: tuple[AccountFailure, ...] = ()

    def hold(self, arn: str) -> str | None:
        """Why the campaign may not act on this role (None: both say unused)."""
        verdict = self.verdicts.get(arn)
        if verdict is None:
            return f"{self.source} has no ACTIVE unused-role finding about it"
        if not verdict.agrees:
            return f"AWS ({self.source}) and dormant disagree: {verdict.why}"
        return None


def agreed_roles(
    aws_findings: Iterable[AwsFinding],
    roles: Iterable[Role],
    *,
    source: str,
    settings: Settings,
    now: datetime,
    account_id: str,
) -> AgreedRoles:
    """Join AWS's unused-role findings with dormant's decision on each of the account's
    roles (the scan's one decision, ``evaluate_role``)."""
    findings = [evaluate_role(role, settings, now) for role in roles]
    joined, failures = join_findings(
        aws_findings, findings, settings=settings, now=now, reachable_accounts={account_id}
    )
    verdicts: dict[str, Agreement] = {}
    by_arn: dict[str, AwsFinding] = {}
    for finding in joined:
        if finding.aws_finding is None or finding.agreement is None:
            continue
        verdicts[finding.arn] = finding.agreement
        by_arn[finding.arn] = finding.aws_finding
    return AgreedRoles(source, verdicts, by_arn, tuple(failures))
