"""``dormant demo``: the whole Config rule, end to end, on a simulated account.

Builds an account in-process with moto (made strict by ``dormant_sim``), invokes the
real Lambda handler with a ScheduledNotification event whose result token the
simulated Config issued (so the evaluations are stored, not a TESTMODE dry run),
then reads the results back through Config exactly as ``dormant report`` does.

Needs no AWS account and never touches the network or the user's AWS setup: fake
credentials are set, and the user's profile, config files and endpoint are hidden for
the duration. moto is an optional dependency (``pip install 'dormant[demo]'``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import textwrap
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import click

from dormant.cli.output import output_options, output_stream, resolve_format
from dormant.core.errors import DemoUnavailable
from dormant.report import ReportMeta, render
from dormant.roles.layout import ROLE_LAYOUT
from dormant.roles.recorded import DEFAULT_RULE_NAME, recorded_rows

__all__ = ["demo", "run_demo"]

INSTALL_HINT = "the demo needs moto: install it with pip install 'dormant[demo]'"
UNSUPPORTED_HINT = (
    "the demo's simulated AWS cannot load with the installed moto: "
    "install the tested versions with pip install 'dormant[demo]'"
)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Replace os.environ for the duration: boto3 reads credentials and endpoints from it."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_demo(
    rule_name: str, now: datetime
) -> tuple[list[Any], dict[str, Any], dict[str, int], Any, str]:
    """Seed, invoke the handler, read back; returns (rows, handler summary, calls, seeded,
    the unused permissions of one used role)."""
    try:
        from moto import mock_aws
    except ImportError:
        raise DemoUnavailable(INSTALL_HINT) from None
    try:
        from dormant_sim import seed, strict
        from dormant_sim.server import clean_aws_environment
    except ImportError as exc:
        # moto is there, but not one the simulator was written against (it patches moto's
        # private classes), or the simulator is not installed beside dormant.
        raise DemoUnavailable(f"{UNSUPPORTED_HINT} ({exc})") from None

    from dormant.aws.config import ConfigComplianceHistory
    from dormant.aws.session import make_session
    from dormant.commands.demo_users import run_users_rule
    from dormant.handler import lambda_handler
    from dormant.roles.aws import IamRoleSource

    account_id = seed.DEFAULT_ACCOUNT_ID
    with _environment(clean_aws_environment()), mock_aws():
        strict.install()
        strict.reset()
        try:
            seeded = seed.seed_demo_account(account_id, now)
            event = strict.scheduled_event(
                rule_name,
                account_id,
                rule_parameters={
                    "max_days_for_last_used": str(seed.DEMO_MAX_DAYS),
                    "role_whitelist": seed.DEMO_ALLOW_PATTERNS,
                },
                notification_time=now,
            )
            summary = lambda_handler(event, None)
            calls = strict.recorder.counts(account_id)
            session = make_session()
            unused = _unused_permissions(session, account_id, now)
            # The report's roles come with what references them in IAM (the annotation the
            # handler wrote says so too): the same read, no extra call.
            source = IamRoleSource(session.client("iam"), account_id=account_id, references=True)
            rows = recorded_rows(
                ConfigComplianceHistory(session.client("config"), account_id=account_id),
                source,
                rule_name=rule_name,
                compliance_types=("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"),
                account_id=account_id,
                now=now,
            )
            rows = _with_references(rows, source.iam_references())
            users = run_users_rule(rule_name, account_id, now)
        finally:
            strict.reset()
    return rows, summary, calls, (seeded, users), unused


def _with_references(rows: list[Any], index: Any) -> list[Any]:
    """Each row with the references the ``iam`` source found for its role."""
    found = index.references([row.role for row in rows if row.role is not None])
    return [
        row._replace(references=found.get(row.role.arn)) if row.role is not None else row
        for row in rows
    ]


def _unused_permissions(session: Any, account_id: str, now: datetime) -> str:
    """Step 4, after the report: ``dormant permissions`` on one used role, as one line."""
    from dormant.core.settings import Settings
    from dormant.permissions.aws import IamAccessSource, role_by_name
    from dormant.permissions.decide import evaluate_permissions
    from dormant.permissions.model import DEFAULT_PERMISSIONS_MAX_DAYS
    from dormant_sim.seed.permissions import seed_demo_last_access

    name = seed_demo_last_access(account_id, now)
    iam = session.client("iam")
    role = role_by_name(iam, name, account_id)
    if role is None:  # the demo account always has it
        return f"role {name} is missing"
    records = IamAccessSource(iam, account_id=account_id).service_access(role)
    settings = Settings(max_days=DEFAULT_PERMISSIONS_MAX_DAYS)
    finding = evaluate_permissions(role, records, settings, now)
    annotation = finding.annotation.rstrip()
    closed = annotation if annotation.endswith(".") else annotation + "."
    return (
        f"5. `dormant permissions {name}` (IAM's service last-access data): "
        f"{finding.compliance.value}, {closed} `dormant restrict {name}` "
        f"would deny exactly those, and `dormant release {name}` would undo it."
    )


def _header(summary: Mapping[str, Any], calls: Mapping[str, int], seeded: Any) -> str:
    from dormant_sim import seed

    by = summary.get("by_compliance", {})
    call_text = ", ".join(f"{count} {name}" for name, count in sorted(calls.items()))
    return "\n".join(
        [
            f"dormant demo: a simulated account {summary.get('account_id')} with "
            f"{len(seeded)} roles (recent, stale, never used, young, allow-listed, "
            "service-linked), no AWS account and no network.",
            f"1. AWS Config invoked the rule's Lambda handler with a ScheduledNotification "
            f"(max_days_for_last_used={seed.DEMO_MAX_DAYS}, "
            f"role_whitelist={seed.DEMO_ALLOW_PATTERNS}).",
            f"2. The handler decided {summary.get('roles')} roles: "
            f"{by.get('NON_COMPLIANT', 0)} NON_COMPLIANT, {by.get('COMPLIANT', 0)} COMPLIANT, "
            f"{by.get('NOT_APPLICABLE', 0)} NOT_APPLICABLE, with {call_text}.",
            "3. Config stored the evaluations; this is what `dormant report` prints from them:",
            "",
        ]
    )


@click.command(epilog="Exit code 0 when the demo ran (whatever it found), 2 on an error.")
@click.option(
    "--rule-name",
    metavar="NAME",
    default=DEFAULT_RULE_NAME,
    show_default=True,
    help="Name of the simulated Config rule.",
)
@output_options
def demo(rule_name: str, fmt: str | None, output: str | None) -> None:
    """Run the Config rule on a simulated account and print its report.

    Everything happens in this process (moto): seeding the roles, the Lambda handler,
    PutEvaluations, and reading the results back. The same handler then runs the users'
    rule (<rule>-users: IAM users' unused passwords and access keys); its results are
    printed on stderr with the story, so that standard output stays one report.
    """
    fmt = resolve_format(fmt, output)
    now = datetime.now(UTC)
    rows, summary, calls, (seeded, users), unused = run_demo(rule_name, now)
    _story(_header(summary, calls, seeded) + "\n")
    meta = ReportMeta(
        layout=ROLE_LAYOUT,
        kind="report",
        generated_at=now,
        source=f"simulated AWS Config rule {rule_name} in account {summary.get('account_id')}",
        settings={"rule_name": rule_name},
    )
    color = fmt == "table" and output is None and sys.stdout.isatty()
    with output_stream(output) as out:
        render(fmt, rows, meta, out, color=color)
    _story("\n" + users.narrative() + unused + "\n")


def _story(text: str) -> None:
    """The demo's narration, on stderr; wrapped to the terminal's width when it is one
    (piped, each step stays one line, for grep)."""
    if sys.stderr.isatty():
        width = max(shutil.get_terminal_size().columns, 40)
        lines = text.split("\n")
        tabbed = [line.split("\t") for line in lines if "\t" in line]
        # Tab-separated result lines become columns, as wide as their longest cell.
        widths = [max((len(c[i]) for c in tabbed if len(c) > i), default=0) for i in range(2)]
        wrapped = []
        for line in lines:
            if "\t" in line:
                cells = line.split("\t")
                line = "  ".join(
                    [*(c.ljust(w) for c, w in zip(cells[:2], widths, strict=False)), *cells[2:]]
                )
                indent = " " * (sum(widths) + 4)
            else:
                indent = "   "
            wrapped.append(
                textwrap.fill(line, width, subsequent_indent=indent, break_on_hyphens=False)
                if line
                else ""
            )
        text = "\n".join(wrapped)
    click.echo(text, err=True, nl=False)
