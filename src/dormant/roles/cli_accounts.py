"""The roles' scan of live accounts for the command line: one account with the caller's
credentials, or many through the member role, with the reference sources asked and
progress shown on standard error. Called by ``dormant.roles.cli``; never writes a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import click

from dormant.cli.common import account_targets
from dormant.cli.output import Progress
from dormant.cli.reference_sources import ReferenceOptions
from dormant.core.errors import DormantError
from dormant.core.model import AccountFailure, RoleQuota
from dormant.core.settings import Settings
from dormant.core.time import Timeline
from dormant.roles.decide import evaluate_roles
from dormant.roles.model import Finding
from dormant.roles.references import ReferenceFinder, referenced
from dormant.roles.scan import dated

if TYPE_CHECKING:
    import boto3

__all__ = ["live_account", "many_accounts", "other_finders", "warn"]


def warn(message: str) -> None:
    """One warning line on standard error, as every command writes them."""
    click.echo(f"dormant: warning: {message}", err=True)


def other_finders(
    session: boto3.session.Session, options: ReferenceOptions, account: str
) -> ReferenceFinder | None:
    """The ``config``/``live`` part of the sources (``iam`` comes with the roles)."""
    from dormant.aws.session import client_config
    from dormant.roles.aws_references.finder import reference_finder

    return reference_finder(
        session,
        [s for s in options.sources if s != "iam"],
        account_id=account,
        aggregator=options.aggregator,
        regions=options.regions,
        config=client_config(),
        warn=warn,
    )


def live_account(
    session: boto3.session.Session,
    settings: Settings,
    now: datetime,
    options: ReferenceOptions,
    timeline: Timeline,
) -> tuple[list[Finding], str, RoleQuota | None, str]:
    from dormant.aws.session import aws_call, caller_account, client_config
    from dormant.roles.aws import IamRoleSource, role_quota
    from dormant.roles.aws_stacks import stacks_or_tags
    from dormant.roles.references import combined

    config = client_config()
    account = caller_account(session, config)
    with aws_call("iam:GetAccountAuthorizationDetails", account):
        iam = session.client("iam", config=config)
    with_iam = "iam" in options.sources
    with Progress(f"Reading roles of {account}", unit="roles") as progress:
        source = IamRoleSource(
            iam, account_id=account, on_page=progress.advance, references=with_iam
        )
        # An account holds at most a few thousand roles: collecting them lets the bar
        # finish before any output reaches the same terminal.
        roles = list(dated(source.roles(), timeline))
    stacks = session.client("cloudformation", config=config)
    findings = list(evaluate_roles(stacks_or_tags(stacks, roles, account, warn), settings, now))
    finders: list[ReferenceFinder] = [source.iam_references()] if with_iam else []
    other = other_finders(session, options, account)
    finders += [other] if other is not None else []
    if finders:
        findings = list(referenced(findings, combined(finders)))
    try:
        quota: RoleQuota | None = role_quota(iam, account)
    except DormantError as exc:  # context, not the finding: the report goes on without it
        warn(f"role quota not read: {exc}")
        quota = None
    return findings, f"account {account}", quota, account


def many_accounts(
    session: boto3.session.Session,
    *,
    use_org: bool,
    accounts_file: str | None,
    role_name: str,
    workers: int,
    settings: Settings,
    now: datetime,
    options: ReferenceOptions,
    timeline: Timeline,
) -> tuple[list[Finding], Sequence[AccountFailure], str, tuple[str, ...]]:
    """Every target account's roles decided; their failures; where from; the targets' ids."""
    from dormant.aws.session import caller_account, client_config
    from dormant.roles.aws_accounts import scan_accounts

    targets, source = account_targets(
        session, client_config(), use_org=use_org, accounts_file=accounts_file
    )
    with Progress("Scanning accounts", total=len(targets)) as progress:

        def account_done(account_id: str, failure: AccountFailure | None) -> None:
            progress.advance()

        result = scan_accounts(
            session,
            targets,
            role_name=role_name,
            settings=settings,
            now=now,
            workers=workers,
            on_account_done=account_done,
            references="iam" in options.sources,
            timeline=timeline,
        )
    findings = list(result.findings)
    if any(s != "iam" for s in options.sources):
        account = caller_account(session, client_config())
        findings = list(referenced(findings, other_finders(session, options, account)))
    return findings, list(result.failures), source, tuple(t.account_id for t in targets)
