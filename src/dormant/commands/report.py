"""``dormant report``: print what the Config rule recorded, in any output format.

The command's edge only: options, the session, the output. Joining Config's results
with the account's roles is ``dormant.roles.recorded.recorded_rows``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

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
from dormant.core.errors import InvalidParameter
from dormant.core.model import RESOURCE_TYPE_USER, Compliance
from dormant.engine.accounts import DEFAULT_WORKERS, MAX_WORKERS
from dormant.engine.rule import RecordedResult
from dormant.report import Line, ReportMeta, render
from dormant.roles.layout import ROLE_LAYOUT
from dormant.roles.recorded import DEFAULT_RULE_NAME, recorded_rows
from dormant.users.layout import USER_LAYOUT, recorded_user_lines

__all__ = ["report"]

_COMPLIANCE_CHOICES = tuple(c.value for c in Compliance)


class _Fetched:
    """The rule's results, read once, handed to the roles' join as its history."""

    def __init__(self, results: Sequence[RecordedResult]) -> None:
        self._results = results

    def recorded(
        self, rule_name: str, compliance_types: Sequence[str] = ()
    ) -> Iterator[RecordedResult]:
        return iter(self._results)


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


@click.command(
    epilog="Exit codes: 0 nothing non-compliant recorded; 1 non-compliant roles recorded; "
    "2 usage or AWS access error (e.g. no such rule; nothing written to --output); "
    "3 with --aggregator, some accounts or Regions could not be read."
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
@click.option(
    "--aggregator",
    metavar="NAME",
    default=None,
    help="Read every account's and Region's results from this AWS Config aggregator "
    "(run in the account that owns it) instead of the current account's rule.",
)
@click.option(
    "--workers",
    metavar="N",
    default=str(DEFAULT_WORKERS),
    show_default=True,
    help=f"With --aggregator: (account, Region) pairs read at the same time (1..{MAX_WORKERS}).",
)
@aws_options
@output_options
@click.pass_context
def report(
    ctx: click.Context,
    rule_name: str,
    compliance: tuple[str, ...],
    aggregator: str | None,
    workers: str,
    profile: str | None,
    region: str | None,
    fmt: str | None,
    output: str | None,
) -> None:
    """Print the results the Config rule recorded, with role (or user) names.

    The TSV lines are the blog's report: role name, compliance, annotation. For the users'
    rule (--rule-name <name>-users) UserIds are named from the account's users; the
    permissions rule's (--rule-name <name>-permissions) RoleIds from the account's roles.
    With --aggregator, every account's results (the account id comes first in TSV);
    an aggregator holds no NOT_APPLICABLE results, and roles it has no name for
    keep their RoleId. Pairs that cannot be read are listed and the exit code is 3.
    """
    if aggregator is not None:
        from dormant.commands.aggregator import aggregator_report

        aggregator_report(
            ctx,
            aggregator=aggregator,
            rule_name=rule_name,
            compliance_types=parse_compliance_types(compliance),
            workers=workers,
            profile=profile,
            region=region,
            fmt=fmt,
            output=output,
        )
        return
    from dormant.aws.config import ConfigComplianceHistory
    from dormant.aws.session import aws_call, caller_account, client_config, make_session
    from dormant.roles.aws import IamRoleSource

    compliance_types = parse_compliance_types(compliance)
    fmt = resolve_format(fmt, output)
    now = datetime.now(UTC)
    session = make_session(profile, region)
    config = client_config()
    account = caller_account(session, config)
    with aws_call("config:GetComplianceDetailsByConfigRule", account, session=session):
        config_client = session.client("config", config=config)
        iam_client = session.client("iam", config=config)
    history = ConfigComplianceHistory(config_client, account_id=account)
    results = list(history.recorded(rule_name, compliance_types))
    layout = ROLE_LAYOUT
    rows: Sequence[Line]
    if any(r.resource_type == RESOURCE_TYPE_USER for r in results):
        # A users' rule (<name>-users): UserIds are named from the account's user details.
        from dormant.users.aws import IamUserSource

        layout = USER_LAYOUT
        rows = recorded_user_lines(
            results, IamUserSource(iam_client, account_id=account).details, account_id=account
        )
    else:
        with Progress("Naming roles", unit="roles") as progress:
            rows = recorded_rows(
                _Fetched(results),
                IamRoleSource(iam_client, account_id=account, on_page=progress.advance),
                rule_name=rule_name,
                compliance_types=compliance_types,
                account_id=account,
                now=now,
            )
    meta = ReportMeta(
        layout=layout,
        kind="report",
        generated_at=now,
        source=f"AWS Config rule {rule_name} in account {account}",
        settings={"rule_name": rule_name, "compliance": list(compliance_types)},
        region=session.region_name,
    )
    color = fmt == "table" and output is None and sys.stdout.isatty()
    with output_stream(output) as out:
        tally = render(fmt, rows, meta, out, color=color)
    ctx.exit(EXIT_NON_COMPLIANT if tally.non_compliant else EXIT_CLEAN)
