"""``dormant scan``: decide every role of an account, a snapshot file, or many accounts.

The decision is ``dormant.roles.decide.evaluate_role``, the engine the Lambda runs; this module
chooses the role source (a snapshot is read in one pass, with its iam references unless
``--references none``) and the output. Must never decide compliance itself, nor import moto.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dormant.cli.common import (
    aws_options,
    input_timeline,
    parse_as_of,
    parse_workers,
    report_timeline,
    rule_options,
    settings_from_options,
    settings_record,
    user_session,
)
from dormant.cli.output import (
    EXIT_CODES_HELP,
    exit_code,
    output_options,
    output_stream,
    print_failures,
    resolve_format,
)
from dormant.cli.reference_sources import (
    ReferenceChoice,
    parse_reference_options,
    reference_options,
)
from dormant.cli.source import source_options
from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter, RoleDataError
from dormant.core.model import AccountFailure, RoleQuota
from dormant.core.settings import parse_role_name
from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY, DEFAULT_OWNER_TAG_KEYS
from dormant.engine.accounts import DEFAULT_ROLE_NAME, DEFAULT_WORKERS, MAX_WORKERS
from dormant.report import ReportMeta, render
from dormant.roles.aws_findings import ROLE_FINDING_TYPES, joined_with_aws, parse_source
from dormant.roles.cli_accounts import live_account, many_accounts, warn
from dormant.roles.decide import evaluate_roles
from dormant.roles.layout import ROLE_LAYOUT, Row, row_from_finding
from dormant.roles.layout_aws import ROLE_AWS_LAYOUT
from dormant.roles.model import Finding
from dormant.roles.scan import dated
from dormant.roles.scan import scan as scan_roles
from dormant.roles.snapshot import SnapshotSource

if TYPE_CHECKING:
    from dormant.aws.findings_source import SourceFindings


__all__ = ["account_scan_options", "run_scan", "scan", "scan_options"]

F = TypeVar("F", bound=Callable[..., Any])


def _primed(rows: Iterator[Row]) -> Iterable[Row]:
    """Pull the first row before anything is written, so a missing or malformed
    snapshot fails before a JSON header or a CSV header reaches standard output."""
    try:
        first = next(rows)
    except StopIteration:
        return ()
    return itertools.chain((first,), rows)


def _warn_quota(quota: RoleQuota | None, source: str) -> None:
    if quota is not None and quota.nearly_full:
        warn(
            f"{source} uses {quota.roles} of its {quota.roles_quota} roles quota "
            f"({quota.percent}%); retire unused roles or ask AWS for a higher quota"
        )


def _snapshot_option(func: F) -> F:
    return click.option(
        "--snapshot",
        metavar="FILE",
        default=None,
        help="Scan offline from the JSON of 'aws iam get-account-authorization-details' "
        "(AWS CLI v1 or v2 dates); '-' reads standard input. No AWS access needed.",
    )(func)


def _many_account_options(func: F) -> F:
    func = click.option(
        "--workers",
        metavar="N",
        default=str(DEFAULT_WORKERS),
        show_default=True,
        help=f"Accounts scanned at the same time with --org/--accounts (1..{MAX_WORKERS}).",
    )(func)
    func = click.option(
        "--role-name",
        metavar="NAME",
        default=DEFAULT_ROLE_NAME,
        show_default=True,
        help="Role assumed in each other account with --org/--accounts. A dedicated role "
        "allowed only iam:GetAccountAuthorizationDetails is the safer choice.",
    )(func)
    func = click.option(
        "--accounts",
        "accounts_file",
        metavar="FILE",
        default=None,
        help="Scan the accounts listed in FILE instead of the organization: one 12-digit id "
        "per line ('#' comments), a JSON list of ids, or 'aws organizations list-accounts' "
        "output; '-' reads standard input.",
    )(func)
    return click.option(
        "--org",
        "use_org",
        is_flag=True,
        default=False,
        help="Scan every ACTIVE account of the organization (run from the management or a "
        "delegated administrator account), assuming --role-name in each.",
    )(func)


def scan_options(func: F) -> F:
    """What to scan and how to decide: every option of ``dormant scan`` but the output's.

    Shared with the commands that run a scan; they take these options as keyword
    arguments and hand them to ``run_scan``.
    """
    return _snapshot_option(
        _many_account_options(rule_options(aws_options(_reference_options(func))))
    )


_reference_options = reference_options(default=None, shown_default="iam")


def account_scan_options(func: F) -> F:
    """``scan_options`` for one account (live or a snapshot): no --org/--accounts, for
    commands whose result belongs to one account (``dormant export securityhub``)."""
    return _snapshot_option(rule_options(aws_options(_reference_options(func))))


def run_scan(
    *,
    snapshot: str | None,
    use_org: bool = False,
    accounts_file: str | None = None,
    role_name: str = DEFAULT_ROLE_NAME,
    workers: str = str(DEFAULT_WORKERS),
    max_days: str,
    allow: str,
    include_service_linked: bool,
    as_of: str | None,
    profile: str | None,
    region: str | None,
    exempt_tag: str = DEFAULT_EXEMPT_TAG_KEY,
    owner_tags: str = ",".join(DEFAULT_OWNER_TAG_KEYS),
    references: str | None = None,
    aggregator: str | None = None,
    regions: str | None = None,
    max_exemption_days: str | None = None,
    source: str = FindingSource.DORMANT.value,
    analyzer_arn: str | None = None,
) -> tuple[Iterable[Row], ReportMeta]:
    """The scan ``scan_options`` describe: its rows (streamed from a snapshot) and their
    ``ReportMeta``, whose ``failures`` are the accounts that could not be scanned and
    whose ``region`` is --region, else the session's (None for a snapshot without it)."""
    settings = settings_from_options(
        max_days,
        allow,
        include_service_linked,
        exempt_tag,
        owner_tags,
        max_exemption_days=max_exemption_days,
    )
    now = parse_as_of(as_of)
    timeline = input_timeline(now, as_of, RoleDataError, live=snapshot is None)
    worker_count = parse_workers(workers)
    role_name = parse_role_name(role_name, "--role-name")
    chosen = [
        name
        for name, on in (
            ("--snapshot", snapshot),
            ("--org", use_org),
            ("--accounts", accounts_file),
        )
        if on
    ]
    if len(chosen) > 1:
        raise InvalidParameter(chosen[1], f"cannot be combined with {chosen[0]}")
    finding_source = parse_source(source, analyzer_arn, chosen)
    # A snapshot holds everything the iam source reads: offline scans look as live ones do.
    options = parse_reference_options(references or ReferenceChoice.IAM, aggregator, regions)
    if snapshot is not None and options.choice not in (ReferenceChoice.NONE, ReferenceChoice.IAM):
        raise InvalidParameter("--references", "a snapshot holds the iam source only")
    failures: Sequence[AccountFailure] = ()
    multi_account = False
    quota: RoleQuota | None = None
    rows: Iterable[Row]
    aws: SourceFindings | None = None
    if finding_source is not FindingSource.DORMANT:
        # AWS's findings first: a missing analyzer or permission fails before any scan.
        from dormant.aws.findings_source import finding_reader, read_all
        from dormant.aws.session import caller_account, client_config

        session = user_session(profile, region)
        caller = caller_account(session, client_config())
        reader = finding_reader(finding_source, session, caller, analyzer_arn=analyzer_arn)
        aws = read_all(reader, ROLE_FINDING_TYPES)
    if snapshot is not None:
        findings: Iterable[Finding]
        if options.choice is ReferenceChoice.IAM:
            from dormant.roles.references.snapshot import referenced_snapshot

            findings = referenced_snapshot(
                snapshot, lambda roles: evaluate_roles(dated(roles, timeline), settings, now)
            )
        else:
            findings = scan_roles(SnapshotSource(snapshot), settings, now, timeline)
        rows = _primed(map(row_from_finding, findings))
        source = f"snapshot {'<stdin>' if snapshot == '-' else snapshot}"
    elif use_org or accounts_file is not None:
        session = user_session(profile, region)
        region = session.region_name
        found, failures, source, targets = many_accounts(
            session,
            use_org=use_org,
            accounts_file=accounts_file,
            role_name=role_name,
            workers=worker_count,
            settings=settings,
            now=now,
            options=options,
            timeline=timeline,
        )
        if aws is not None:
            failed = {failure.account_id for failure in failures}
            found, joined_failures = joined_with_aws(
                aws,
                found,
                reachable_accounts=set(targets) - failed,
                asked_accounts=None if use_org else set(targets),
                settings=settings,
                now=now,
            )
            failures = [*failures, *joined_failures]
            source = f"{source}, {aws.where}"
        rows = [row_from_finding(f) for f in found]
        multi_account = True
    else:
        session = user_session(profile, region)
        region = session.region_name
        found, source, quota, account = live_account(session, settings, now, options, timeline)
        if aws is not None:
            found, failures = joined_with_aws(
                aws, found, reachable_accounts={account}, settings=settings, now=now
            )
            source = f"{source}, {aws.where}"
        rows = [row_from_finding(f) for f in found]
    meta = ReportMeta(
        layout=ROLE_LAYOUT if aws is None else ROLE_AWS_LAYOUT,
        kind="scan",
        generated_at=now,
        source=source,
        settings=settings_record(settings, now),
        failures=failures,
        multi_account=multi_account,
        region=region,
        quota=quota,
        timeline=timeline,
    )
    return rows, meta


@click.command(epilog=EXIT_CODES_HELP)
@scan_options
@source_options
@output_options
@click.pass_context
def scan(ctx: click.Context, /, fmt: str | None, output: str | None, **options: Any) -> None:
    """Find unused IAM roles with the Config rule's own decision.

    Reads the current credentials' account (GetAccountAuthorizationDetails: one call
    per 1,000 roles), a snapshot file, or every account of an organization, and
    prints one finding per role: non-compliant when unused for more than --max-days.
    Table, Markdown and HTML list the non-compliant first, the riskiest on top.

    \b
    JSON and CSV fields, one finding per role (timestamps ISO 8601 UTC, 'Z'):
      account_id role_name role_id arn path created
      last_used, last_used_region    null/empty when never used
      days_unused                    whole days since last use, null if never
      age_days                       whole days since the role was created
      compliance reason annotation   the rule's decision and its explanation
      owner managed_by hint          owner tag; what manages the role and
                                     where to retire it
      risk_score admin               admin: AdministratorAccess or Allow * on *
      trusted_services trusted_accounts trusted_federated   who may assume it
      references          what names the role: [{type, arn, name, account_id,
                          region, via, source, state}] (CSV: referenced_by,
                          the first few)
      references_checked  {sources, not_covered: [{type, region, why}]}:
                          "none found" apart from "not looked"
    JSON wraps them: {"generated_at", "kind", "source", "settings", "findings",
    "summary", "failures"} and, live on one account, "quota" (roles, roles_quota);
    failures (account_id, operation, message) are the accounts that could not be
    scanned, also printed on stderr.

    \b
    asff: a JSON list of Security Hub findings (ASFF), ocsf: JSON lines of
    OCSF 1.1 Detection Findings; both leave NOT_APPLICABLE out and name
    --region (default: the session's, else us-east-1).
    """
    fmt = resolve_format(fmt, output)
    rows, meta = run_scan(**options)
    failures = meta.failures
    color = fmt == "table" and output is None and sys.stdout.isatty()
    with output_stream(output) as out:
        tally = render(fmt, rows, meta, out, color=color)
    print_failures(failures)
    report_timeline(meta.timeline, "roles", stale=options.get("snapshot") is not None)
    _warn_quota(meta.quota, meta.source)
    ctx.exit(exit_code(tally.by_compliance.get("NON_COMPLIANT", 0), failures))
