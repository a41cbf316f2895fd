"""``dormant export``: send a scan's findings where security teams look (Security Hub).

The edge only: the scan is ``dormant.roles.cli.run_scan`` (the same options and engine as
``dormant scan``), the plan is ``dormant.report.securityhub.plan_export``, the calls are
``dormant.aws.securityhub``. A dry run (the default) reads Security Hub and prints what
it would send; ``--apply`` sends it. Must never decide compliance nor copy the scan.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from dormant.cli.common import user_session
from dormant.cli.output import exit_code, print_failures
from dormant.core.errors import InvalidParameter
from dormant.core.evaluations import batched
from dormant.core.model import Compliance
from dormant.report.asff import DEFAULT_REGION, kind_for, product_arn
from dormant.report.securityhub import ExportPlan, plan_export
from dormant.roles.cli import account_scan_options, run_scan

__all__ = ["export"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def export() -> None:
    """Send findings to other security tools."""


def _describe(plan: ExportPlan, noun: str) -> list[str]:
    return [
        f"  {plan.active} findings of non-compliant {noun} to import as ACTIVE "
        f"({plan.new} new, {plan.updated} updated)",
        f"  {plan.resolved} earlier findings whose resource is now compliant: to archive as PASSED",
        f"  {plan.gone} earlier findings whose resource is gone or not applicable: to archive",
        f"  {plan.compliant} compliant {noun} without a finding: nothing to send",
    ]


@export.command(
    "securityhub",
    epilog="Exit codes: 0 nothing non-compliant; 1 non-compliant findings (sent with "
    "--apply); 2 usage, input or AWS error, e.g. Security Hub not enabled or findings "
    "refused after retries.",
)
@account_scan_options
@click.option(
    "--apply",
    is_flag=True,
    default=False,
    help="Import the findings. Without it, only read Security Hub and print the counts.",
)
@click.pass_context
def securityhub(ctx: click.Context, /, apply: bool, **options: Any) -> None:
    """Scan like `dormant scan`, then bring Security Hub up to date with the result.

    Imports (BatchImportFindings, 100 a call, refused findings retried) one ASFF
    finding per non-compliant role, ACTIVE; archives dormant's earlier ACTIVE findings
    (found with GetFindings by GeneratorId dormant/unused-iam-role) whose role is now
    compliant (as PASSED) or gone. Findings go to the Security Hub of --region (default:
    the profile's, else us-east-1) in the account of the credentials, under that
    account's default product: Security Hub takes such findings only from the account
    they are about, so the export scans that one account (or a snapshot of it); to
    cover an organization, run it in each account.
    """
    from dormant.aws.securityhub import MAX_FINDINGS_PER_CALL, SecurityHubFindings
    from dormant.aws.session import aws_call, caller_account, client_config

    rows, meta = run_scan(**options)
    lines = list(rows)
    session = user_session(options.get("profile"), options.get("region"))
    region = session.region_name or DEFAULT_REGION
    config = client_config()
    account = caller_account(session, config)
    foreign = sorted({line.account_id for line in lines} - {account})
    if foreign:
        raise InvalidParameter(
            "--snapshot",
            f"its roles belong to account {', '.join(foreign)}, not to the account of the "
            f"credentials ({account}); Security Hub takes them only from their own account",
        )
    kind = kind_for(meta.layout.name)
    with aws_call("securityhub:GetFindings", account):
        client = session.client("securityhub", config=config)
    hub = SecurityHubFindings(client, account_id=account, region=region)
    plan = plan_export(
        lines,
        kind,
        region=region,
        updated_at=datetime.now(UTC),
        earlier=hub.active(kind.generator_id),
    )
    calls = len(list(batched(plan.findings, MAX_FINDINGS_PER_CALL)))
    click.echo(f"Security Hub of account {account} in {region} ({product_arn(account, region)}):")
    for text in _describe(plan, meta.layout.noun):
        click.echo(text)
    if not apply:
        click.echo(
            f"Dry run: nothing sent. --apply imports {len(plan.findings)} findings "
            f"({calls} BatchImportFindings calls)."
        )
    else:
        hub.import_findings(plan.findings)
        click.echo(
            f"Imported {len(plan.findings)} findings ({hub.calls} BatchImportFindings calls)."
        )
    print_failures(meta.failures)
    non_compliant = sum(1 for line in lines if line.compliance == Compliance.NON_COMPLIANT)
    ctx.exit(exit_code(non_compliant, meta.failures))
