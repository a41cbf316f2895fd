"""``dormant quarantine | release | delete | restore``: the command-line edge of remediation.

Every command is a dry run unless ``--apply`` is given: it prints each role, what would
happen to it and every IAM call it would make. Output, one line per role, then its calls
indented, then ``summary: ...``. Exit codes: 0 when every role is done, planned, unchanged
or skipped; 1 when any role was refused or failed; 2 when the whole run is refused or the
input is wrong. Decisions live in ``dormant.remediation``; this module only parses options,
builds the IAM adapter and prints.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from dormant.cli.common import (
    aws_options,
    remediation_settings,
    window_options,
)
from dormant.cli.remediate_users import (
    requested_users,
    run_quarantine_users,
    run_release_users,
    user_option,
)
from dormant.errors import InvalidParameter
from dormant.remediation import (
    DEFAULT_MAX_ROLES,
    Outcome,
    Summary,
    Target,
    check_blast_radius,
    merge_targets,
    targets_from_scan,
)
from dormant.remediation import delete as run_delete
from dormant.remediation import quarantine as run_quarantine
from dormant.remediation import release as run_release
from dormant.remediation import restore as run_restore

__all__ = ["delete", "quarantine", "release", "restore"]

F = TypeVar("F", bound=Callable[..., Any])

# A little clock skew between machines is normal; an --as-of further ahead would make
# recently used roles look unused, which remediation must never do.


def _safety_options(func: F) -> F:
    func = click.option(
        "--max-roles",
        type=click.IntRange(min=1),
        metavar="N",
        default=DEFAULT_MAX_ROLES,
        show_default=True,
        help="Refuse the whole run if it names more roles than this.",
    )(func)
    func = click.option(
        "--apply",
        is_flag=True,
        default=False,
        help="Make the changes. Without it, only print the plan (no write call is made).",
    )(func)
    return func


def _force_option(func: F) -> F:
    return click.option(
        "--force",
        is_flag=True,
        default=False,
        help="Also act on roles that CloudFormation, StackSets or Control Tower manage "
        "(refused by default: retire them there). Identity Center roles stay refused.",
    )(func)


def _target_options(func: F) -> F:
    func = click.option(
        "--from",
        "from_file",
        type=click.File("r", encoding="utf-8"),
        default=None,
        metavar="FILE",
        help="Also act on the NON_COMPLIANT findings of a `dormant scan --format json` "
        "document ('-' reads standard input).",
    )(func)
    func = click.argument("roles", nargs=-1, metavar="[ROLE]...")(func)
    return func


def _targets(roles: Sequence[str], from_file: IO[str] | None) -> list[Target]:
    from_scan: list[Target] = []
    if from_file is not None:
        source = "standard input" if from_file.name == "<stdin>" else str(from_file.name)
        from_scan = targets_from_scan(from_file.read(), source=source)
    targets = merge_targets((Target(name) for name in roles), from_scan)
    if not roles and from_file is None:
        raise InvalidParameter("ROLE", "name at least one role, or give --from FILE")
    return targets


def _mutator(profile: str | None, region: str | None) -> Any:
    # boto3 loads only when a command really runs, so --help and usage errors stay fast.
    from dormant.aws.mutator import IamRoleMutator
    from dormant.aws.session import client_config, make_session

    return IamRoleMutator.from_session(make_session(profile, region), client_config())


def _report(outcomes: Iterable[Outcome], *, apply: bool) -> None:
    if not apply:
        click.echo("dry run: nothing will be changed; add --apply to make these calls")
    seen: list[Outcome] = []
    for outcome in outcomes:
        click.echo(f"{outcome.status.value}: {outcome.message}")
        for step in outcome.steps:
            click.echo(f"  {step.describe()}")
        seen.append(outcome)
    summary = Summary.of(seen)
    click.echo(f"summary: {summary.describe()}")
    if not summary.ok:
        sys.exit(1)


def _nothing_to_do() -> None:
    click.echo("nothing to do: no role named and no NON_COMPLIANT finding in --from")
    click.echo(f"summary: {Summary.of(()).describe()}")


@click.command()
@_target_options
@user_option
@_safety_options
@_force_option
@window_options
@aws_options
def quarantine(
    roles: tuple[str, ...],
    from_file: IO[str] | None,
    users: tuple[str, ...],
    apply: bool,
    force: bool,
    max_roles: int,
    max_days: str,
    allow: str,
    exempt_tag: str,
    owner_tags: str,
    as_of: str | None,
    profile: str | None,
    region: str | None,
) -> None:
    """Deny each ROLE every action, and every session issued before now (reversible).

    Puts the inline policy `dormant-quarantine` on the role and tags it with when and by
    whom. Roles used within --max-days (re-checked just before the change) are skipped;
    service-linked, AWS-reserved, allow-listed roles, roles managed by CloudFormation,
    StackSets or Control Tower (unless --force) and the caller's own role are refused.

    With --user (or --from a `dormant users --format json` document): the same policy on each
    IAM user, its active access keys deactivated, and tags recording which, by whom and when.
    Users whose password or keys were used within --max-days (45 unless given) are skipped;
    allow-listed users and the caller's own user are refused.
    """
    user_targets, from_file = requested_users(users, roles, from_file)
    if user_targets is not None:
        if not user_targets:
            return _nothing_to_do()
        return run_quarantine_users(
            user_targets,
            apply=apply,
            max_roles=max_roles,
            max_days=max_days,
            allow=allow,
            as_of=as_of,
            profile=profile,
            region=region,
            report=_report,
        )
    settings, now = remediation_settings(max_days, allow, as_of, exempt_tag, owner_tags)
    targets = _targets(roles, from_file)
    if not targets:
        return _nothing_to_do()
    check_blast_radius(len(targets), max_roles)
    mutator = _mutator(profile, region)
    outcomes = run_quarantine(
        mutator, targets, settings=settings, now=now, apply=apply, force=force
    )
    _report(outcomes, apply=apply)


@click.command()
@_target_options
@user_option
@_safety_options
@aws_options
def release(
    roles: tuple[str, ...],
    from_file: IO[str] | None,
    users: tuple[str, ...],
    apply: bool,
    max_roles: int,
    profile: str | None,
    region: str | None,
) -> None:
    """Remove exactly what quarantine and restrict added to each ROLE: their policies, tags.

    A role that is neither quarantined nor restricted is reported and left alone. Only
    service-linked and AWS-reserved roles are refused: giving access back needs no
    allow-list or freshness check. Exit status 1 if any role was refused or failed.

    With --user: reactivate exactly the access keys quarantine deactivated, and remove its
    policy and tags from each IAM user.
    """
    user_targets, from_file = requested_users(users, roles, from_file)
    if user_targets is not None:
        if not user_targets:
            return _nothing_to_do()
        return run_release_users(
            user_targets,
            apply=apply,
            max_roles=max_roles,
            profile=profile,
            region=region,
            report=_report,
        )
    targets = _targets(roles, from_file)
    if not targets:
        return _nothing_to_do()
    check_blast_radius(len(targets), max_roles)
    _report(run_release(_mutator(profile, region), targets, apply=apply), apply=apply)


@click.command()
@_target_options
@click.option(
    "--backup-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the backups (<account>-<role>.json), written and verified first.",
)
@_safety_options
@_force_option
@window_options
@aws_options
def delete(
    roles: tuple[str, ...],
    from_file: IO[str] | None,
    backup_dir: Path,
    apply: bool,
    force: bool,
    max_roles: int,
    max_days: str,
    allow: str,
    exempt_tag: str,
    owner_tags: str,
    as_of: str | None,
    profile: str | None,
    region: str | None,
) -> None:
    """Back up each ROLE to --backup-dir, check the backup, then delete the role.

    Deletes in IAM's order: removes the role from its instance profiles, detaches managed
    policies, deletes inline policies, deletes the role. The same refusals and freshness
    re-check as quarantine apply. A role already gone whose backup is present is no error.
    """
    settings, now = remediation_settings(max_days, allow, as_of, exempt_tag, owner_tags)
    targets = _targets(roles, from_file)
    if not targets:
        return _nothing_to_do()
    check_blast_radius(len(targets), max_roles)
    outcomes = run_delete(
        _mutator(profile, region),
        targets,
        settings=settings,
        now=now,
        apply=apply,
        backup_dir=backup_dir,
        force=force,
    )
    _report(outcomes, apply=apply)


@click.command()
@click.argument(
    "backups",
    nargs=-1,
    required=True,
    metavar="BACKUP...",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@_safety_options
@aws_options
def restore(
    backups: tuple[Path, ...],
    apply: bool,
    max_roles: int,
    profile: str | None,
    region: str | None,
) -> None:
    """Recreate each role from its BACKUP file, exactly as it was.

    Creates missing instance profiles with their original path. A role that already
    exists and matches its backup is left alone; one that differs is refused. The
    restored role is read back and compared with its backup. Exit status 1 if any role
    was refused or failed.
    """
    check_blast_radius(len(backups), max_roles, "backups")
    _report(run_restore(_mutator(profile, region), list(backups), apply=apply), apply=apply)
