"""``dormant retire --assignments``: the retire campaign over Identity Center's assignments.

Checks that the caller's account is the organization's management account or Identity
Center's delegated administrator (``check_administrator``), reads every (account,
permission set) pair as ``dormant assignments`` does, runs the campaign
(``dormant.campaign.assignments``) with the notices and backups in ``--backup-dir``, and
prints the plan and what was done. The logic lives there; this module only opens AWS and
prints. It never changes a permission set.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import click

from dormant.assignments.aws_accounts import PairReader, check_administrator, scan_assignments
from dormant.assignments.aws_mutator import IdentityCenterWriter
from dormant.assignments.cli_remediate import text_store
from dormant.assignments.model import AssignmentFinding
from dormant.campaign.assignments import AssignmentCampaignReport, run_assignment_campaign
from dormant.campaign.run import Campaign
from dormant.cli.common import user_session
from dormant.commands.retire import print_notices
from dormant.core.errors import InvalidParameter
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings, parse_role_name
from dormant.notify.channel import Channel, NotifyTarget
from dormant.remediation.outcome import utc_now

__all__ = ["assignments_from_options", "retire_assignments"]

_STEPS = ("notify", "unassign", "clear", "keep")


def _pair_reader(
    session: Any,
    *,
    role_name: str,
    settings: Settings,
    now: datetime,
    instance_arn: str | None,
) -> Callable[[AssignmentFinding], AssignmentFinding]:
    def read(finding: AssignmentFinding) -> AssignmentFinding:
        return PairReader(
            session,
            account_id=finding.account_id,
            permission_set_name=finding.resource_name,
            role_name=role_name,
            settings=settings,
            now=now,
            instance_arn=instance_arn,
        )()

    return read


def _text(
    report: AssignmentCampaignReport,
    failures: Sequence[AccountFailure],
    apply: bool,
    where: str,
) -> None:
    if not apply:
        click.echo("dry run: nothing will be changed; add --apply to make these changes")
    click.echo(f"plan: {len(report.results)} permission sets in accounts (from the {where})")
    for result in report.results:
        record = result.record()
        upcoming: Any = record["next"]
        then = "" if not upcoming else f" (next: {upcoming['step']} on {upcoming['on']})"
        name = f"{record['permission_set_name']} in {record['account_id']}"
        click.echo(f"  {record['step']:<10} {name}: {record['reason']}{then}")
    print_notices(report.notices, report.results, apply=apply, noun="permission sets in accounts")
    for failure in failures:
        click.echo(f"account {failure.account_id}: not read ({failure.message}); skipped")
    steps = [str(r.retirement.step) for r in report.results]
    counts = ", ".join(f"{name} {steps.count(name)}" for name in _STEPS)
    done = sum(1 for r in report.results if r.done)
    click.echo(f"summary: {counts}; done {done}, failed {report.failed}")


def retire_assignments(
    session: Any,
    *,
    settings: Settings,
    now: datetime,
    campaign: Campaign,
    backup_dir: str,
    role_name: str,
    instance_arn: str | None,
    fmt: str,
    clock: Callable[[], datetime],
) -> bool:
    """Run the campaign and print it; whether anything failed (a pair, or an account)."""
    from dormant.aws.orgs import caller_identity
    from dormant.aws.session import client_config

    caller = caller_identity(session, client_config())
    where = check_administrator(session, caller.account_id)
    store = text_store(backup_dir, session)
    scan = scan_assignments(
        session, role_name=role_name, settings=settings, now=now, instance_arn=instance_arn
    )
    sso, identity_store = (
        session.client("sso-admin", config=client_config()),
        session.client("identitystore", config=client_config()),
    )
    report = run_assignment_campaign(
        account_id=caller.account_id,
        findings=scan.findings,
        read_pair=_pair_reader(
            session, role_name=role_name, settings=settings, now=now, instance_arn=instance_arn
        ),
        writer=IdentityCenterWriter(sso, identity_store, account_id=caller.account_id),
        store=store,
        now=now,
        campaign=campaign,
        clock=clock,
        exempt_tag_key=settings.exempt_tag_key,
        caller_arn=caller.arn,
    )
    if fmt == "json":
        record = report.record()
        record["account_failures"] = [
            {"account_id": f.account_id, "operation": f.operation, "message": f.message}
            for f in scan.failures
        ]
        click.echo(json.dumps(record, indent=2))
    else:
        _text(report, scan.failures, campaign.apply, f"{where} account {caller.account_id}")
    return bool(report.failed or scan.failures)


def assignments_from_options(
    with_users: bool,
    notice_days: int,
    targets: tuple[NotifyTarget, ...],
    backup_dir: str | None,
    *,
    make_channels: Callable[[Any], tuple[Channel, ...]],
    settings: Settings,
    now: datetime,
    role_name: str,
    instance_arn: str | None,
    campaign: Campaign,
    profile: str | None,
    region: str | None,
    fmt: str,
) -> None:
    """``--assignments``: every option checked before AWS is opened, then the campaign."""
    if with_users:
        raise InvalidParameter("--assignments", "retires assignments alone: drop --users")
    if notice_days < 1 or not targets:
        raise InvalidParameter(
            "--assignments",
            "an assignment is only removed after its owner was told: give --notice-days N "
            "(1 or more) and --notify",
        )
    if backup_dir is None:
        raise InvalidParameter(
            "--backup-dir",
            "--assignments keeps its backups and notices there: name a folder or s3://",
        )
    role_name = parse_role_name(role_name, "--role-name")
    session = user_session(profile, region)
    failed = retire_assignments(
        session,
        settings=settings,
        now=now,
        campaign=replace(campaign, channels=make_channels(session)),
        backup_dir=backup_dir,
        role_name=role_name,
        instance_arn=instance_arn,
        fmt=fmt,
        clock=utc_now,
    )
    if failed:
        sys.exit(1)
