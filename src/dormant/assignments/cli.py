"""``dormant assignments``: Identity Center permission sets unused in each account.

Reads the instance in the management account (or Identity Center's delegated
administrator) and each account's reserved roles through ``--role-name``, or all of it
from a snapshot directory, and prints the findings of ``dormant.assignments.decide``
through the kind's layout, so every format of ``dormant scan`` works. Must never decide
compliance itself, nor import moto.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime

import click

from dormant.assignments.layout import ASSIGNMENT_LAYOUT, assignment_line
from dormant.assignments.model import AssignmentFinding
from dormant.assignments.records import InstanceData
from dormant.cli.common import (
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
    print_failures,
    resolve_format,
)
from dormant.core.errors import InvalidParameter, SnapshotError
from dormant.core.model import AccountFailure
from dormant.core.settings import DEFAULT_MAX_DAYS, Settings, parse_role_name
from dormant.engine.accounts import DEFAULT_ROLE_NAME, DEFAULT_WORKERS, MAX_WORKERS
from dormant.report import ReportMeta, iso, render

__all__ = ["assignments", "snapshot_findings"]

EXIT_CODES_HELP = (
    "Exit codes: 0 nothing non-compliant; 1 unused permission sets found; "
    "2 usage, input or AWS access error (nothing written to --output); "
    "3 some accounts could not be scanned (the others are reported)."
)


def snapshot_findings(
    directory: str, settings: Settings, now: datetime
) -> tuple[InstanceData, list[AssignmentFinding], list[AccountFailure]]:
    """Every finding of a snapshot directory; an account without its roles file fails alone."""
    from dormant.assignments.scan import decide_account
    from dormant.assignments.snapshot import read_instance, read_roles

    data = read_instance(directory)
    findings: list[AssignmentFinding] = []
    failures: list[AccountFailure] = []
    for account in data.accounts:
        try:
            roles = read_roles(directory, account)
        except SnapshotError as exc:
            failures.append(AccountFailure(account, "iam:GetAccountAuthorizationDetails", str(exc)))
            continue
        findings.extend(decide_account(data, account, roles, settings, now))
    return data, findings, failures


@click.command(epilog=EXIT_CODES_HELP)
@click.option(
    "--snapshot",
    metavar="DIR",
    default=None,
    help="Decide offline from a snapshot directory (identity-center.json and "
    "roles/<account>.json); try src/dormant/examples/identity-center.",
)
@click.option(
    "--role-name",
    metavar="NAME",
    default=DEFAULT_ROLE_NAME,
    show_default=True,
    help="Role assumed in each account a permission set is provisioned to; it needs "
    "iam:GetAccountAuthorizationDetails.",
)
@click.option(
    "--instance-arn",
    metavar="ARN",
    default=None,
    help="The Identity Center instance, when the account sees more than one.",
)
@click.option(
    "--workers",
    metavar="N",
    default=str(DEFAULT_WORKERS),
    show_default=True,
    help=f"Accounts read at the same time (1..{MAX_WORKERS}).",
)
@click.option(
    "--max-days",
    "max_days",
    metavar="N",
    default=str(DEFAULT_MAX_DAYS),
    show_default=True,
    help="Window: a permission set whose role in an account is unused (or, never used, "
    "provisioned) for more than N whole days is NON_COMPLIANT there.",
)
@click.option(
    "--allow",
    "allow",
    metavar="PATTERNS",
    default="",
    help="Allow-list: '|'-separated filename patterns on permission set names, "
    "case-sensitive, e.g. 'BreakGlass*|AWSAdministratorAccess'.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="TIMESTAMP",
    default=None,
    help="Evaluate as of this instant (ISO 8601, e.g. 2026-06-01T00:00:00Z); default now.",
)
@tag_options
@aws_options
@output_options
@click.pass_context
def assignments(
    ctx: click.Context,
    snapshot: str | None,
    role_name: str,
    instance_arn: str | None,
    workers: str,
    max_days: str,
    allow: str,
    as_of: str | None,
    exempt_tag: str,
    owner_tags: str,
    max_exemption_days: str | None,
    profile: str | None,
    region: str | None,
    fmt: str | None,
    output: str | None,
) -> None:
    """Find Identity Center permission sets unused in each account they are assigned in.

    Run in the organization's management account or Identity Center's delegated
    administrator. One line per permission set and account: IAM keeps one reserved role
    (AWSReservedSSO_<name>_<hex>) per pair, so all of its assignments are used or unused
    together. Exemptions and owners are the permission set's tags. TSV: permission set,
    compliance, annotation (account id first).

    \b
    JSON and CSV fields, one finding per permission set and account:
      account_id permission_set_name permission_set_arn instance_arn
      compliance reason annotation   the decision and its explanation
      owner                          the first --owner-tags tag present, or null
      days_unused                    since the role's last use (or creation),
                                     or null
      role_name role_arn role_created last_used last_used_region
                                     the reserved role
      principals                     a list of {PrincipalType, PrincipalId,
                                     DisplayName, MemberCount}
    """
    settings = settings_from_options(
        max_days,
        allow,
        False,
        exempt_tag,
        owner_tags,
        max_exemption_days=max_exemption_days,
        tracked="reserved role last use",
    )
    now = parse_as_of(as_of)
    worker_count = parse_workers(workers)
    role_name = parse_role_name(role_name, "--role-name")
    fmt = resolve_format(fmt, output)
    failures: Sequence[AccountFailure]
    if snapshot is not None and instance_arn is not None:
        raise InvalidParameter("--instance-arn", "a snapshot holds one instance: leave it out")
    if snapshot is not None:
        _, findings, failures = snapshot_findings(snapshot, settings, now)
        source = f"snapshot {snapshot}"
    else:
        from dormant.assignments.aws_accounts import scan_assignments

        session = user_session(profile, region)
        region = session.region_name
        with Progress("Reading Identity Center and each account's reserved roles"):
            result = scan_assignments(
                session,
                role_name=role_name,
                settings=settings,
                now=now,
                workers=worker_count,
                instance_arn=instance_arn,
            )
        findings, failures = result.findings, result.failures
        source = f"instance {result.data.instance_arn}"
    meta = ReportMeta(
        layout=ASSIGNMENT_LAYOUT,
        kind="assignments",
        generated_at=now,
        source=source,
        settings={
            "max_days": settings.max_days,
            "allow_patterns": list(settings.allow_patterns),
            "as_of": iso(now),
        },
        failures=failures,
        multi_account=True,
        region=region,
    )
    color = fmt == "table" and output is None and sys.stdout.isatty()
    with output_stream(output) as out:
        tally = render(fmt, [assignment_line(f) for f in findings], meta, out, color=color)
    print_failures(failures)
    ctx.exit(exit_code(tally.by_compliance.get("NON_COMPLIANT", 0), failures))
