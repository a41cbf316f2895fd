"""``dormant retire``: the retire campaign in one account: notice, grace, quarantine, delete.

Reads the account live (``GetAccountAuthorizationDetails``; with ``--users`` also the
credential report), prints the plan (step, resource, reason, what comes next), tells the
owners (``--notify``), then, with ``--apply``, what it did. With ``--source
access-analyzer`` only roles that AWS's ACTIVE finding and dormant both call unused are
noticed, quarantined or deleted; with ``--archive`` too, each deleted role's finding is
archived after its delete (a failed archive is its own failure line). Decisions live in
``dormant.campaign.run`` and the kinds' retire modules; this module parses options, builds
the adapters and prints. Exit codes: 0 when every planned change was made (or planned, in
a dry run); 1 when any resource was refused or failed (an undelivered notice included); 2
for a usage or input error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

from dormant.campaign.run import Campaign, CampaignReport, Notice, run_campaign
from dormant.cli.common import (
    aws_options,
    remediation_settings,
    settings_from_options,
    user_session,
    window_options,
)
from dormant.cli.reference_sources import parse_reference_options, reference_options
from dormant.cli.source import live_source_options
from dormant.commands.archive import parse_archive
from dormant.commands.backups import open_backups
from dormant.commands.retire_adapters import (
    agreed_with_source,
    channels_for,
    reference_finder_for,
)
from dormant.engine.accounts import DEFAULT_ROLE_NAME
from dormant.notify.channel import parse_notify_targets
from dormant.remediation import DEFAULT_MAX_ROLES
from dormant.roles.remediate.retire import DEFAULT_AFTER_DAYS
from dormant.users.decide import DEFAULT_USER_MAX_DAYS

__all__ = ["print_notices", "retire"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _text(report: CampaignReport, apply: bool, users: bool, summary: str) -> None:
    """The plan as fitted tables on a terminal (160 columns off one), then the summary."""
    from dormant.report.retire_table import render_retire

    counted = f", {len(report.users)} users" if users else ""
    heading = (
        [] if apply else ["dry run: nothing will be changed; add --apply to make these changes"]
    )
    render_retire(
        [result.record() for result in report.results],
        [notice.record() for notice in report.notices],
        sys.stdout,
        apply=apply,
        heading=[*heading, f"plan: {len(report.roles)} roles{counted}"],
        closing=[
            *(f"note: {note}" for note in report.source_notes),
            *(archived.line() for archived in report.archives),
            summary,
        ],
        color=sys.stdout.isatty(),
    )


def print_notices(
    notices: Sequence[Notice], results: Sequence[Any], *, apply: bool, noun: str
) -> None:
    """Each owner's notice and whether it went, then what each change did (every kind)."""
    for notice in notices:
        state = "delivered" if notice.delivered else "not sent (dry run)"
        if apply and not notice.delivered:
            state = f"NOT delivered: {notice.error}"
        click.echo(
            f"notice to {notice.owner} via {', '.join(notice.channels)}: {state} "
            f"({len(notice.resources)} {noun})"
        )
    for result in results:
        if result.outcome is not None:
            click.echo(f"{result.outcome.status.value}: {result.outcome.message}")


def _summary(report: CampaignReport, noticing: bool) -> str:
    steps = [str(r.record()["step"]) for r in report.results]
    names = (
        ["notify", "quarantine", "delete", "clear", "keep"]
        if noticing
        else [
            "quarantine",
            "delete",
            "keep",
        ]
    )
    counts = ", ".join(f"{name} {steps.count(name)}" for name in names)
    done = sum(1 for r in report.results if r.done)
    return f"summary: {counts}; done {done}, failed {report.failed}"


@click.command()
@click.option(
    "--notice-days",
    type=click.IntRange(min=0),
    metavar="N",
    default=0,
    show_default=True,
    help="Tell the owner first (tag dormant:notice-at) and quarantine only after N whole "
    "days, the notice day counting as none, if still unused. 0: no notice step. Above 0 "
    "needs --notify.",
)
@click.option(
    "--notify",
    "notify",
    multiple=True,
    metavar="sns:TOPIC_ARN|webhook:URL",
    help="Where owners are told, one message per owner per run (repeatable). SNS messages "
    "carry the attribute owner; webhook:env:NAME reads the URL from $NAME.",
)
@click.option(
    "--default-owner",
    metavar="TEAM",
    default=None,
    help="Who is told about resources without an owner tag (required when some have none).",
)
@click.option("--contact", metavar="TEXT", default=None, help="Whom owners may ask, in messages.")
@click.option(
    "--users",
    "with_users",
    is_flag=True,
    default=False,
    help="Also retire IAM users' unused credentials: notice, then quarantine (never deleted).",
)
@click.option(
    "--assignments",
    "with_assignments",
    is_flag=True,
    default=False,
    help="Retire Identity Center's unused assignments instead of this account's roles: "
    "notice, then unassign (backed up to --backup-dir, which also keeps the notices). Run "
    "in the management account or Identity Center's delegated administrator; needs "
    "--notice-days and --notify.",
)
@click.option(
    "--role-name",
    metavar="NAME",
    default=DEFAULT_ROLE_NAME,
    show_default=True,
    help="With --assignments: the role assumed in each account to read its reserved "
    "roles' last use.",
)
@click.option(
    "--instance-arn",
    metavar="ARN",
    default=None,
    help="With --assignments: the Identity Center instance, when more than one is visible.",
)
@click.option(
    "--user-max-days",
    metavar="N",
    default=str(DEFAULT_USER_MAX_DAYS),
    show_default=True,
    help="The users' window (credentials unused for more whole days are stale).",
)
@click.option(
    "--after-days",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_AFTER_DAYS,
    show_default=True,
    help="Delete a role quarantined at least N whole days ago and unused since.",
)
@click.option(
    "--backup-dir",
    metavar="DIR|s3://BUCKET/PREFIX/",
    default=None,
    help="Where the verified backups go before a delete: a folder, or a versioned S3 "
    "bucket (encrypted, read back); without it, no role is deleted.",
)
@click.option(
    "--apply",
    is_flag=True,
    default=False,
    help="Make the changes and send the notices. Without it, only print the plan.",
)
@click.option(
    "--max-roles",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_MAX_ROLES,
    show_default=True,
    help="Quarantine or delete at most N roles (and N users) this run; the rest wait.",
)
@click.option(
    "--force",
    is_flag=True,
    default=False,
    help="Also act on roles that CloudFormation, StackSets or Control Tower manage, and "
    "delete roles that something references.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the plan, fitted to the terminal's width; json: "
    '{"kind": "retire", "account_id", "steps": [...], "notices": [...]} (see the manual).',
)
@click.option(
    "--archive",
    is_flag=True,
    default=False,
    help="With --source and --apply: once a role is deleted, archive AWS's finding about "
    "it (Access Analyzer: UpdateFindings); the output names the action and the backup. A "
    "failed archive is its own failure line; the delete stands.",
)
@live_source_options
@window_options
@aws_options
@reference_options(default="iam", choices=("iam", "config", "live"))
def retire(
    notice_days: int,
    notify: tuple[str, ...],
    default_owner: str | None,
    contact: str | None,
    with_users: bool,
    with_assignments: bool,
    role_name: str,
    instance_arn: str | None,
    user_max_days: str,
    after_days: int,
    backup_dir: str | None,
    apply: bool,
    max_roles: int,
    force: bool,
    fmt: str,
    archive: bool,
    source: str,
    analyzer_arn: str | None,
    max_days: str,
    allow: str,
    exempt_tag: str,
    owner_tags: str,
    max_exemption_days: str | None,
    as_of: str | None,
    profile: str | None,
    region: str | None,
    references: str,
    aggregator: str | None,
    regions: str | None,
) -> None:
    """Retire unused roles (and, with --users, users): notice, quarantine, then delete.

    \b
    For every role of the account, one step:
      notify      NON_COMPLIANT, no notice yet (with --notice-days): tag it,
                  tell the owner
      quarantine  noticed --notice-days ago (or no notice step) and still
                  NON_COMPLIANT
      delete      quarantined >= --after-days ago and unused since
                  (verified backup first)
      clear       used or exempted since its notice: the notice comes off,
                  the owner is told
      keep        waiting, used since its quarantine, compliant, managed
                  elsewhere, referenced by something (--references: iam
                  always; --force deletes it), capped
    Running it twice on the same day changes nothing the second time.

    \b
    --source access-analyzer|securityhub: a role is noticed, quarantined or
    deleted only where AWS's open UnusedIAMRole finding and dormant's own
    decision agree (give --max-days the analyzer's window); every other
    refusal still applies.

    \b
    With --assignments, for every (account, permission set) pair of
    Identity Center:
      notify      NON_COMPLIANT, no notice yet: the owner is told, the day
                  kept in --backup-dir's assignment-notices.json
      unassign    on the day the notice announced, still NON_COMPLIANT: its
                  assignments are backed up to --backup-dir, then removed
                  ('dormant restore' undoes it)
      clear, keep as for roles; --max-roles caps the pairs unassigned per run
    """
    settings, now = remediation_settings(
        max_days, allow, as_of, exempt_tag, owner_tags, max_exemption_days, apply=apply
    )
    sources = parse_reference_options(references, aggregator, regions)
    finding_source = parse_archive(source, analyzer_arn, archive, source_alone=True)
    user_settings = settings_from_options(
        user_max_days,
        allow,
        False,
        exempt_tag,
        owner_tags,
        max_exemption_days=max_exemption_days,
        tracking_days=None,
    )
    targets = parse_notify_targets(notify, os.environ)
    if notice_days > 0 and not targets:
        Campaign(notice_days=notice_days).check()
    if with_assignments:
        from dormant.commands.retire_assignments import assignments_from_options

        assignments_from_options(
            with_users,
            notice_days,
            targets,
            backup_dir,
            make_channels=lambda session: channels_for(targets, session),
            settings=settings,
            now=now,
            role_name=role_name,
            instance_arn=instance_arn,
            campaign=Campaign(
                notice_days=notice_days,
                max_roles=max_roles,
                default_owner=default_owner,
                contact=contact,
                apply=apply,
            ),
            profile=profile,
            region=region,
            fmt=fmt,
        )
        return
    session = user_session(profile, region)
    backups = open_backups(backup_dir, session)
    campaign = Campaign(
        notice_days=notice_days,
        after_days=after_days,
        max_roles=max_roles,
        default_owner=default_owner,
        contact=contact,
        force=force,
        apply=apply,
        channels=channels_for(targets, session),
    )
    from dormant.aws.session import client_config
    from dormant.roles.aws import IamRoleSource
    from dormant.roles.aws_mutator import IamRoleMutator

    config = client_config()
    mutator = IamRoleMutator.from_session(session, config)
    caller = mutator.caller()
    iam = session.client("iam", config=config)
    users = user_mutator = None
    if with_users:
        from dormant.users.aws import IamUserSource
        from dormant.users.aws_mutator import IamUserMutator

        users = IamUserSource(iam, account_id=caller.account_id).users()
        user_mutator = IamUserMutator.from_session(session, config)
    role_source = IamRoleSource(iam, account_id=caller.account_id, references=True)
    roles = list(role_source.roles())
    agreed, archiver = agreed_with_source(
        session, finding_source, analyzer_arn, roles, caller.account_id, settings, now
    )
    report = run_campaign(
        account_id=caller.account_id,
        roles=roles,
        role_mutator=mutator,
        settings=settings,
        now=now,
        campaign=campaign,
        backups=backups,
        clock=_utc_now,
        caller_arn=caller.arn,
        users=users,
        user_mutator=user_mutator,
        user_settings=user_settings,
        references=reference_finder_for(
            session, sources, caller.account_id, role_source.iam_references()
        ),
        source=agreed,
        archiver=archiver if archive else None,
    )
    if fmt == "json":
        click.echo(json.dumps(report.record(), indent=2))
    else:
        _text(report, apply, with_users, _summary(report, bool(targets) or notice_days > 0))
    if report.failed:
        sys.exit(1)
