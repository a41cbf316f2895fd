"""``dormant retire``: the retire campaign in one account: notice, grace, quarantine, delete.

Reads the account live (``GetAccountAuthorizationDetails``; with ``--users`` also the
credential report), prints the plan (step, resource, reason, what comes next), tells the
owners (``--notify``), then, with ``--apply``, what it did. Decisions live in
``dormant.campaign.run`` and the kinds' retire modules; this module parses options, builds
the adapters and prints. Exit codes: 0 when every planned change was made (or planned, in
a dry run); 1 when any resource was refused or failed (an undelivered notice included); 2
for a usage or input error.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

import click

from dormant.campaign.run import Campaign, CampaignReport, run_campaign
from dormant.cli.common import (
    aws_options,
    remediation_settings,
    settings_from_options,
    user_session,
    window_options,
)
from dormant.cli.reference_sources import parse_reference_options, reference_options
from dormant.commands.backups import open_backups
from dormant.notify.channel import Channel, NotifyTarget, parse_notify_targets
from dormant.remediation import DEFAULT_MAX_ROLES
from dormant.roles.remediate.retire import DEFAULT_AFTER_DAYS
from dormant.users.decide import DEFAULT_USER_MAX_DAYS

__all__ = ["retire"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def channels_for(targets: tuple[NotifyTarget, ...], session: Any) -> tuple[Channel, ...]:
    """The channel of each ``--notify`` target; boto3 loads only when SNS is used."""
    channels: list[Channel] = []
    for target in targets:
        if target.kind == "sns":
            from dormant.aws.session import client_config
            from dormant.aws.sns import SnsChannel

            region = target.value.split(":")[3]
            client = session.client("sns", region_name=region, config=client_config())
            channels.append(SnsChannel(client, target.value))
        else:
            from dormant.notify.webhook import WebhookChannel

            channels.append(WebhookChannel(target.value))
    return tuple(channels)


def _finder(session: Any, options: Any, account_id: str, iam_index: Any) -> Any:
    """What references each role: the role reader's iam data, and config or live when asked
    (read on the first question)."""
    from dormant.aws.session import client_config
    from dormant.roles.aws_references.finder import LazyFinder, reference_finder

    def warn(message: str) -> None:
        click.echo(f"dormant: warning: {message}", err=True)

    return LazyFinder(
        lambda: reference_finder(
            session,
            options.sources,
            account_id=account_id,
            iam_index=iam_index,
            aggregator=options.aggregator,
            regions=options.regions,
            config=client_config(),
            warn=warn,
        )
    )


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
        closing=[summary],
        color=sys.stdout.isatty(),
    )


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
    help="Tell the owner first (tag dormant:notice-at) and quarantine only N whole days "
    "later, if still unused. 0: no notice step. Above 0 needs --notify.",
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
@window_options
@aws_options
@reference_options(default="iam", choices=("iam", "config", "live"))
def retire(
    notice_days: int,
    notify: tuple[str, ...],
    default_owner: str | None,
    contact: str | None,
    with_users: bool,
    user_max_days: str,
    after_days: int,
    backup_dir: str | None,
    apply: bool,
    max_roles: int,
    force: bool,
    fmt: str,
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
      notify      NON_COMPLIANT, no notice yet (with --notice-days): tag it, tell the owner
      quarantine  noticed --notice-days ago (or no notice step) and still NON_COMPLIANT
      delete      quarantined >= --after-days ago and unused since (verified backup first)
      clear       used or exempted since its notice: the notice comes off, the owner is told
      keep        waiting, used since its quarantine, compliant, managed elsewhere, referenced
                  by something (--references: iam always; --force deletes it), capped
    Running it twice on the same day changes nothing the second time.
    """
    settings, now = remediation_settings(
        max_days, allow, as_of, exempt_tag, owner_tags, max_exemption_days, apply=apply
    )
    sources = parse_reference_options(references, aggregator, regions)
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
    source = IamRoleSource(iam, account_id=caller.account_id, references=True)
    roles = list(source.roles())
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
        references=_finder(session, sources, caller.account_id, source.iam_references()),
    )
    if fmt == "json":
        click.echo(json.dumps(report.record(), indent=2))
    else:
        _text(report, apply, with_users, _summary(report, bool(targets) or notice_days > 0))
    if report.failed:
        sys.exit(1)
