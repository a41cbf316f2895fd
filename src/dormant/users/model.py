"""IAM users and their long-term credentials, as plain values; and the finding about one.

A ``User`` is one row of IAM's credential report (console password, access keys 1 and 2),
joined with the user's details from GetAccountAuthorizationDetails (UserId, Path, tags)
when those were read. ``UserFinding`` is the decision about one user
(``dormant.users.decide.evaluate_user``) and answers ``dormant.core.model.Reportable``, so the
Config rule run, the evaluations and the reports treat it like a role's finding.

Pure data: frozen dataclasses and enums, standard library only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dormant.core.aws_findings import Agreement, AwsFinding
from dormant.core.model import RESOURCE_TYPE_USER, Compliance

__all__ = [
    "ROOT_USER_NAME",
    "AccessKeyState",
    "Credential",
    "CredentialKind",
    "CredentialStatus",
    "User",
    "UserFinding",
    "UserReason",
    "UserState",
]


# How the credential report names the account's root user.
ROOT_USER_NAME = "<root_account>"


class CredentialKind(enum.StrEnum):
    """A long-term credential of an IAM user, in the order annotations name them."""

    PASSWORD = "password"
    ACCESS_KEY_1 = "access_key_1"
    ACCESS_KEY_2 = "access_key_2"

    @property
    def label(self) -> str:
        """``Password``, ``access key 1``: how annotations name the credential."""
        return "Password" if self is CredentialKind.PASSWORD else self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Credential:
    """One credential a user has (an absent one is no ``Credential`` at all).

    ``created``: for a password when it was last set (else when the user was created),
    for an access key when it was created or last rotated. ``last_used`` is None when
    IAM has no record of a use (never used, or not since IAM began tracking).
    """

    kind: CredentialKind
    active: bool
    created: datetime | None
    last_used: datetime | None = None
    last_used_region: str | None = None
    last_used_service: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    """One IAM user (or the account's root user) and its credentials.

    ``user_id`` and ``tags`` come from GetAccountAuthorizationDetails; read offline from a
    credential report alone, ``user_id`` is None and ``path`` is read from the ARN.
    """

    name: str
    arn: str
    created: datetime
    credentials: tuple[Credential, ...] = ()
    user_id: str | None = None
    path: str = "/"
    tags: tuple[tuple[str, str], ...] = ()
    mfa_active: bool = False
    account_id: str = ""

    @property
    def path_and_name(self) -> str:
        """What allow-list patterns match against, e.g. ``/ci/deployer``."""
        return f"{self.path}{self.name}"

    @property
    def is_root(self) -> bool:
        return self.name == ROOT_USER_NAME

    @property
    def active_credentials(self) -> tuple[Credential, ...]:
        return tuple(c for c in self.credentials if c.active)


class UserReason(enum.StrEnum):
    """Which row of the users' decision table decided a finding."""

    ROOT = "root"
    EXEMPT = "exempt"
    ALLOW_LISTED = "allow_listed"
    NO_ACTIVE_CREDENTIALS = "no_active_credentials"
    STALE = "stale"
    RECENTLY_USED = "recently_used"


@dataclass(frozen=True, slots=True)
class CredentialStatus:
    """A credential as the decision saw it.

    ``days_unused``: whole days since its last use, or since it was created when it was
    never used (None if neither is known). ``stale``: active and unused for more days
    than the window; an inactive credential cannot be used and is never stale.
    """

    credential: Credential
    days_unused: int | None
    stale: bool

    @property
    def kind(self) -> CredentialKind:
        return self.credential.kind


@dataclass(frozen=True, slots=True)
class UserFinding:
    """The decision about one user, and everything a report needs to explain it."""

    user: User
    compliance: Compliance
    reason: UserReason
    annotation: str
    credentials: tuple[CredentialStatus, ...] = ()
    owner: str | None = None
    # With --source access-analyzer: AWS's finding, the credential it is about (None when
    # the user has it no more) and whether dormant agrees (``dormant.users.agreement``).
    aws_finding: AwsFinding | None = None
    aws_credential: CredentialKind | None = None
    agreement: Agreement | None = None

    @property
    def account_id(self) -> str:
        return self.user.account_id

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_USER

    @property
    def resource_id(self) -> str:
        # Config identifies IAM users by UserId (AIDA...); offline the ARN stands in.
        return self.user.user_id or self.user.arn

    @property
    def resource_name(self) -> str:
        return self.user.name

    @property
    def arn(self) -> str:
        return self.user.arn

    @property
    def stale_credentials(self) -> tuple[CredentialStatus, ...]:
        return tuple(c for c in self.credentials if c.stale)


@dataclass(frozen=True, slots=True)
class AccessKeyState:
    """One access key as IAM has it now (ListAccessKeys + GetAccessKeyLastUsed)."""

    key_id: str
    active: bool
    created: datetime
    last_used: datetime | None = None
    last_used_region: str | None = None
    last_used_service: str | None = None


@dataclass(frozen=True, slots=True)
class UserState:
    """A user as remediation reads it live: enough to decide, plan and undo."""

    name: str
    user_id: str
    arn: str
    path: str
    created: datetime
    account_id: str
    password_created: datetime | None = None  # None: the user has no console password
    password_last_used: datetime | None = None
    keys: tuple[AccessKeyState, ...] = ()
    quarantine_policy: dict[str, Any] | None = None  # the inline policy dormant-quarantine
    tags: tuple[tuple[str, str], ...] = ()

    def tag(self, key: str) -> str | None:
        return next((v for k, v in self.tags if k == key), None)

    def as_user(self) -> User:
        """The decision's view of the user: its password and keys as credentials."""
        credentials: list[Credential] = []
        if self.password_created is not None:
            credentials.append(
                Credential(
                    CredentialKind.PASSWORD, True, self.password_created, self.password_last_used
                )
            )
        kinds = (CredentialKind.ACCESS_KEY_1, CredentialKind.ACCESS_KEY_2)
        for kind, key in zip(kinds, sorted(self.keys, key=lambda k: k.created), strict=False):
            credentials.append(
                Credential(
                    kind,
                    key.active,
                    key.created,
                    key.last_used,
                    key.last_used_region,
                    key.last_used_service,
                )
            )
        return User(
            name=self.name,
            arn=self.arn,
            created=self.created,
            credentials=tuple(credentials),
            user_id=self.user_id,
            path=self.path,
            tags=self.tags,
            account_id=self.account_id,
        )
