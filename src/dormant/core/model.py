"""Values every kind of finding shares: compliance, the ``Reportable`` shape, the resource
types Config knows, an account's failure and its role quota.

Pure data: frozen dataclasses, enums and protocols, standard library only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "AWS_RESERVED_PATH_PREFIX",
    "RESOURCE_TYPE_ROLE",
    "RESOURCE_TYPE_USER",
    "SERVICE_LINKED_PATH_PREFIX",
    "AccountFailure",
    "Compliance",
    "Reportable",
    "RoleQuota",
]

SERVICE_LINKED_PATH_PREFIX = "/aws-service-role/"


AWS_RESERVED_PATH_PREFIX = "/aws-reserved/"


class Compliance(enum.StrEnum):
    """The compliance types AWS Config accepts for an evaluation."""

    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Reportable(Protocol):
    """What every kind of finding has, whatever it is about.

    A role's use (``Finding``), a user's credentials, a role's permissions: each kind
    has its own subject and its own decision, and each finding answers these, which is
    all the Config rule run, the evaluations and the exports need. A new kind of
    finding plugs in by answering them; it never copies the engine.
    """

    @property
    def account_id(self) -> str: ...
    @property
    def resource_type(self) -> str:
        """How AWS Config names the resource type, e.g. ``AWS::IAM::Role``."""
        ...

    @property
    def resource_id(self) -> str:
        """How AWS Config identifies the resource: a RoleId, a UserId."""
        ...

    @property
    def resource_name(self) -> str: ...
    @property
    def arn(self) -> str: ...
    @property
    def compliance(self) -> Compliance: ...
    @property
    def annotation(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AccountFailure:
    """An account that could not be scanned: which account, which call, what went wrong.

    ``region`` names the Region when the failure is one Region's (an aggregator's source).
    """

    account_id: str
    operation: str
    message: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class RoleQuota:
    """An account's roles against its quota (IAM GetAccountSummary: Roles, RolesQuota)."""

    roles: int
    roles_quota: int

    @property
    def percent(self) -> int:
        """Whole percent of the quota used (floor)."""
        return self.roles * 100 // self.roles_quota if self.roles_quota > 0 else 0

    @property
    def nearly_full(self) -> bool:
        """Above 90%: creating roles will soon fail (the quota can be raised on request)."""
        return self.roles * 10 > self.roles_quota * 9

    def record(self) -> dict[str, int]:
        return {"roles": self.roles, "roles_quota": self.roles_quota}


RESOURCE_TYPE_ROLE = "AWS::IAM::Role"


RESOURCE_TYPE_USER = "AWS::IAM::User"
