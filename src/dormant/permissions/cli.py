"""``dormant permissions``: the granted services (and actions) used roles never use.

The decision is ``dormant.permissions.decide.evaluate_permissions``; reading the data is
``dormant.permissions.aws`` (one IAM job per role), its wiring ``dormant.aws.permissions``. This
module only parses options, chooses the accounts and renders ``PERMISSIONS_LAYOUT`` in the
chosen format. Exit codes as ``dormant scan``: 0 nothing unused, 1 some role holds unused
services, 2 usage, input or access error, 3 some roles or accounts could not be read (the
others are reported). Must never decide compliance itself, nor import moto.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from dormant.cli.common import (
    account_targets,
    aws_options,
    parse_as_of,
    parse_workers,
    settings_from_options,
    tag_options,
    user_session,
)
from dormant.cli.output import (
    Progress,
    exit_code,
    output_options,
    output_stream,
    resolve_format,
)
from dormant.cli.source import finding_source_options, parse_finding_source
from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter
from dormant.core.model import AccountFailure
from dormant.core.settings import SERVICE_LAST_ACCESSED_TRACKING_DAYS, Settings, parse_role_name
from dormant.engine.accounts import DEFAULT_ROLE_NAME, MAX_WORKERS
from dormant.permissions.layout import PERMISSIONS_LAYOUT, PermissionsLine
from dormant.permissions.layout_aws import PERMISSIONS_AWS_LAYOUT
from dormant.permissions.model import DEFAULT_PERMISSIONS_MAX_DAYS
from dormant.permissions.scan import (
    DEFAULT_ACCESS_WORKERS,
    DEFAULT_IN_FLIGHT,
    PermissionsResult,
    RoleOutcome,
)
from dormant.permissions.scan.pipeline import MAX_IN_FLIGHT
from dormant.report import ReportMeta, iso, render

__all__ = ["permissions"]

_EPILOG = (
    "Exit codes: 0 no role holds unused services; 1 some role does; 2 usage, input or AWS "
    "access error (nothing written to --output); 3 some roles or accounts could not be read "
    "(the others are reported)."
)


def _names(role_names: Sequence[str], all_roles: bool, flagged: bool) -> list[str] | None:
    """The named roles; None for every role (--all) or, with `flagged` (--source), for every
    role AWS flags."""
    if all_roles and role_names:
        raise InvalidParameter("--all", "cannot be combined with role names")
    if not all_roles and not role_names and not flagged:
        raise InvalidParameter("ROLE_NAME", "name one or more roles, or pass --all")
    if all_roles or not role_names:
        return None
    names: list[str] = []
    for name in role_names:
        if "/" in name:
            raise InvalidParameter(
                "ROLE_NAME", f"{name!r}: give the role's plain name, without its path"
            )
        names.append(parse_role_name(name, "ROLE_NAME"))
    return list(dict.fromkeys(names))


def parse_in_flight(value: str) -> int:
    """--in-flight: jobs started and not yet read, 1..MAX_IN_FLIGHT."""
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_IN_FLIGHT:
        raise InvalidParameter(
            "--in-flight", f"expected a whole number from 1 to {MAX_IN_FLIGHT}, got {value!r}"
        )
    return int(text)


def print_role_failures(failures: Sequence[AccountFailure]) -> None:
    for failure in failures:
        click.echo(f"dormant: failed: {' '.join(failure.message.split())}", err=True)


def _read(
    names: list[str] | None,
    *,
    session: Any,
    use_org: bool,
    accounts_file: str | None,
    role_name: str,
    settings: Settings,
    now: datetime,
    workers: int,
    in_flight: int,
    filter_names: bool = False,
) -> tuple[PermissionsResult, str, bool]:
    from dormant.aws.session import aws_call, caller_account
    from dormant.permissions.aws import access_client_config
    from dormant.permissions.aws_accounts import account_permissions, accounts_permissions

    config = access_client_config(workers)
    with Progress("Reading last access", unit="roles") as progress:

        def on_role_done(_: RoleOutcome) -> None:
            progress.advance()

        if use_org or accounts_file is not None:
            targets, source = account_targets(
                session, config, use_org=use_org, accounts_file=accounts_file
            )
            result = accounts_permissions(
                session,
                targets,
                names,
                role_name=role_name,
                settings=settings,
                now=now,
                workers=workers,
                in_flight=in_flight,
                on_role_done=on_role_done,
            )
            return result, source, True
        account = caller_account(session, config)
        with aws_call("iam:GetAccountAuthorizationDetails", account):
            iam = session.client("iam", config=config)
        result = account_permissions(
            iam,
            account,
            names,
            settings=settings,
            now=now,
            workers=workers,
            in_flight=in_flight,
            on_role_done=on_role_done,
            filter_names=filter_names,
        )
        return result, f"account {account}", False


def _read_flagged(
    names: list[str] | None,
    *,
    finding_source: FindingSource,
    analyzer_arn: str | None,
    session: Any,
    settings: Settings,
    now: datetime,
    workers: int,
    in_flight: int,
) -> tuple[PermissionsResult, str]:
    """The roles AWS's UnusedPermission findings name (narrowed to `names`), each decided by
    dormant and joined with AWS's finding (``dormant.permissions.aws_findings``)."""
    from dormant.aws.findings_source import finding_reader
    from dormant.aws.session import caller_account
    from dormant.permissions.agreement import PERMISSION_FINDING_TYPES, flagged_role_names
    from dormant.permissions.aws import access_client_config
    from dormant.permissions.aws_findings import joined_with_aws_findings

    account = caller_account(session, access_client_config(workers))
    reader = finding_reader(finding_source, session, account, analyzer_arn=analyzer_arn)
    aws_findings = list(reader.findings(PERMISSION_FINDING_TYPES))
    flagged = [n for n in flagged_role_names(aws_findings) if names is None or n in names]
    result, source = PermissionsResult([], []), f"account {account}"
    if flagged:
        # Listed, not fetched one by one: a role AWS names that IAM lacks is the join's failure.
        result, source, _ = _read(
            flagged,
            session=session,
            use_org=False,
            accounts_file=None,
            role_name="",
            settings=settings,
            now=now,
            workers=workers,
            in_flight=in_flight,
            filter_names=True,
        )
    joined, failures = joined_with_aws_findings(
        reader, aws_findings, result.findings, account, settings=settings, now=now, wanted=names
    )
    return PermissionsResult(joined, [*result.failures, *failures]), f"{source}, {reader.where}"


def _settings_record(
    settings: Settings, now: datetime, workers: int, in_flight: int
) -> dict[str, Any]:
    return {
        "max_days": settings.max_days,
        "allow_patterns": list(settings.allow_patterns),
        "include_service_linked": settings.include_service_linked,
        "as_of": iso(now),
        "workers": workers,
        "in_flight": in_flight,
    }


@click.command(epilog=_EPILOG)
@click.argument("role_names", metavar="[ROLE_NAME ...]", nargs=-1)
@click.option(
    "--all",
    "all_roles",
    is_flag=True,
    default=False,
    help="Every role of the account (GetAccountAuthorizationDetails, 1,000 a page).",
)
@click.option(
    "--max-days",
    metavar="N",
    default=str(DEFAULT_PERMISSIONS_MAX_DAYS),
    show_default=True,
    help="Window: a granted service unused for more than N whole days is unused, and a "
    "role no older than N days is spared.",
)
@click.option(
    "--allow",
    metavar="PATTERNS",
    default="",
    help="Allow-list: '|'-separated filename patterns on Path+RoleName, case-sensitive.",
)
@click.option(
    "--include-service-linked",
    is_flag=True,
    default=False,
    help="Judge service-linked roles instead of reporting them NOT_APPLICABLE.",
)
@click.option(
    "--as-of",
    metavar="TIMESTAMP",
    default=None,
    help="Evaluate as of this instant (ISO 8601, e.g. 2024-06-01T00:00:00Z); default now.",
)
@click.option(
    "--workers",
    metavar="N",
    default=str(DEFAULT_ACCESS_WORKERS),
    show_default=True,
    help=f"IAM calls made at the same time (1..{MAX_WORKERS}); IAM throttles these calls.",
)
@click.option(
    "--in-flight",
    metavar="N",
    default=str(DEFAULT_IN_FLIGHT),
    show_default=True,
    help=f"Last-access jobs started ahead and not yet read (1..{MAX_IN_FLIGHT}): a job "
    "waiting for IAM holds no worker, so many are started while --workers calls run.",
)
@click.option(
    "--org",
    "use_org",
    is_flag=True,
    default=False,
    help="Every ACTIVE account of the organization, assuming --role-name in each.",
)
@click.option(
    "--accounts",
    "accounts_file",
    metavar="FILE",
    default=None,
    help="The accounts listed in FILE (ids, a JSON list, or 'aws organizations "
    "list-accounts' output; '-' reads standard input).",
)
@click.option(
    "--role-name",
    metavar="NAME",
    default=DEFAULT_ROLE_NAME,
    show_default=True,
    help="Role assumed in each other account with --org/--accounts.",
)
@finding_source_options("role", "UnusedPermission")
@tag_options
@aws_options
@output_options
@click.pass_context
def permissions(
    ctx: click.Context,
    role_names: tuple[str, ...],
    all_roles: bool,
    max_days: str,
    allow: str,
    include_service_linked: bool,
    as_of: str | None,
    workers: str,
    in_flight: str,
    use_org: bool,
    accounts_file: str | None,
    role_name: str,
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
    """Find the granted services (and actions) roles have not used within --max-days.

    For each role, IAM's service last-accessed data (one job per role, polled, paged) lists
    every service its policies allow; a service with no use, or none for more than
    --max-days whole days, is unused, and a role holding any is non-compliant. Role names
    are plain names (no path); --all takes every role.

    \b
    JSON: {"generated_at", "kind", "source", "settings", "findings", "summary",
    "failures"}; each finding:
      account_id role_name role_id arn path compliance reason annotation
      services         every granted service: {namespace, name, last_used,
                       last_used_region, days_unused, unused, unused_actions}
      unused_services  the unused services' namespaces, sorted
      proposed_deny    the IAM policy denying them (null when none is unused);
                       `dormant restrict ROLE_NAME` puts it on the role,
                       reversibly
    With --source access-analyzer or securityhub, the roles of AWS's
    UnusedPermission findings (narrowed by ROLE_NAMEs), one finding each,
    adding aws_finding (with AWS's unused services; Security Hub names none),
    agrees and disagreement.
    """
    chosen = [name for name, on in (("--org", use_org), ("--accounts", accounts_file)) if on]
    finding_source = parse_finding_source(source, analyzer_arn, chosen)
    names = _names(role_names, all_roles, finding_source is not FindingSource.DORMANT)
    settings = settings_from_options(
        max_days,
        allow,
        include_service_linked,
        exempt_tag,
        owner_tags,
        max_exemption_days=max_exemption_days,
        tracking_days=SERVICE_LAST_ACCESSED_TRACKING_DAYS,
        tracked="service last access",
    )
    now = parse_as_of(as_of)
    worker_count = parse_workers(workers)
    jobs_in_flight = parse_in_flight(in_flight)
    role_name = parse_role_name(role_name, "--role-name")
    if use_org and accounts_file is not None:
        raise InvalidParameter("--accounts", "cannot be combined with --org")
    fmt = resolve_format(fmt, output)
    session = user_session(profile, region)
    layout = PERMISSIONS_LAYOUT
    if finding_source is FindingSource.DORMANT:
        result, origin, multi_account = _read(
            names,
            session=session,
            use_org=use_org,
            accounts_file=accounts_file,
            role_name=role_name,
            settings=settings,
            now=now,
            workers=worker_count,
            in_flight=jobs_in_flight,
        )
    else:
        result, origin = _read_flagged(
            names,
            finding_source=finding_source,
            analyzer_arn=analyzer_arn,
            session=session,
            settings=settings,
            now=now,
            workers=worker_count,
            in_flight=jobs_in_flight,
        )
        layout, multi_account = PERMISSIONS_AWS_LAYOUT, False
    meta = ReportMeta(
        layout=layout,
        kind="permissions",
        generated_at=now,
        source=origin,
        settings=_settings_record(settings, now, worker_count, jobs_in_flight),
        failures=result.failures,
        multi_account=multi_account,
        region=session.region_name,
    )
    color = fmt == "table" and output is None and sys.stdout.isatty()
    lines = [PermissionsLine(finding) for finding in result.findings]
    with output_stream(output) as out:
        tally = render(fmt, lines, meta, out, color=color)
    print_role_failures(result.failures)
    ctx.exit(exit_code(tally.non_compliant, result.failures))
