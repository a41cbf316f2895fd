"""Identity Center's permission sets, their assignments and reserved roles, as plain values;
and the finding about one permission set in one account.

Identity Center materializes a permission set in each account it is provisioned to as one
IAM role, ``/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<name>_<16 hex>``, shared by
every user and group assigned that set in that account. IAM records the role's last use,
not who used it: the subject of the decision is therefore the (account, permission set)
pair (``AccountPermissionSet``), and all of its assignments are used or unused together.

Pure data: frozen dataclasses and enums, standard library only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from dormant.core.managed import reserved_permission_set
from dormant.core.model import Compliance

__all__ = [
    "MAX_PERMISSION_SET_NAME",
    "RESERVED_ROLE_PATH_PREFIX",
    "RESERVED_ROLE_PREFIX",
    "RESOURCE_TYPE_PERMISSION_SET",
    "AccountPermissionSet",
    "Assignment",
    "AssignmentFinding",
    "AssignmentReason",
    "PermissionSet",
    "Principal",
    "PrincipalType",
    "ReservedRole",
    "permission_set_name_of",
]

# How CloudFormation and the Config resource schema name a permission set.
RESOURCE_TYPE_PERMISSION_SET = "AWS::SSO::PermissionSet"


# Identity Center caps a permission set's name at 32 characters, so the longest reserved
# role name (15 + 32 + 1 + 16) is exactly IAM's 64.
MAX_PERMISSION_SET_NAME = 32


RESERVED_ROLE_PREFIX = "AWSReservedSSO_"


# Identity Center in us-east-1 uses this path; in other Regions the Region follows it.
RESERVED_ROLE_PATH_PREFIX = "/aws-reserved/sso.amazonaws.com/"


def permission_set_name_of(role_name: str, path: str) -> str | None:
    """``AWSReservedSSO_Admin_0123456789abcdef`` on the reserved path -> ``Admin``; else None
    (``dormant.core.managed.reserved_permission_set``: one reading for scan and this kind)."""
    return reserved_permission_set(role_name, path)


class PrincipalType(enum.StrEnum):
    USER = "USER"
    GROUP = "GROUP"


@dataclass(frozen=True, slots=True)
class Principal:
    """A user or group of the identity store. ``name`` is None when it could not be read
    (deleted since it was assigned); ``members`` is a group's member count when known."""

    principal_type: PrincipalType
    principal_id: str
    name: str | None = None
    members: int | None = None

    @property
    def label(self) -> str:
        """``group Platform-Admins (12 members)``, ``user jdoe``, ``user 9067...`` (unknown)."""
        noun = self.principal_type.value.lower()
        text = f"{noun} {self.name if self.name else self.principal_id}"
        if self.principal_type is PrincipalType.GROUP and self.members is not None:
            text += f" ({self.members} member{'' if self.members == 1 else 's'})"
        return text


@dataclass(frozen=True, slots=True)
class PermissionSet:
    """One permission set of the instance (DescribePermissionSet, ListTagsForResource)."""

    arn: str
    name: str
    created: datetime | None = None
    description: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ReservedRole:
    """The IAM role Identity Center made for a permission set in one account."""

    name: str
    arn: str
    role_id: str
    path: str
    created: datetime
    last_used: datetime | None = None
    last_used_region: str | None = None

    @property
    def permission_set_name(self) -> str | None:
        return permission_set_name_of(self.name, self.path)


@dataclass(frozen=True, slots=True)
class Assignment:
    """One account assignment: a principal given a permission set in an account.

    Exactly what ``dormant unassign`` deletes and ``dormant restore`` re-creates.
    """

    instance_arn: str
    account_id: str
    permission_set_arn: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class AccountPermissionSet:
    """The decision's subject: one permission set in one account, its assignments' principals
    and its reserved role there.

    ``permission_set`` is None for a reserved role whose name matches no permission set of
    the instance; ``role`` is None when the set is provisioned but the account has no role
    of its name. ``role_matches`` counts the reserved roles of the set's name (more than one
    is reported, not guessed).
    """

    account_id: str
    instance_arn: str
    permission_set_name: str
    permission_set: PermissionSet | None
    principals: tuple[Principal, ...] = ()
    role: ReservedRole | None = None
    role_matches: int = 1
    identity_store_id: str = ""

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        if self.permission_set is None:
            return ()
        return tuple(
            Assignment(self.instance_arn, self.account_id, self.permission_set.arn, p)
            for p in self.principals
        )

    @property
    def tags(self) -> tuple[tuple[str, str], ...]:
        return () if self.permission_set is None else self.permission_set.tags


class AssignmentReason(enum.StrEnum):
    """Which row of the assignments' decision table decided a finding."""

    NO_PERMISSION_SET = "no_permission_set"
    EXEMPT = "exempt"
    ALLOW_LISTED = "allow_listed"
    NO_ASSIGNMENT = "no_assignment"
    NO_ROLE = "no_role"
    AMBIGUOUS_ROLE = "ambiguous_role"
    NEW = "new"
    STALE = "stale"
    RECENTLY_USED = "recently_used"


@dataclass(frozen=True, slots=True)
class AssignmentFinding:
    """The decision about one permission set in one account.

    ``days_unused``: whole days since the role's last use, or since it was created when it
    was never used (None without a role).
    """

    subject: AccountPermissionSet
    compliance: Compliance
    reason: AssignmentReason
    annotation: str
    days_unused: int | None = None
    owner: str | None = None

    @property
    def account_id(self) -> str:
        return self.subject.account_id

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_PERMISSION_SET

    @property
    def resource_id(self) -> str:
        # The same ARN in every account: with ``account_id``, it names the pair.
        return self.arn

    @property
    def resource_name(self) -> str:
        return self.subject.permission_set_name

    @property
    def arn(self) -> str:
        subject = self.subject
        if subject.permission_set is not None:
            return subject.permission_set.arn
        return subject.role.arn if subject.role is not None else ""
