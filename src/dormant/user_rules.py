"""The decision: are this user's credentials unused? Pure data in, a UserFinding out.

The first matching row decides, with the roles' whole UTC days (floor) and settings:

1. the root user (``<root_account>``)           -> NON_COMPLIANT if an access key is
   active, else NOT_APPLICABLE (the Config rule never reports the root user)
2. Path+UserName matches an allow-list pattern  -> COMPLIANT
3. no active credential                         -> COMPLIANT
4. an active credential is stale                -> NON_COMPLIANT, naming every stale one
5. otherwise                                    -> COMPLIANT, with the most recent use

A credential is stale when it was used and the whole days since its last use exceed the
window, or when it was never used and the whole days since it was created exceed it (a
password is created when last changed, else with its user; a key when last rotated).

Never import boto3, read the clock or the environment here: ``now`` is an argument.
The Lambda, ``dormant users`` and remediation's freshness re-check all call
``evaluate_user``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from dormant.evaluations import fit_annotation
from dormant.model import Compliance
from dormant.rules import matching_pattern, whole_days
from dormant.settings import Settings
from dormant.users import (
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


def _describe(status: CredentialStatus) -> str:
    """``access key 1 last used 120 days ago`` / ``Password never used in 95 days``."""
    label = status.kind.label
    if status.credential.last_used is not None:
        return f"{label} last used {status.days_unused} days ago"
    if status.days_unused is None:
        return f"{label} never used"
    return f"{label} never used in {status.days_unused} days"


def _sentence(parts: Iterable[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def evaluate_user(user: User, settings: Settings, now: datetime) -> UserFinding:
    """Decide one user. See the module docstring for the table."""
    statuses = tuple(credential_status(c, settings.max_days, now) for c in user.credentials)

    def finding(compliance: Compliance, reason: UserReason, annotation: str) -> UserFinding:
        return UserFinding(
            user=user,
            compliance=compliance,
            reason=reason,
            annotation=fit_annotation(annotation),
            credentials=statuses,
        )

    if user.is_root:
        if any(c.active and c.kind is not CredentialKind.PASSWORD for c in user.credentials):
            return finding(Compliance.NON_COMPLIANT, UserReason.ROOT, ANNOTATION_ROOT_ACCESS_KEY)
        return finding(Compliance.NOT_APPLICABLE, UserReason.ROOT, ANNOTATION_ROOT_NO_ACCESS_KEY)
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
            Compliance.NON_COMPLIANT, UserReason.STALE, _sentence(_describe(s) for s in stale)
        )
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
