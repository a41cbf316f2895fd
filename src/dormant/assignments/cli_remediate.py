"""``dormant unassign``, and ``dormant restore``'s part for assignments backups.

``unassign ACCOUNT PERMISSION_SET`` reads the pair fresh, decides it with the one decision,
and (with ``--apply``) writes a verified backup to ``--backup-dir`` (a folder or a versioned
``s3://BUCKET/PREFIX/``), re-checks the pair and removes the assignments, polling each
removal until it has succeeded or failed. ``restore_backups`` re-creates a backup's
assignments. The logic is ``dormant.assignments.remediate.run``; this module only parses the
options and opens AWS. It never changes a permission set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from dormant.assignments.remediate.backup import (
    AssignmentsBackup,
    LocalTextStore,
    TextStore,
    backup_from_text,
    is_assignments_backup,
)
from dormant.assignments.remediate.run import (
    DEFAULT_MAX_ASSIGNMENTS,
    restore_assignments,
    unassign,
)
from dormant.cli.common import (
    aws_options,
    settings_from_options,
    tag_options,
    user_session,
)
from dormant.cli.remediation import print_outcomes
from dormant.core.errors import DormantError, InvalidParameter, RoleDataError
from dormant.core.settings import DEFAULT_MAX_DAYS, parse_role_name
from dormant.engine.accounts import DEFAULT_ROLE_NAME, AccountTarget
from dormant.remediation.outcome import Outcome, utc_now

__all__ = ["assignment_backups", "restore_backups", "text_store", "unassign_command"]

_S3 = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.*)")


def _s3_store(session: Any, bucket: str, prefix: str) -> TextStore:
    from dormant.aws.s3 import S3ObjectStore
    from dormant.aws.session import client_config

    store = S3ObjectStore(session.client("s3", config=client_config()), bucket, prefix)
    store.check_versioning()
    return store


def text_store(value: str, session: Any) -> TextStore:
    """``--backup-dir``: a folder, or a versioned ``s3://BUCKET/PREFIX/`` (checked)."""
    if value.startswith("s3://"):
        match = _S3.fullmatch(value if value.endswith("/") else value + "/")
        if match is None:
            raise InvalidParameter("--backup-dir", f"{value} is not s3://BUCKET/PREFIX/")
        return _s3_store(session, match.group(1), match.group(2))
    return LocalTextStore(Path(value))


def _read_text(where: str, session: Any) -> str:
    if where.startswith("s3://"):
        match = _S3.fullmatch(where)
        if match is None or not match.group(2) or match.group(2).endswith("/"):
            raise InvalidParameter("BACKUP", f"{where} is not s3://BUCKET/PREFIX/NAME.json")
        folder, _, name = match.group(2).rpartition("/")
        store = _s3_store(session, match.group(1), f"{folder}/" if folder else "")
        text = store.get_text(name)
        if text is None:
            raise RoleDataError(f"backup {where}: there is no such object")
        return text
    try:
        return Path(where).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RoleDataError(f"backup {where}: cannot be read ({exc})") from None


def assignment_backups(
    backups: Sequence[str], session: Any
) -> tuple[list[tuple[str, AssignmentsBackup]], list[str]]:
    """Split ``dormant restore``'s arguments: the assignments backups (read and checked, so a
    bad one stops the run before any change) and the others (roles' backups)."""
    found: list[tuple[str, AssignmentsBackup]] = []
    others: list[str] = []
    for where in backups:
        try:
            text = _read_text(where, session)
        except DormantError:
            others.append(where)  # the roles' restore reports it, as it always has
            continue
        if is_assignments_backup(text):
            found.append((where, backup_from_text(text, source=where)))
        else:
            others.append(where)
    return found, others


def restore_backups(
    backups: Sequence[tuple[str, AssignmentsBackup]], session: Any, *, apply: bool
) -> list[Outcome]:
    """Re-create each backup's assignments with the caller's credentials (the management
    account or Identity Center's delegated administrator)."""
    from dormant.assignments.aws_mutator import IdentityCenterWriter
    from dormant.aws.session import aws_call, client_config

    with aws_call("sso:CreateAccountAssignment"):
        writer = IdentityCenterWriter(
            session.client("sso-admin", config=client_config()),
            session.client("identitystore", config=client_config()),
        )
    outcomes: list[Outcome] = []
    for where, backup in backups:
        outcomes.extend(restore_assignments(backup, writer, apply=apply, source=where))
    return outcomes


@click.command("unassign")
@click.argument("account")
@click.argument("permission_set", metavar="PERMISSION_SET")
@click.option(
    "--principal",
    metavar="NAME",
    default=None,
    help="Remove only this user's or group's assignment (its name or id); default: all of "
    "the pair's assignments, which are unused together.",
)
@click.option(
    "--apply",
    is_flag=True,
    default=False,
    help="Make the changes. Without it, only print the plan (no write call is made).",
)
@click.option(
    "--backup-dir",
    metavar="DIR",
    default=None,
    help="Where the backup of what is removed goes, before anything is removed: a folder or a "
    "versioned s3://BUCKET/PREFIX/. Needed with --apply.",
)
@click.option(
    "--max-assignments",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_MAX_ASSIGNMENTS,
    show_default=True,
    help="Refuse the run if it would remove more assignments than this.",
)
@click.option(
    "--role-name",
    metavar="NAME",
    default=DEFAULT_ROLE_NAME,
    show_default=True,
    help="Role assumed in ACCOUNT to read its reserved role's last use.",
)
@click.option("--instance-arn", metavar="ARN", default=None, help="The Identity Center instance.")
@click.option(
    "--max-days",
    metavar="N",
    default=str(DEFAULT_MAX_DAYS),
    show_default=True,
    help="Window, as for dormant assignments: only a pair unused for longer is unassigned.",
)
@click.option(
    "--allow",
    metavar="PATTERNS",
    default="",
    help="Allow-list of permission set names ('|'-separated patterns): never unassigned.",
)
@tag_options
@aws_options
def unassign_command(
    account: str,
    permission_set: str,
    principal: str | None,
    apply: bool,
    backup_dir: str | None,
    max_assignments: int,
    role_name: str,
    instance_arn: str | None,
    max_days: str,
    allow: str,
    exempt_tag: str,
    owner_tags: str,
    max_exemption_days: str | None,
    profile: str | None,
    region: str | None,
) -> None:
    """Remove the assignments of PERMISSION_SET (its name) in ACCOUNT when it is unused there.

    Dry run by default. Refused when the pair is exempt, allow-listed, used within the window
    or new, when it has no reserved role to judge by, or when it would remove more than
    --max-assignments. With --apply, a backup of exactly what is removed is written to
    --backup-dir and read back first, the pair is decided again just before the change, and
    each removal is followed until Identity Center reports it done. 'dormant restore BACKUP'
    gives the assignments back. The permission set itself is never changed. Judged as of
    this machine's clock.
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
    # Judged as of this machine's clock, never a time given on the command line.
    now = utc_now()
    target = AccountTarget(account) if account.isdigit() else None
    if target is None:
        raise InvalidParameter("ACCOUNT", f"{account!r} is not a 12-digit AWS account id")
    role_name = parse_role_name(role_name, "--role-name")
    if apply and backup_dir is None:
        raise InvalidParameter("--backup-dir", "--apply needs a backup: name a folder or s3://")
    from dormant.assignments.aws_accounts import PairReader
    from dormant.assignments.aws_mutator import IdentityCenterWriter

    session = user_session(profile, region)
    store = None if backup_dir is None else text_store(backup_dir, session)
    reader = PairReader(
        session,
        account_id=target.account_id,
        permission_set_name=permission_set,
        role_name=role_name,
        settings=settings,
        now=now,
        instance_arn=instance_arn,
    )
    outcomes = unassign(
        reader,
        IdentityCenterWriter(reader.sso_admin, reader.identity_store),
        principal=principal,
        max_assignments=max_assignments,
        apply=apply,
        store=store,
        clock=utc_now,
    )
    print_outcomes(outcomes, apply=apply)
