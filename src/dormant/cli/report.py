"""``dormant report``: print what the Config rule recorded, in any output format.

Reads the rule's results (paged GetComplianceDetailsByConfigRule) and names each
RoleId with one paged GetAccountAuthorizationDetails for the whole account, never a
GetRole per role. A role deleted since keeps its RoleId as its name, since that is all
Config knows. Nothing here re-decides compliance: the rows say what Config holds.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from dormant.cli.common import aws_options
from dormant.cli.output import (
    EXIT_CLEAN,
    EXIT_NON_COMPLIANT,
    Progress,
    output_options,
    output_stream,
    resolve_format,
)
from dormant.errors import InvalidParameter
from dormant.evaluations import RESOURCE_TYPE_ROLE
from dormant.model import Compliance, Role
from dormant.report import ReportMeta, Row, render, row_from_recorded

if TYPE_CHECKING:
    from mypy_boto3_config import ConfigServiceClient
    from mypy_boto3_iam import IAMClient

__all__ = ["DEFAULT_RULE_NAME", "recorded_rows", "report"]

DEFAULT_RULE_NAME = "iam-role-last-used"
_COMPLIANCE_CHOICES = tuple(c.value for c in Compliance)


def parse_compliance_types(values: Sequence[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for value in values:
        upper = value.strip().upper().replace("-", "_")
        if upper not in _COMPLIANCE_CHOICES:
            raise InvalidParameter(
                "--compliance", f"expected one of {', '.join(_COMPLIANCE_CHOICES)}, got {value!r}"
            )
        if upper not in chosen:
            chosen.append(upper)
    return tuple(chosen) or _COMPLIANCE_CHOICES


def recorded_rows(
    config: ConfigServiceClient,
    iam: IAMClient,
    *,
    rule_name: str,
    compliance_types: Sequence[str],
    account_id: str,
    now: datetime,
) -> tuple[list[Row], dict[str, int]]:
    """The rule's recorded results as rows, in Config's order, and the calls it took
    (counted on the two clients from here on)."""
    from dormant.aws.calls import CallCounter
    from dormant.aws.config import ConfigComplianceHistory
    from dormant.aws.iam import IamRoleSource

    counter = CallCounter()
    counter.attach(config.meta.events)
    counter.attach(iam.meta.events)
    history = ConfigComplianceHistory(config, account_id=account_id)
    results = [
        r
        for r in history.recorded(rule_name, tuple(compliance_types))
        if r.resource_type == RESOURCE_TYPE_ROLE
    ]
    roles: dict[str, Role] = {}
    if results:
        with Progress("Naming roles", unit="roles") as progress:
            source = IamRoleSource(iam, account_id=account_id, on_page=progress.advance)
            roles = {role.role_id: role for role in source.roles()}
    rows = [
        row_from_recorded(
            r.resource_id,
            r.compliance,
            r.annotation,
            r.recorded_at,
            roles.get(r.resource_id),
            account_id=account_id,
            now=now,
        )
        for r in results
    ]
    return rows, counter.snapshot()


@click.command(
    epilog="Exit codes: 0 nothing non-compliant recorded; 1 non-compliant roles recorded; "
    "2 usage or AWS access error (e.g. no such rule; nothing written to --output)."
)
@click.option(
    "--rule-name",
    metavar="NAME",
    default=DEFAULT_RULE_NAME,
    show_default=True,
    help="The AWS Config rule whose results to print.",
)
@click.option(
    "--compliance",
    "compliance",
    metavar="TYPE",
    multiple=True,
    help="Only results of this type: NON_COMPLIANT, COMPLIANT or NOT_APPLICABLE "
    "(repeat for several; default all).",
)
@aws_options
@output_options
@click.pass_context
def report(
    ctx: click.Context,
    rule_name: str,
    compliance: tuple[str, ...],
    profile: str | None,
    region: str | None,
    fmt: str | None,
    output: str | None,
) -> None:
    """Print the results the Config rule recorded, with role names.

    The TSV lines are the blog's report: role name, compliance, annotation.
    """
    from dormant.aws.session import aws_call, caller_account, client_config, make_session

    compliance_types = parse_compliance_types(compliance)
    fmt = resolve_format(fmt, output)
    now = datetime.now(UTC)
    session = make_session(profile, region)
    config = client_config()
    account = caller_account(session, config)
    with aws_call("config:GetComplianceDetailsByConfigRule", account):
        config_client = session.client("config", config=config)
        iam_client = session.client("iam", config=config)
    rows, _ = recorded_rows(
        config_client,
        iam_client,
        rule_name=rule_name,
        compliance_types=compliance_types,
        account_id=account,
        now=now,
    )
    meta = ReportMeta(
        kind="report",
        generated_at=now,
        source=f"AWS Config rule {rule_name} in account {account}",
        settings={"rule_name": rule_name, "compliance": list(compliance_types)},
    )
    color = fmt == "table" and output is None and sys.stdout.isatty()
    with output_stream(output) as out:
        tally = render(fmt, rows, meta, out, color=color)
    non_compliant = tally.by_compliance.get(Compliance.NON_COMPLIANT.value, 0)
    ctx.exit(EXIT_NON_COMPLIANT if non_compliant else EXIT_CLEAN)
