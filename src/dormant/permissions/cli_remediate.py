"""``dormant restrict``: deny a used role the services it has not used (reversible).

A dry run unless ``--apply`` is given, printing each role, what would happen to it and every
IAM call it would make, like the other remediation commands (``dormant.cli.remediate``, whose
target parsing and printing this reuses). ``dormant release ROLE --apply`` undoes it. The
decision and the plan live in ``dormant.permissions`` and ``dormant.remediation``; this
module only parses options, builds the adapters and prints.
"""

from __future__ import annotations

from typing import IO, Any

import click

from dormant.cli.common import (
    aws_options,
    parse_remediation_as_of,
    settings_from_options,
    tag_options,
)
from dormant.cli.remediation import (
    print_nothing_to_do,
    print_outcomes,
    role_targets,
    safety_options,
)
from dormant.core.errors import InvalidParameter
from dormant.core.recommendations import RecommendationSource
from dormant.core.settings import SERVICE_LAST_ACCESSED_TRACKING_DAYS
from dormant.permissions.cli_recommend import check_recommendation_options, run_recommendations
from dormant.permissions.model import DEFAULT_PERMISSIONS_MAX_DAYS
from dormant.permissions.remediate import restrict as run_restrict
from dormant.remediation import check_blast_radius

__all__ = ["restrict"]


def _adapters(profile: str | None, region: str | None) -> tuple[Any, Any]:
    # boto3 loads only when a command really runs, so --help and usage errors stay fast.
    from dormant.aws.session import client_config, make_session
    from dormant.permissions.aws import IamAccessSource, access_client_config
    from dormant.roles.aws_mutator import IamRoleMutator

    session = make_session(profile, region)
    mutator = IamRoleMutator.from_session(session, client_config())
    account = mutator.caller().account_id
    access = IamAccessSource(
        session.client("iam", config=access_client_config(1)), account_id=account
    )
    return mutator, access


@click.command()
@click.argument("roles", nargs=-1, metavar="[ROLE]...")
@click.option(
    "--from",
    "from_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    metavar="FILE",
    help="Also act on the NON_COMPLIANT findings of a `dormant permissions --format json` "
    "document ('-' reads standard input).",
)
@safety_options
@click.option(
    "--max-days",
    metavar="N",
    default=str(DEFAULT_PERMISSIONS_MAX_DAYS),
    show_default=True,
    help="Window: deny the granted services unused for more than N whole days.",
)
@click.option(
    "--allow",
    metavar="PATTERNS",
    default="",
    help="Allow-list: '|'-separated filename patterns on Path+RoleName; matching roles "
    "are refused.",
)
@click.option(
    "--as-of",
    metavar="TIMESTAMP",
    default=None,
    help="Judge as of this instant (ISO 8601); default now. Never in the future.",
)
@click.option(
    "--recommendation",
    type=click.Choice([source.value for source in RecommendationSource]),
    default=None,
    help="Apply AWS's recommended policies for the role's unused permissions instead of "
    "the deny: inline documents replaced, managed policies swapped for dormant's copies "
    "or detached, all reversible with `dormant release ROLE --only restriction`.",
)
@click.option(
    "--analyzer-arn",
    metavar="ARN",
    default=None,
    help="With --recommendation access-analyzer: the unused-access analyzer to ask "
    "(default: the first active one).",
)
@click.option(
    "--backup-dir",
    metavar="DIR|s3://BUCKET/PREFIX/",
    default=None,
    help="With --recommendation --apply (required): where the role's backup goes, written "
    "and verified before anything changes.",
)
@click.option(
    "--archive",
    is_flag=True,
    default=False,
    help="With --recommendation and --apply: once a role is restricted to what it used, "
    "archive its UnusedPermission finding in the service the recommendation came from; the "
    "note names the action and the backup. A failed archive is its own failure line; the "
    "restriction stands.",
)
@tag_options
@aws_options
def restrict(
    roles: tuple[str, ...],
    from_file: IO[str] | None,
    apply: bool,
    max_roles: int,
    max_days: str,
    allow: str,
    as_of: str | None,
    recommendation: str | None,
    analyzer_arn: str | None,
    backup_dir: str | None,
    archive: bool,
    exempt_tag: str,
    owner_tags: str,
    max_exemption_days: str | None,
    profile: str | None,
    region: str | None,
) -> None:
    """Deny each ROLE the granted services it has not used within --max-days.

    Re-reads the role's service last access right before acting, then puts the inline
    policy `dormant-unused-services` (a Deny of those services, nothing else) and tags the
    role with when, by whom and which services. The role's own policies are never changed:
    `dormant release ROLE --apply` removes exactly what was added. Refused: service-linked,
    AWS-reserved, allow-listed roles, the caller's own role, a role with nothing unused, a
    deny of every granted service (use `dormant quarantine`), and a deny over IAM's size
    limit for a role's inline policies. Exit status 1 if any role was refused or failed.

    With --recommendation access-analyzer (or securityhub): asks IAM Access Analyzer (or
    Security Hub) for the recommended policies of the role's open UnusedPermission finding,
    showing each policy's change as a diff; with --apply, backs the role up to --backup-dir
    first, checks every recommended document (ValidatePolicy, IAM's size limits), then
    applies it. A shared managed policy is never edited: the role gets its own copy,
    dormant-recommended-ROLE-N. With --archive, the restricted role's finding is then
    archived in that service; `dormant release` leaves it as it is.
    """
    now = parse_remediation_as_of(as_of, apply=apply)
    settings = settings_from_options(
        max_days,
        allow,
        False,
        exempt_tag,
        owner_tags,
        max_exemption_days=max_exemption_days,
        tracking_days=SERVICE_LAST_ACCESSED_TRACKING_DAYS,
        tracked="service last access",
    )
    source = None
    if recommendation is not None:
        source = check_recommendation_options(
            recommendation, apply=apply, backup_dir=backup_dir, analyzer_arn=analyzer_arn
        )
    else:
        for name, given in (
            ("--backup-dir", backup_dir is not None),
            ("--analyzer-arn", analyzer_arn is not None),
            ("--archive", archive),
        ):
            if given:
                raise InvalidParameter(name, "applies only with --recommendation")
    targets = role_targets(roles, from_file, kinds=("permissions",))
    if not targets:
        return print_nothing_to_do()
    check_blast_radius(len(targets), max_roles)
    if source is not None:
        outcomes, archives = run_recommendations(
            targets,
            source=source,
            settings=settings,
            now=now,
            apply=apply,
            backup_dir=backup_dir,
            analyzer_arn=analyzer_arn,
            profile=profile,
            region=region,
            archive=archive,
        )
        return print_outcomes(outcomes, apply=apply, archives=archives)
    mutator, access = _adapters(profile, region)
    print_outcomes(
        run_restrict(mutator, access, targets, settings=settings, now=now, apply=apply),
        apply=apply,
    )
