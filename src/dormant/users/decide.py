"""The decision: are this user's credentials unused? Pure data in, a UserFinding out.

The first matching row decides, with the roles' whole UTC days (floor) and settings:

1. the root user (``<root_account>``)           -> NON_COMPLIANT if an access key is
   active, else NOT_APPLICABLE (the Config rule never reports the root user)
2. an exemption tag that still counts           -> COMPLIANT (as for roles: ``dormant.core.tags``)
3. Path+UserName matches an allow-list pattern  -> COMPLIANT
4. no active credential                         -> COMPLIANT
5. an active credential is stale                -> NON_COMPLIANT, naming every stale one
6. otherwise                                    -> COMPLIANT, with the most recent use

As for roles, a NON_COMPLIANT annotation ends with ``. Owner: <owner>.`` and a lapsed
exemption is noted, each when it fits; with ``Settings.stable_annotations`` (the rule's
``changes`` mode) annotations name dates, not day counts, so they change only when the
compliance does.

A credential is stale when it was used and the whole days since its last use exceed the
window, or when it was never used and the whole days since it was created exceed it (a
password is created when last changed, else with its user; a key when last rotated).

Never import boto3, read the clock or the environment here: ``now`` is an argument.
The Lambda, ``dormant users`` and remediation's freshness re-check all call
``evaluate_user``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from dormant.core.evaluations import (
    fit_annotation,
)
from dormant.core.model import RESOURCE_TYPE_USER, Compliance
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.core.tags import (
    ExemptionState,
    check_exemption,
    exempt_annotation,
    owner_of,
    with_tag_notes,
)
from dormant.core.time import whole_days
from dormant.engine.rule import RuleKind
from dormant.users.model import (
    Credential,
    CredentialKind,
    CredentialStatus,
    User,
    UserFinding,
    UserReason,
)

__all__ = [
    "ANNOTATION_NO_ACTIVE_CREDENTIALS",
    "ANNOTATION_ROOT_ACCESS_KEY",
    "ANNOTATION_ROOT_NO_ACCESS_KEY",
    "ANNOTATION_USER_DELETED",
    "DEFAULT_USER_MAX_DAYS",
    "USERS",
    "config_subjects",
    "credential_status",
    "evaluate_user",
    "evaluate_users",
]

# CIS AWS Foundations: "credentials unused for 45 days or greater are disabled".
DEFAULT_USER_MAX_DAYS = 45


ANNOTATION_ROOT_ACCESS_KEY = "Root user has an active access key"


ANNOTATION_ROOT_NO_ACCESS_KEY = "Root user has no active access key"


ANNOTATION_NO_ACTIVE_CREDENTIALS = "No active credentials"


ANNOTATION_USER_DELETED = "User no longer exists"


def credential_status(credential: Credential, max_days: int, now: datetime) -> CredentialStatus:
    """How long the credential has gone unused, and whether that makes it stale."""
    since = credential.last_used if credential.last_used is not None else credential.created
    days = None if since is None else whole_days(since, now)
    stale = credential.active and days is not None and days > max_days
    return CredentialStatus(credential=credential, days_unused=days, stale=stale)


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _describe(status: CredentialStatus, stable: bool = False) -> str:
    """``access key 1 last used 120 days ago`` / ``Password never used in 95 days``.

    ``stable``: the dates instead (``last used on 2026-05-02``, ``never used since
    2026-03-01``), which do not move from one day to the next.
    """
    label = status.kind.label
    credential = status.credential
    if credential.last_used is not None:
        if stable:
            return f"{label} last used on {_day(credential.last_used)}"
        return f"{label} last used {status.days_unused} days ago"
    if status.days_unused is None or credential.created is None:
        return f"{label} never used"
    if stable:
        return f"{label} never used since {_day(credential.created)}"
    return f"{label} never used in {status.days_unused} days"


def _sentence(parts: Iterable[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def evaluate_user(user: User, settings: Settings, now: datetime) -> UserFinding:
    """Decide one user. See the module docstring for the table."""
    statuses = tuple(credential_status(c, settings.max_days, now) for c in user.credentials)
    owner = owner_of(user.tags, settings.owner_tag_keys)
    exemption = check_exemption(
        user.tags, settings.exempt_tag_key, now, settings.max_exemption_days
    )
    stable = settings.stable_annotations

    def finding(compliance: Compliance, reason: UserReason, annotation: str) -> UserFinding:
        noted = with_tag_notes(
            fit_annotation(annotation),
            non_compliant=compliance == Compliance.NON_COMPLIANT,
            exemption=exemption,
            owner=owner,
        )
        return UserFinding(
            user=user,
            compliance=compliance,
            reason=reason,
            annotation=noted,
            credentials=statuses,
            owner=owner,
        )

    if user.is_root:
        if any(c.active and c.kind is not CredentialKind.PASSWORD for c in user.credentials):
            return finding(Compliance.NON_COMPLIANT, UserReason.ROOT, ANNOTATION_ROOT_ACCESS_KEY)
        return finding(Compliance.NOT_APPLICABLE, UserReason.ROOT, ANNOTATION_ROOT_NO_ACCESS_KEY)
    if exemption is not None and exemption.state is ExemptionState.ACTIVE:
        return finding(Compliance.COMPLIANT, UserReason.EXEMPT, exempt_annotation(exemption))
    pattern = matching_pattern(user.path_and_name, settings.allow_patterns)
    if pattern is not None:
        return finding(
            Compliance.COMPLIANT,
            UserReason.ALLOW_LISTED,
            f"User matches allow-list pattern {pattern}",
        )
    active = [s for s in statuses if s.credential.active]
    if not active:
        return finding(
            Compliance.COMPLIANT, UserReason.NO_ACTIVE_CREDENTIALS, ANNOTATION_NO_ACTIVE_CREDENTIALS
        )
    stale = [s for s in active if s.stale]
    if stale:
        return finding(
            Compliance.NON_COMPLIANT,
            UserReason.STALE,
            _sentence(_describe(s, stable) for s in stale),
        )
    if stable:
        recent = f"Credentials used within the last {settings.max_days} days"
        return finding(Compliance.COMPLIANT, UserReason.RECENTLY_USED, recent)
    return finding(Compliance.COMPLIANT, UserReason.RECENTLY_USED, _most_recent(active))


def _most_recent(active: list[CredentialStatus]) -> str:
    """The most recently used active credential; if none was ever used, the one nearest
    to going stale (the oldest)."""
    used = [s for s in active if s.credential.last_used is not None]
    if used:
        latest = max(used, key=lambda s: s.credential.last_used or datetime.min)
        return _sentence([_describe(latest)])
    oldest = max(active, key=lambda s: -1 if s.days_unused is None else s.days_unused)
    return _sentence([_describe(oldest)])


def evaluate_users(
    users: Iterable[User], settings: Settings, now: datetime
) -> Iterator[UserFinding]:
    """Decide a stream of users lazily."""
    for user in users:
        yield evaluate_user(user, settings, now)


def config_subjects(users: Iterable[User]) -> Iterator[User]:
    """The users the Config rule reports: every one but the root user, which Config does
    not record as an ``AWS::IAM::User`` (``dormant users`` still shows it)."""
    return (user for user in users if not user.is_root)


# IAM users' long-term credentials (``dormant.users.decide``); Config names users by UserId.
USERS: RuleKind[User, UserFinding] = RuleKind(
    resource_type=RESOURCE_TYPE_USER,
    decide=evaluate_user,
    gone_annotation=ANNOTATION_USER_DELETED,
)
