"""``dormant report --aggregator NAME``: the rule's results in every account, in any format.

The edge only: the session, the output and the exit code. Reading the aggregator is
``dormant.aws.aggregate``; the concurrent read and the join are
``dormant.report.aggregated``. Must never decide compliance.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import click

from dormant.cli.common import parse_workers
from dormant.cli.output import Progress, exit_code, output_stream, print_failures, resolve_format
from dormant.core.errors import InvalidParameter
from dormant.report import ReportMeta, render
from dormant.roles.aggregated import aggregated_rows, check_aggregate_types
from dormant.roles.layout import ROLE_LAYOUT

__all__ = ["aggregator_report"]


def aggregator_report(
    ctx: click.Context,
    *,
    aggregator: str,
    rule_name: str,
    compliance_types: Sequence[str],
    workers: str,
    profile: str | None,
    region: str | None,
    fmt: str | None,
    output: str | None,
) -> None:
    from dormant.aws.session import aws_call, caller_account, client_config, make_session
    from dormant.roles.aws_aggregate import ConfigAggregateReader

    if not aggregator.strip():
        raise InvalidParameter("--aggregator", "expected an aggregator name, got ''")
    try:
        compliance_type = check_aggregate_types(compliance_types)
    except ValueError as exc:
        raise InvalidParameter("--compliance", str(exc)) from None
    worker_count = parse_workers(workers)
    fmt = resolve_format(fmt, output)
    now = datetime.now(UTC)
    session = make_session(profile, region)
    config = client_config(max_pool_connections=max(10, worker_count))
    account = caller_account(session, config)
    with aws_call("config:DescribeAggregateComplianceByConfigRules", account):
        client = session.client("config", config=config)
    reader = ConfigAggregateReader(client, aggregator, account_id=account)
    with Progress("Reading the aggregator", unit="pairs") as progress:
        result = aggregated_rows(
            reader,
            rule_name=rule_name,
            compliance_type=compliance_type,
            workers=worker_count,
            now=now,
            on_pair_done=progress.advance,
        )
    accounts = len({p.account_id for p in result.pairs})
    meta = ReportMeta(
        layout=ROLE_LAYOUT,
        kind="report",
        generated_at=now,
        source=f"AWS Config aggregator {aggregator} (rule {rule_name}: {accounts} accounts, "
        f"{len(result.pairs)} account-Region pairs)",
        settings={
            "rule_name": rule_name,
            "aggregator": aggregator,
            "compliance": [compliance_type] if compliance_type else ["COMPLIANT", "NON_COMPLIANT"],
        },
        failures=result.failures,
        multi_account=True,
        region=session.region_name,
    )
    color = fmt == "table" and output is None and sys.stdout.isatty()
    with output_stream(output) as out:
        tally = render(fmt, result.rows, meta, out, color=color)
    print_failures(result.failures)
    if not result.pairs:
        click.echo(
            f"dormant: note: aggregator {aggregator} holds no results of rule {rule_name} "
            "(is the rule deployed under that name in the source accounts?)",
            err=True,
        )
    if result.unnamed_accounts:
        click.echo(
            "dormant: note: config:ListAggregateDiscoveredResources could not name the roles of "
            f"account {', '.join(result.unnamed_accounts)}; they are shown by RoleId",
            err=True,
        )
    ctx.exit(exit_code(tally.non_compliant, result.failures))
