"""``dormant quarantine | release | delete | restore``: the command-line edge of remediation.

Every command is a dry run unless ``--apply`` is given: it prints each role, what would
happen to it and every IAM call it would make. Output, one line per role, then its calls
indented, then ``summary: ...``. Exit codes: 0 when every role is done, planned, unchanged
or skipped; 1 when any role was refused or failed; 2 when the whole run is refused or the
input is wrong. Decisions live in ``dormant.remediation``; this module only parses options,
builds the IAM adapter and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

from dormant.cli.common import (
    aws_options,
    remediation_settings,
    window_options,
)
from dormant.cli.reference_sources import parse_reference_options, reference_options
from dormant.cli.remediation import (
    force_deleting_option,
    force_option,
    print_nothing_to_do,
    print_outcomes,
    role_targets,
    safety_options,
    target_options,
)
from dormant.cli.source import live_source_options
from dormant.commands.archive import archive_deleted, parse_archive, read_role_findings
from dormant.commands.backups import open_backups, read_any_backup, read_backup_version
from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter
from dormant.remediation import (
    check_blast_radius,
)
from dormant.roles.remediate import delete as run_delete
from dormant.roles.remediate import quarantine as run_quarantine
from dormant.roles.remediate import release as run_release
from dormant.roles.remediate import restore as run_restore
from dormant.roles.remediate.status import ALL_PARTS, ReleasePart
from dormant.users.cli_remediate import (
    requested_users,
    run_quarantine_users,
    run_release_users,
    user_option,
)

__all__ = ["delete", "quarantine", "release", "restore"]


def _session(profile: str | None, region: str | None) -> Any:
    from dormant.aws.session import make_session

    return make_session(profile, region)


def _mutator(profile: str | None, region: str | None, session: Any = None) -> Any:
    # boto3 loads only when a command really runs, so --help and usage errors stay fast.
    from dormant.aws.session import client_config
    from dormant.roles.aws_mutator import IamRoleMutator

    return IamRoleMutator.from_session(session or _session(profile, region), client_config())


def _with_finder(
    session: Any, references: str, aggregator: str | None, regions: str | None
) -> tuple[Any, Any]:
    """The IAM mutator and, on the same session, the finder of what references each role
    (``iam`` always; read once, on the first role that needs it)."""
    from dormant.aws.session import client_config
    from dormant.roles.aws_mutator import IamRoleMutator
    from dormant.roles.aws_references.finder import LazyFinder, reference_finder

    options = parse_reference_options(references, aggregator, regions)
    config = client_config()
    mutator = IamRoleMutator.from_session(session, config)

    def warn(message: str) -> None:
        click.echo(f"dormant: warning: {message}", err=True)

    finder = LazyFinder(
        lambda: reference_finder(
            session,
            options.sources,
            account_id=mutator.caller().account_id,
            aggregator=options.aggregator,
            regions=options.regions,
            config=config,
            warn=warn,
        )
    )
    return mutator, finder


# Remediation always asks IAM itself; config and live when asked.
_references = reference_options(default="iam", choices=("iam", "config", "live"))


@click.command()
@target_options
@user_option
@safety_options
@force_option
@window_options
@aws_options
@_references
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
    max_exemption_days: str | None,
    as_of: str | None,
    profile: str | None,
    region: str | None,
    references: str,
    aggregator: str | None,
    regions: str | None,
) -> None:
    """Deny each ROLE every action, and every session issued before now (reversible).

    Puts the inline policy `dormant-quarantine` on the role and tags it with when and by
    whom. Roles used within --max-days (re-checked just before the change) are skipped;
    service-linked, AWS-reserved, allow-listed roles, roles managed by CloudFormation,
    StackSets or Control Tower (unless --force) and the caller's own role are refused.
    A role something references is quarantined all the same (it is reversible): the plan
    names what will lose access (--references: iam always, config or live when asked).

    With --user (or --from a `dormant users --format json` document): the same policy on each
    IAM user, its active access keys deactivated, and tags recording which, by whom and when.
    Users whose password or keys were used within --max-days (45 unless given) are skipped;
    allow-listed users and the caller's own user are refused.
    """
    user_targets, from_file = requested_users(users, roles, from_file)
    if user_targets is not None:
        if not user_targets:
            return print_nothing_to_do()
        return run_quarantine_users(
            user_targets,
            apply=apply,
            max_roles=max_roles,
            max_days=max_days,
            allow=allow,
            exempt_tag=exempt_tag,
            owner_tags=owner_tags,
            max_exemption_days=max_exemption_days,
            as_of=as_of,
            profile=profile,
            region=region,
            report=print_outcomes,
        )
    settings, now = remediation_settings(
        max_days, allow, as_of, exempt_tag, owner_tags, max_exemption_days, apply=apply
    )
    targets = role_targets(roles, from_file, also=("users",))
    if not targets:
        return print_nothing_to_do()
    check_blast_radius(len(targets), max_roles)
    mutator, finder = _with_finder(_session(profile, region), references, aggregator, regions)
    outcomes = run_quarantine(
        mutator, targets, settings=settings, now=now, apply=apply, force=force, references=finder
    )
    print_outcomes(outcomes, apply=apply)


@click.command()
@target_options
@user_option
@click.option(
    "--only",
    type=click.Choice([part.value for part in ReleasePart]),
    default=None,
    help="Undo only what quarantine added, or only what restrict added (default: both); "
    "the other is kept exactly as it is.",
)
@safety_options
@aws_options
def release(
    roles: tuple[str, ...],
    from_file: IO[str] | None,
    users: tuple[str, ...],
    only: str | None,
    apply: bool,
    max_roles: int,
    profile: str | None,
    region: str | None,
) -> None:
    """Remove exactly what quarantine and restrict added to each ROLE: their policies, tags.

    A restriction by AWS's recommendation (`dormant restrict` with a recommendation) is put back
    from the backup its tags name: the earlier inline documents and attachments, and dormant's
    own dormant-recommended-* policies detached and deleted. Each part is undone independently
    of the other (--only picks one). A role with neither is reported and left alone. Only
    service-linked and AWS-reserved roles, and policies under dormant's names that dormant did
    not write, are refused: giving access back needs no allow-list or freshness check. Exit
    status 1 if any role was refused or failed.

    With --user: reactivate exactly the access keys quarantine deactivated, and remove its
    policy and tags from each IAM user.
    """
    user_targets, from_file = requested_users(users, roles, from_file)
    if user_targets is not None:
        if only is not None:
            raise InvalidParameter("--only", "applies to roles: a user has only a quarantine")
        if not user_targets:
            return print_nothing_to_do()
        return run_release_users(
            user_targets,
            apply=apply,
            max_roles=max_roles,
            profile=profile,
            region=region,
            report=print_outcomes,
        )
    targets = role_targets(roles, from_file, kinds=("scan", "permissions"), also=("users",))
    if not targets:
        return print_nothing_to_do()
    check_blast_radius(len(targets), max_roles)
    parts = ALL_PARTS if only is None else frozenset({ReleasePart(only)})
    session = _session(profile, region)
    outcomes = run_release(
        _mutator(profile, region, session),
        targets,
        apply=apply,
        only=parts,
        backups=read_backup_version(session),
    )
    print_outcomes(outcomes, apply=apply)


@click.command()
@target_options
@click.option(
    "--backup-dir",
    required=True,
    metavar="DIR|s3://BUCKET/PREFIX/",
    help="Where the backups (<account>-<role>.json) go, written and verified first: a "
    "folder, or a versioned S3 bucket (encrypted at rest).",
)
@click.option(
    "--archive",
    is_flag=True,
    default=False,
    help="With --source access-analyzer and --apply: once a role is deleted, archive AWS's "
    "ACTIVE finding about it (UpdateFindings); the output names the action and the backup. "
    "A failed archive is its own failure line; the delete stands.",
)
@live_source_options
@safety_options
@force_deleting_option
@window_options
@aws_options
@_references
def delete(
    roles: tuple[str, ...],
    from_file: IO[str] | None,
    backup_dir: str,
    archive: bool,
    source: str,
    analyzer_arn: str | None,
    apply: bool,
    force: bool,
    max_roles: int,
    max_days: str,
    allow: str,
    exempt_tag: str,
    owner_tags: str,
    max_exemption_days: str | None,
    as_of: str | None,
    profile: str | None,
    region: str | None,
    references: str,
    aggregator: str | None,
    regions: str | None,
) -> None:
    """Back up each ROLE to --backup-dir, check the backup, then delete the role.

    Deletes in IAM's order: removes the role from its instance profiles, detaches managed
    policies, deletes inline policies, deletes the role. The same refusals and freshness
    re-check as quarantine apply. A role already gone whose backup is present is no error.

    A role that something references (an instance profile, another role's trust policy,
    an iam:PassRole grant; with --references config or live, also Lambda functions,
    instances, ECS tasks, rules...) is refused unless --force: delete or repoint those first.
    The backup records what referenced it.

    With --archive --source access-analyzer, AWS's finding about each role deleted is
    archived after its delete; a release or restore leaves findings as they are.
    """
    settings, now = remediation_settings(
        max_days, allow, as_of, exempt_tag, owner_tags, max_exemption_days, apply=apply
    )
    finding_source = parse_archive(source, analyzer_arn, archive, source_alone=False)
    targets = role_targets(roles, from_file)
    if not targets:
        return print_nothing_to_do()
    check_blast_radius(len(targets), max_roles)
    session = _session(profile, region)
    store = open_backups(backup_dir, session)
    assert store is not None
    mutator, finder = _with_finder(session, references, aggregator, regions)
    # Read before anything changes: a wrong --analyzer-arn stops the run here.
    read = None
    if finding_source is not FindingSource.DORMANT and apply:
        read = read_role_findings(
            session, finding_source, analyzer_arn, mutator.caller().account_id
        )
    outcomes = list(
        run_delete(
            mutator,
            targets,
            settings=settings,
            now=now,
            apply=apply,
            backup_dir=store,
            force=force,
            references=finder,
        )
    )
    archives = [] if read is None else archive_deleted(read, outcomes, now)
    print_outcomes(outcomes, apply=apply, archives=archives)


@click.command()
@click.argument(
    "backups",
    nargs=-1,
    required=True,
    metavar="BACKUP...",
)
@safety_options
@aws_options
def restore(
    backups: tuple[str, ...],
    apply: bool,
    max_roles: int,
    profile: str | None,
    region: str | None,
) -> None:
    """Recreate each role from its BACKUP file (or s3://BUCKET/PREFIX/ACCOUNT-ROLE.json), and
    say what could not be given back. A backup of 'dormant unassign' re-creates its Identity
    Center assignments instead, naming any principal or permission set gone since.

    The new role has a new RoleId: policies that named the old one (other roles' trust
    policies, read with GetAccountAuthorizationDetails; its own; bucket, key and queue
    policies) grant it nothing, and are named. aws:-prefixed tags, which IAM refuses, are
    left out and named. Creates missing instance profiles with their original path. A
    role that already exists and matches its backup is left alone; one that differs is
    refused. The restored role is read back and compared with its backup. What referenced
    the role when it was deleted is named, to be checked again. Exit status 1 if any role
    was refused or failed.
    """
    check_blast_radius(len(backups), max_roles, "backups")
    for backup in backups:
        if not backup.startswith("s3://") and not Path(backup).is_file():
            raise InvalidParameter("BACKUP", f"{backup} is not a file or an s3:// object")
    session = _session(profile, region)
    # An Identity Center assignments backup (dormant unassign's) is restored by its kind.
    from dormant.assignments.cli_remediate import assignment_backups, restore_backups

    assigned, role_backups = assignment_backups(backups, session)
    outcomes = restore_backups(assigned, session, apply=apply) if assigned else []
    if role_backups:
        outcomes.extend(
            run_restore(
                _mutator(profile, region, session),
                role_backups,
                apply=apply,
                reader=read_any_backup(session),
            )
        )
    print_outcomes(outcomes, apply=apply)
