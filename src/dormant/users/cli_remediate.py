"""``dormant quarantine --user`` / ``dormant release --user``: remediation's edge for IAM users.

The role commands (``dormant.cli.remediate``) hand over to this module when users are named
(``--user NAME``) or when ``--from`` holds a ``dormant users --format json`` document.
Dry run unless ``--apply``; ``--max-roles`` bounds the users named too. Output and exit
codes are the role commands'. Decisions live in ``dormant.users.remediate``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

import click
from click.core import ParameterSource

from dormant.cli.common import parse_remediation_as_of, settings_from_options
from dormant.cli.remediation import consumer, from_source
from dormant.core.errors import InvalidParameter
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.remediation import check_blast_radius
from dormant.remediation.targets import check_document_kind, parse_document
from dormant.users.decide import DEFAULT_USER_MAX_DAYS
from dormant.users.remediate import (
    UserTarget,
    quarantine_users,
    release_users,
)

__all__ = [
    "requested_users",
    "run_quarantine_users",
    "run_release_users",
    "user_option",
    "user_targets_from_findings",
]

F = TypeVar("F", bound=Callable[..., Any])


def user_option(func: F) -> F:
    return click.option(
        "--user",
        "users",
        multiple=True,
        metavar="NAME",
        help="Act on this IAM user instead of roles (repeat for several). Quarantine denies "
        "it every action and deactivates its active access keys; release undoes exactly that.",
    )(func)


def requested_users(
    users: Sequence[str], roles: Sequence[str], from_file: IO[str] | None
) -> tuple[list[UserTarget] | None, IO[str] | None]:
    """The users to act on (None when the run is about roles), and ``--from`` re-readable.

    ``--from`` is about users when its document is ``dormant users``' JSON (kind users).
    """
    document: object = None
    source = ""
    if from_file is not None:
        source = from_source(from_file)
        text = from_file.read()
        replay = io.StringIO(text)
        replay.name = from_file.name
        from_file = replay
        try:
            document = json.loads(text)
        except ValueError:
            document = None  # the roles' parser reports it, naming the file
    about_users = isinstance(document, dict) and document.get("kind") == "users"
    if not users and not about_users:
        return None, from_file
    if roles:
        raise InvalidParameter("--user", "name roles or users in one run, not both")
    if from_file is not None:
        # --user with --from: the document must list users too, never roles.
        parsed = parse_document(from_file.read(), source=source)
        check_document_kind(parsed, source=source, accepted=("users",), consumer=consumer())
    targets = [UserTarget(name) for name in users]
    if about_users:
        named = {t.user_name for t in targets}
        targets += [
            t
            for t in user_targets_from_findings(document, source=source)
            if t.user_name not in named
        ]
    return targets, None


def user_targets_from_findings(document: object, *, source: str) -> list[UserTarget]:
    """The NON_COMPLIANT users of a parsed ``dormant users --format json`` document, each once.

    A document read with ``--source`` lists one finding per AWS finding: a user any of whose
    findings AWS and dormant disagree on (``agrees`` false, such as a Security Hub key finding
    that cannot tell which of two keys it means) is left out, since dormant acts only where
    both say unused.
    """
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, list):
        raise InvalidParameter("--from", f"{source} has no top-level 'findings' list")
    disputed = {
        (f.get("user_name"), f.get("account_id"))
        for f in findings
        if isinstance(f, dict) and f.get("agrees") is False
    }
    targets: list[UserTarget] = []
    for index, finding in enumerate(findings):
        if not isinstance(finding, dict):
            raise InvalidParameter("--from", f"{source}: findings[{index}] is not a JSON object")
        if finding.get("compliance") != Compliance.NON_COMPLIANT:
            continue
        name = finding.get("user_name")
        if not isinstance(name, str) or not name:
            raise InvalidParameter("--from", f"{source}: findings[{index}] has no user_name")
        if name == "<root_account>":
            continue  # the root user's keys are removed by signing in as root, never by us
        account = finding.get("account_id")
        if (name, account) in disputed:
            continue
        target = UserTarget(name, str(account) if account not in (None, "") else "")
        if target not in targets:
            targets.append(target)
    return targets


def _settings(
    max_days: str, allow: str, exempt_tag: str, owner_tags: str, max_exemption_days: str | None
) -> Settings:
    # The users' window (45) unless --max-days was given: the option's default is the roles'.
    if click.get_current_context().get_parameter_source("max_days") == ParameterSource.DEFAULT:
        max_days = str(DEFAULT_USER_MAX_DAYS)
    return settings_from_options(
        max_days,
        allow,
        False,
        exempt_tag,
        owner_tags,
        max_exemption_days=max_exemption_days,
        tracking_days=None,
    )


def _mutator(profile: str | None, region: str | None) -> Any:
    from dormant.aws.session import client_config, make_session
    from dormant.users.aws_mutator import IamUserMutator

    return IamUserMutator.from_session(make_session(profile, region), client_config())


def run_quarantine_users(
    targets: list[UserTarget],
    *,
    apply: bool,
    max_roles: int,
    max_days: str,
    allow: str,
    exempt_tag: str,
    owner_tags: str,
    max_exemption_days: str | None,
    as_of: str | None,
    profile: str | None,
    region: str | None,
    report: Callable[..., None],
) -> None:
    now = parse_remediation_as_of(as_of, apply=apply)
    settings = _settings(max_days, allow, exempt_tag, owner_tags, max_exemption_days)
    check_blast_radius(len(targets), max_roles, "users")
    mutator = _mutator(profile, region)
    report(quarantine_users(mutator, targets, settings=settings, now=now, apply=apply), apply=apply)


def run_release_users(
    targets: list[UserTarget],
    *,
    apply: bool,
    max_roles: int,
    profile: str | None,
    region: str | None,
    report: Callable[..., None],
) -> None:
    check_blast_radius(len(targets), max_roles, "users")
    report(release_users(_mutator(profile, region), targets, apply=apply), apply=apply)
