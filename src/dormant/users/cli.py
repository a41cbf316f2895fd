"""``dormant users``: IAM users' unused passwords and access keys, in one account, a saved
credential report, or many accounts.

The decision is ``dormant.users.decide.evaluate_user``, the one the Config rule for users
runs; this module only chooses where users come from and prints them through the users'
layout (``dormant.report.users``), so every format of ``dormant scan`` works. Must never
decide compliance itself, nor import moto.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from dormant.cli.common import (
    account_targets,
    aws_options,
    input_timeline,
    parse_as_of,
    parse_workers,
    report_timeline,
    settings_from_options,
    tag_options,
    user_session,
)
from dormant.cli.output import (
    Progress,
    exit_code,
    output_options,
    output_stream,
    print_failures,
    resolve_format,
)
from dormant.cli.source import finding_source_options, parse_finding_source
from dormant.core.aws_findings import FindingSource
from dormant.core.errors import CredentialReportError, InvalidParameter
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings, parse_role_name
from dormant.core.time import Timeline
from dormant.engine.accounts import DEFAULT_ROLE_NAME, DEFAULT_WORKERS, MAX_WORKERS
from dormant.report import ReportMeta, iso, render
from dormant.users.decide import DEFAULT_USER_MAX_DAYS, evaluate_users
from dormant.users.layout import USER_LAYOUT, user_line_from_finding
from dormant.users.layout_aws import USER_AWS_LAYOUT
from dormant.users.model import User, UserFinding

if TYPE_CHECKING:
    import boto3


__all__ = ["users"]

EXIT_CODES_HELP = (
    "Exit codes: 0 nothing non-compliant; 1 users with unused credentials found; "
    "2 usage, input or AWS access error (nothing written to --output); "
    "3 some accounts could not be scanned (the others are reported)."
)


def _read_report(path: str) -> tuple[list[User], datetime | None]:
    """The report's users, and when AWS generated it (the AWS CLI's JSON says)."""
    from dormant.users.records import generated_time, read_credential_report

    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
    except OSError as exc:
        raise CredentialReportError(
            f"credential report {name} cannot be read: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError as exc:
        raise CredentialReportError(f"credential report {name} is not UTF-8 text ({exc})") from None
    return read_credential_report(text, where=name), generated_time(text, where=name)


def _live_account(
    session: Any, settings: Settings, now: datetime, timeline: Timeline
) -> tuple[list[UserFinding], str, str]:
    from dormant.aws.session import aws_call, caller_account, client_config
    from dormant.users.aws import IamUserSource
    from dormant.users.records import dated_users

    config = client_config()
    account = caller_account(session, config)
    with aws_call("iam:GenerateCredentialReport", account):
        iam = session.client("iam", config=config)
    with Progress(f"Reading the credential report of {account}"):
        users = list(dated_users(IamUserSource(iam, account_id=account).users(), timeline))
    return list(evaluate_users(users, settings, now)), f"account {account}", account


def _many_accounts(
    session: boto3.session.Session,
    *,
    use_org: bool,
    accounts_file: str | None,
    role_name: str,
    workers: int,
    settings: Settings,
    now: datetime,
    timeline: Timeline,
) -> tuple[list[UserFinding], Sequence[AccountFailure], str]:
    from dormant.aws.session import client_config
    from dormant.users.aws_accounts import scan_users_in_accounts

    targets, source = account_targets(
        session, client_config(), use_org=use_org, accounts_file=accounts_file
    )
    with Progress("Scanning accounts", total=len(targets)) as progress:
        findings, failures = scan_users_in_accounts(
            session,
            targets,
            role_name=role_name,
            settings=settings,
            now=now,
            workers=workers,
            on_account_done=lambda account_id, failure: progress.advance(),
            timeline=timeline,
        )
    return findings, failures, source


@click.command(epilog=EXIT_CODES_HELP)
@click.option(
    "--credential-report",
    "report_file",
    metavar="FILE",
    default=None,
    help="Decide offline from a saved credential report: its CSV, or the JSON that "
    "'aws iam get-credential-report' prints; '-' reads standard input. user_id is null.",
)
@click.option(
    "--org",
    "use_org",
    is_flag=True,
    default=False,
    help="Scan every ACTIVE account of the organization, assuming --role-name in each.",
)
@click.option(
    "--accounts",
    "accounts_file",
    metavar="FILE",
    default=None,
    help="Scan the accounts listed in FILE (ids, a JSON list, or 'aws organizations "
    "list-accounts' output); '-' reads standard input.",
)
@click.option(
    "--role-name",
    metavar="NAME",
    default=DEFAULT_ROLE_NAME,
    show_default=True,
    help="Role assumed in each other account with --org/--accounts; it needs "
    "iam:GenerateCredentialReport, iam:GetCredentialReport and "
    "iam:GetAccountAuthorizationDetails.",
)
@click.option(
    "--workers",
    metavar="N",
    default=str(DEFAULT_WORKERS),
    show_default=True,
    help=f"Accounts scanned at the same time with --org/--accounts (1..{MAX_WORKERS}).",
)
@click.option(
    "--max-days",
    "max_days",
    metavar="N",
    default=str(DEFAULT_USER_MAX_DAYS),
    show_default=True,
    help="Window: an active password or access key unused (or, never used, existing) for "
    "more than N whole days is stale, and its user NON_COMPLIANT.",
)
@click.option(
    "--allow",
    "allow",
    metavar="PATTERNS",
    default="",
    help="Allow-list: '|'-separated filename patterns on Path+UserName, case-sensitive, "
    "e.g. '/breakglass/*|/ci/deployer'.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="TIMESTAMP",
    default=None,
    help="Evaluate as of this instant (ISO 8601, e.g. 2024-06-01T00:00:00Z); default now.",
)
@finding_source_options("user", "UnusedIAMUserAccessKey and UnusedIAMUserPassword")
@tag_options
@aws_options
@output_options
@click.pass_context
def users(
    ctx: click.Context,
    report_file: str | None,
    use_org: bool,
    accounts_file: str | None,
    role_name: str,
    workers: str,
    max_days: str,
    allow: str,
    as_of: str | None,
    exempt_tag: str,
    owner_tags: str,
    max_exemption_days: str | None,
    source: str,
    analyzer_arn: str | None,
    profile: str | None,
    region: str | None,
    fmt: str | None,
    output: str | None,
) -> None:
    """Find IAM users whose passwords or access keys go unused (CIS: 45 days).

    Reads the current credentials' account (one credential report and one
    GetAccountAuthorizationDetails per 1,000 users), a saved credential report, or every
    account of an organization. The root user is NON_COMPLIANT when it has an active
    access key. TSV: user name, compliance, annotation.

    \b
    JSON and CSV fields, one finding per user (timestamps ISO 8601 UTC, 'Z'):
      account_id user_name user_id arn path created
      compliance reason annotation   the decision and its explanation
      owner                          the first --owner-tags tag present, or null
      credentials   a list of {kind (password, access_key_1, access_key_2),
                    active, created, last_used, last_used_region,
                    last_used_service, days_unused (since last use, or since
                    created if never used), stale}; absent credentials are left
                    out
    With --source access-analyzer or securityhub, one finding per AWS finding,
    adding:
      aws_finding agrees disagreement   AWS's finding; whether dormant
                                        agrees, why not
      aws_credential   the credential AWS flags (null: the user has it no
                       more, or Security Hub names no key and the user has
                       two)
    """
    settings = settings_from_options(
        max_days,
        allow,
        False,
        exempt_tag,
        owner_tags,
        max_exemption_days=max_exemption_days,
        tracking_days=None,
    )
    now = parse_as_of(as_of)
    worker_count = parse_workers(workers)
    role_name = parse_role_name(role_name, "--role-name")
    chosen = [
        name
        for name, on in (
            ("--credential-report", report_file),
            ("--org", use_org),
            ("--accounts", accounts_file),
        )
        if on
    ]
    if len(chosen) > 1:
        raise InvalidParameter(chosen[1], f"cannot be combined with {chosen[0]}")
    finding_source = parse_finding_source(source, analyzer_arn, chosen)
    fmt = resolve_format(fmt, output)
    failures: Sequence[AccountFailure] = ()
    multi_account = False
    if report_file is None:
        # A live read is checked as a saved report is: users created after --as-of are
        # left out and counted, a use after the clock (plus some skew) names the user.
        timeline = input_timeline(now, as_of, CredentialReportError, live=True)
    if report_file is not None:
        from dormant.users.records import dated_users

        report_users, generated = _read_report(report_file)
        if as_of is None and generated is not None:
            # The report is measured from when AWS made it, unless --as-of says otherwise.
            now, as_of = generated, iso(generated)
        timeline = input_timeline(now, as_of, CredentialReportError, live=False)
        findings = list(evaluate_users(dated_users(report_users, timeline), settings, now))
        origin = "credential report " + ("<stdin>" if report_file == "-" else report_file)
    elif use_org or accounts_file is not None:
        session = user_session(profile, region)
        region = session.region_name
        findings, failures, origin = _many_accounts(
            session,
            use_org=use_org,
            accounts_file=accounts_file,
            role_name=role_name,
            workers=worker_count,
            settings=settings,
            now=now,
            timeline=timeline,
        )
        multi_account = True
    else:
        session = user_session(profile, region)
        region = session.region_name
        findings, origin, account = _live_account(session, settings, now, timeline)
        if finding_source is not FindingSource.DORMANT:
            from dormant.users.aws_findings import joined_with_aws_findings

            findings, failures, origin = joined_with_aws_findings(
                session,
                findings,
                account,
                source=finding_source,
                analyzer_arn=analyzer_arn,
                settings=settings,
                now=now,
            )
    meta = ReportMeta(
        layout=USER_LAYOUT if finding_source is FindingSource.DORMANT else USER_AWS_LAYOUT,
        kind="users",
        generated_at=now,
        source=origin,
        settings={
            "max_days": settings.max_days,
            "allow_patterns": list(settings.allow_patterns),
            "as_of": iso(now),
        },
        failures=failures,
        multi_account=multi_account,
        region=region,
        timeline=timeline,
    )
    color = fmt == "table" and output is None and sys.stdout.isatty()
    with output_stream(output) as out:
        tally = render(fmt, [user_line_from_finding(f) for f in findings], meta, out, color=color)
    print_failures(failures)
    report_timeline(timeline, "users", stale=report_file is not None)
    ctx.exit(exit_code(tally.by_compliance.get("NON_COMPLIANT", 0), failures))
