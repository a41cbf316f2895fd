"""Options shared by the commands: AWS credentials and the rule's settings.

The rule options build the same ``Settings`` the Lambda builds from its rule
parameters, through the same parsers, so both reject bad input identically.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click

from dormant.core.errors import DormantError, InvalidParameter
from dormant.core.settings import (
    DEFAULT_MAX_DAYS,
    ROLE_LAST_USED_TRACKING_DAYS,
    Settings,
    parse_allow_patterns,
    parse_max_days,
    parse_max_exemption_days,
    parse_owner_tag_keys,
    parse_tag_key,
)
from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY, DEFAULT_OWNER_TAG_KEYS
from dormant.core.time import Timeline, parse_timestamp
from dormant.engine.accounts import (
    AccountTarget,
    check_workers,
    targets_from_file,
)
from dormant.report import iso

__all__ = [
    "aws_options",
    "input_timeline",
    "parse_as_of",
    "report_timeline",
    "rule_options",
    "settings_from_options",
    "settings_record",
    "window_options",
]

F = TypeVar("F", bound=Callable[..., Any])


def aws_options(func: F) -> F:
    """--profile and --region; AWS_ENDPOINT_URL and the usual env vars work as in boto3."""
    func = click.option(
        "--region", metavar="REGION", default=None, help="AWS Region (default: the profile's)."
    )(func)
    func = click.option(
        "--profile", metavar="NAME", default=None, help="AWS profile (default: the usual chain)."
    )(func)
    return func


def tag_options(func: F) -> F:
    """--exempt-tag, --max-exemption-days and --owner-tags, for every kind whose resources
    carry tags."""
    func = click.option(
        "--max-exemption-days",
        "max_exemption_days",
        metavar="N",
        default=None,
        help="Ceiling on exemptions (1-3650): one counts only with an until= at most N "
        "days away. Default: no ceiling.",
    )(func)
    func = click.option(
        "--owner-tags",
        "owner_tags",
        metavar="KEYS",
        default=",".join(DEFAULT_OWNER_TAG_KEYS),
        show_default=True,
        help="Tag keys naming the owner, ','-separated; the first present is the owner.",
    )(func)
    return click.option(
        "--exempt-tag",
        "exempt_tag",
        metavar="KEY",
        default=DEFAULT_EXEMPT_TAG_KEY,
        show_default=True,
        help="Tag key exempting a role or user (COMPLIANT); value: [until=YYYY-MM-DD] reason.",
    )(func)


def window_options(func: F) -> F:
    """--max-days, --allow, --exempt-tag, --owner-tags and --as-of: what remediation's
    freshness re-check needs."""
    func = tag_options(func)
    func = click.option(
        "--as-of",
        "as_of",
        metavar="TIMESTAMP",
        default=None,
        help="Evaluate as of this instant (ISO 8601, e.g. 2024-06-01T00:00:00Z); default now.",
    )(func)
    func = click.option(
        "--allow",
        "allow",
        metavar="PATTERNS",
        default="",
        help="Allow-list: '|'-separated filename patterns on Path+RoleName, "
        "case-sensitive, e.g. '/breakglass-role|/security-*'.",
    )(func)
    func = click.option(
        "--max-days",
        "max_days",
        metavar="N",
        default=str(DEFAULT_MAX_DAYS),
        show_default=True,
        help="Window: a role unused for more than N whole days is NON_COMPLIANT. At most "
        f"{ROLE_LAST_USED_TRACKING_DAYS}: IAM tracks role last use for that long only.",
    )(func)
    return func


def rule_options(func: F) -> F:
    """The rule's settings: --max-days, --allow, --include-service-linked, --as-of."""
    func = click.option(
        "--include-service-linked",
        is_flag=True,
        default=False,
        help="Evaluate service-linked roles instead of reporting them NOT_APPLICABLE.",
    )(func)
    return window_options(func)


def settings_from_options(
    max_days: str,
    allow: str,
    include_service_linked: bool,
    exempt_tag: str = DEFAULT_EXEMPT_TAG_KEY,
    owner_tags: str = ",".join(DEFAULT_OWNER_TAG_KEYS),
    *,
    max_exemption_days: str | None = None,
    tracking_days: int | None = ROLE_LAST_USED_TRACKING_DAYS,
    tracked: str = "role last use",
) -> Settings:
    """Every command's Settings from its options; ``tracking_days``/``tracked``: what IAM
    keeps of the data the kind's window is measured on (see ``parse_max_days``)."""
    return Settings(
        max_days=parse_max_days(
            max_days, "--max-days", tracking_days=tracking_days, tracked=tracked
        ),
        allow_patterns=parse_allow_patterns(allow, "--allow"),
        include_service_linked=include_service_linked,
        exempt_tag_key=parse_tag_key(exempt_tag, "--exempt-tag"),
        owner_tag_keys=parse_owner_tag_keys(owner_tags, "--owner-tags"),
        max_exemption_days=(
            None
            if max_exemption_days is None
            else parse_max_exemption_days(max_exemption_days, "--max-exemption-days")
        ),
    )


# A remediation "as of" a little ahead of this machine's clock is clock skew, not the future.
_AS_OF_TOLERANCE = timedelta(minutes=5)


def parse_remediation_as_of(as_of: str | None, *, apply: bool = False) -> datetime:
    """--as-of for a command that changes IAM: never a time in the future; and with
    --apply, only the clock's own time (within the tolerance): an option may narrow what a
    run changes, never move the time it changes AWS at. The time returned with --apply is
    the clock's."""
    clock = datetime.now(UTC)
    now = parse_as_of(as_of)
    if now > clock + _AS_OF_TOLERANCE:
        raise InvalidParameter(
            "--as-of", "remediation cannot judge roles as of a time in the future"
        )
    if apply and as_of is not None:
        if clock - now > _AS_OF_TOLERANCE:
            raise InvalidParameter(
                "--as-of",
                "a run with --apply judges roles as of now, by this machine's clock, never "
                "as of another time; leave out --as-of, or leave out --apply to see what "
                "would have been done then (nothing was changed)",
            )
        return clock
    return now


def parse_as_of(as_of: str | None) -> datetime:
    """--as-of, or the current time in UTC."""
    if as_of is None:
        return datetime.now(UTC)
    try:
        return parse_timestamp(as_of, what="--as-of")
    except ValueError as exc:
        raise InvalidParameter("--as-of", str(exc)) from None


# The clock may be this far behind what a read sees (a use a little after the scan began,
# or clocks apart): that much is skew, not a date in the future.
_SKEW = timedelta(hours=1)


def input_timeline(
    now: datetime, as_of: str | None, error: type[DormantError], *, live: bool
) -> Timeline:
    """The check of an input's dates against ``now``. A saved input judged as of a given
    time may hold no use after it; a live read (which goes on after --as-of), and any read
    judged now, none after the clock plus some skew."""
    exact = as_of is not None and not live
    latest = now if exact else datetime.now(UTC) + _SKEW
    return Timeline(now, as_of=as_of is not None, latest=latest, error=error)


def report_timeline(timeline: Timeline | None, noun: str, *, stale: bool) -> None:
    """On stderr: how many resources were created after "now", and (``stale``: a saved
    input) a hint when the input is much older than "now"."""
    if timeline is None:
        return
    left_out = timeline.left_out(noun)
    if left_out is not None:
        click.echo(f"dormant: note: {left_out}", err=True)
    hint = timeline.stale_hint() if stale else None
    if hint is not None:
        click.echo(f"dormant: hint: {hint}", err=True)


def account_targets(
    session: Any, config: Any, *, use_org: bool, accounts_file: str | None
) -> tuple[list[AccountTarget], str]:
    """The accounts of ``--org`` (ListAccounts' ACTIVE ones) or ``--accounts FILE``, and
    how the report names where they came from."""
    if use_org:
        from dormant.aws.orgs import organization_targets

        targets = organization_targets(session, config)
        return targets, f"organization ({len(targets)} active accounts)"
    if accounts_file is None:
        raise InvalidParameter("--accounts", "no accounts file given")
    targets = targets_from_file(accounts_file)
    return targets, f"{len(targets)} accounts listed in {accounts_file}"


# IAM is global: with no Region configured, commands use this one rather than fail (STS,
# which names the caller's account, needs some Region).
GLOBAL_SERVICES_REGION = "us-east-1"


def user_session(profile: str | None, region: str | None) -> Any:
    """The user's boto3 session, in GLOBAL_SERVICES_REGION when none is configured."""
    from dormant.aws.session import make_session

    session = make_session(profile, region)
    if session.region_name is None:
        session = make_session(profile, GLOBAL_SERVICES_REGION)
    return session


def parse_workers(value: str) -> int:
    """--workers' text as a number; ``check_workers`` (the engine's) decides what it may be."""
    return check_workers(int(value) if re.fullmatch(r"\s*\d+\s*", value) else value)


def remediation_settings(
    max_days: str,
    allow: str,
    as_of: str | None,
    exempt_tag: str = DEFAULT_EXEMPT_TAG_KEY,
    owner_tags: str = ",".join(DEFAULT_OWNER_TAG_KEYS),
    max_exemption_days: str | None = None,
    *,
    apply: bool = False,
) -> tuple[Settings, datetime]:
    """Settings and ``now`` for a command that changes IAM (the freshness re-check's)."""
    # Service-linked roles are always refused, so --include-service-linked has no place here.
    now = parse_remediation_as_of(as_of, apply=apply)
    settings = settings_from_options(
        max_days, allow, False, exempt_tag, owner_tags, max_exemption_days=max_exemption_days
    )
    return settings, now


def settings_record(settings: Settings, now: datetime) -> dict[str, Any]:
    """The settings a report was made with, as its JSON ``settings`` record."""
    record = {
        "max_days": settings.max_days,
        "allow_patterns": list(settings.allow_patterns),
        "include_service_linked": settings.include_service_linked,
        "exempt_tag_key": settings.exempt_tag_key,
        "owner_tag_keys": list(settings.owner_tag_keys),
        "as_of": iso(now),
    }
    if settings.max_exemption_days is not None:  # shown only when a ceiling is set
        record["max_exemption_days"] = settings.max_exemption_days
    return record
