"""``dormant retire``: move every role of the account one step, quarantine now, delete later.

Reads the account live (``GetAccountAuthorizationDetails``), prints the plan (role, step,
reason), then, with ``--apply``, what it did. Decisions live in
``dormant.remediation.retire``; this module only parses options, builds the adapters and
prints. Exit codes: 0 when every planned change was made (or planned, in a dry run); 1
when any role was refused or failed; 2 for a usage or input error.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from dormant.cli.common import aws_options, remediation_settings, user_session, window_options
from dormant.remediation import DEFAULT_MAX_ROLES
from dormant.roles.remediate.retire import (
    DEFAULT_AFTER_DAYS,
    Retirement,
    RetireResult,
    carry_out,
    plan_retire,
)

__all__ = ["retire"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _adapters(profile: str | None, region: str | None) -> tuple[Any, Any]:
    """The account's roles (one GetAccountAuthorizationDetails call per 1,000) and the
    IAM mutator, on one session; boto3 loads only when the command runs."""
    from dormant.aws.session import client_config
    from dormant.roles.aws import IamRoleSource
    from dormant.roles.aws_mutator import IamRoleMutator

    session = user_session(profile, region)
    config = client_config()
    mutator = IamRoleMutator.from_session(session, config)
    account = mutator.caller().account_id
    source = IamRoleSource(session.client("iam", config=config), account_id=account)
    return source, mutator


def _plan_text(plan: list[Retirement], apply: bool) -> None:
    if not apply:
        click.echo("dry run: nothing will be changed; add --apply to make these changes")
    click.echo(f"plan: {len(plan)} roles")
    for item in plan:
        click.echo(f"  {item.step.value:<10} {item.role_name}: {item.reason}")


@click.command()
@click.option(
    "--after-days",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_AFTER_DAYS,
    show_default=True,
    help="Delete a role quarantined at least N whole days ago and unused since.",
)
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the verified backups written before a delete; without it, no "
    "role is deleted (roles due for deletion are kept and listed).",
)
@click.option(
    "--apply",
    is_flag=True,
    default=False,
    help="Make the changes. Without it, only print the plan (no write call is made).",
)
@click.option(
    "--max-roles",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_MAX_ROLES,
    show_default=True,
    help="Change at most N roles this run; the rest wait for a later run.",
)
@click.option(
    "--force",
    is_flag=True,
    default=False,
    help="Also act on roles that CloudFormation, StackSets or Control Tower manage.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='json: {"kind": "retire", "steps": [{"role_name", "step", "reason", "done", "status", '
    '"message"}]}.',
)
@window_options
@aws_options
def retire(
    after_days: int,
    backup_dir: Path | None,
    apply: bool,
    max_roles: int,
    force: bool,
    fmt: str,
    max_days: str,
    allow: str,
    exempt_tag: str,
    owner_tags: str,
    as_of: str | None,
    profile: str | None,
    region: str | None,
) -> None:
    """Quarantine unused roles now and delete them once quarantined long enough.

    \b
    For every role of the account, one step:
      quarantine  NON_COMPLIANT and not quarantined (as `dormant quarantine` does)
      delete      quarantined >= --after-days ago and unused since (verified backup first)
      keep        used since its quarantine, now compliant by allow-list or exemption,
                  managed elsewhere, not due yet, or over --max-roles
    Running it twice on the same day changes nothing the second time.
    """
    settings, now = remediation_settings(max_days, allow, as_of, exempt_tag, owner_tags)
    source, mutator = _adapters(profile, region)
    plan = plan_retire(
        source.roles(),
        settings=settings,
        now=now,
        after_days=after_days,
        max_roles=max_roles,
        caller_arn=mutator.caller().arn,
        can_delete=backup_dir is not None,
        force=force,
    )
    if fmt == "text":
        _plan_text(plan, apply)
    results: list[RetireResult] = []
    for result in carry_out(
        mutator,
        plan,
        settings=settings,
        now=now,
        apply=apply,
        backup_dir=backup_dir,
        clock=_utc_now,
        force=force,
    ):
        results.append(result)
        if fmt == "text" and result.outcome is not None:
            click.echo(f"{result.outcome.status.value}: {result.outcome.message}")
    failed = sum(1 for r in results if r.failed)
    if fmt == "json":
        click.echo(json.dumps({"kind": "retire", "steps": [r.record() for r in results]}, indent=2))
    else:
        counts = {
            step: sum(1 for r in results if r.retirement.step == step)
            for step in (
                "quarantine",
                "delete",
                "keep",
            )
        }
        done = sum(1 for r in results if r.done)
        click.echo(
            f"summary: quarantine {counts['quarantine']}, delete {counts['delete']}, "
            f"keep {counts['keep']}; done {done}, failed {failed}"
        )
    if failed:
        sys.exit(1)
