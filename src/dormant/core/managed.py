"""Who manages an IAM resource, read from its name, path, tags and stacks: and where to retire it.

Roles that CloudFormation, IAM Identity Center, StackSets, Control Tower, Account Factory for
Terraform or Organizations created break the thing that manages them (or the organization
itself) when deleted by hand; the report says so (``managed_by`` and a ``hint``) and every
command, the campaign and the quarantine automation refuse them unless forced.

``ORGANIZATION_ROLES`` is the one list of the roles that keep an organization or landing zone
running (the automation documents carry a copy that a test holds equal to it). "Managed by
CloudFormation" is read from the stacks themselves (``stack_of``: the stacks' ``AWS::IAM::Role``
resources, whose physical id is the role's name), since CloudFormation puts no
``aws:cloudformation:*`` tag on a role; a stack-name tag still keeps a role, as a hint.
Works on plain values, so users and roles answer the same way.
Pure: standard library only. Must never call AWS.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from dormant.core.tags import tag_value

__all__ = [
    "MANAGED_ELSEWHERE",
    "ORGANIZATION_ROLES",
    "ORGANIZATION_ROLE_PATHS",
    "STACK_NAME_TAG",
    "ManagedBy",
    "Management",
    "OrganizationRole",
    "management_of",
    "organization_role",
    "reserved_permission_set",
]

STACK_NAME_TAG = "aws:cloudformation:stack-name"


IDENTITY_CENTER_PATH_PREFIX = "/aws-reserved/sso.amazonaws.com/"


CONTROL_TOWER_PATH_PREFIX = "/aws-controltower/"


SERVICE_LINKED_PATH_PREFIX = "/aws-service-role/"


class ManagedBy(enum.StrEnum):
    """What manages a resource (the ``managed_by`` output field)."""

    CLOUDFORMATION = "cloudformation"
    IDENTITY_CENTER = "identity-center"
    STACKSETS = "stacksets"
    CONTROL_TOWER = "control-tower"
    AFT = "account-factory-for-terraform"
    ORGANIZATIONS = "organizations"
    SERVICE_LINKED = "service-linked"

    @property
    def label(self) -> str:
        """The manager's name in prose (the automation's refusals use it)."""
        return _LABELS[self]


_LABELS = {
    ManagedBy.CLOUDFORMATION: "CloudFormation",
    ManagedBy.IDENTITY_CENTER: "IAM Identity Center",
    ManagedBy.STACKSETS: "StackSets",
    ManagedBy.CONTROL_TOWER: "Control Tower",
    ManagedBy.AFT: "Account Factory for Terraform",
    ManagedBy.ORGANIZATIONS: "Organizations",
    ManagedBy.SERVICE_LINKED: "AWS (service-linked)",
}

_HINTS = {
    ManagedBy.IDENTITY_CENTER: (
        "an IAM Identity Center permission set: remove its assignment to this account"
    ),
    ManagedBy.STACKSETS: "a StackSets execution role: retire it with the StackSet",
    ManagedBy.CONTROL_TOWER: "managed by AWS Control Tower: change it through Control Tower",
    ManagedBy.AFT: (
        "an Account Factory for Terraform role: AFT provisions and customizes accounts "
        "through it; change it through AFT"
    ),
    ManagedBy.ORGANIZATIONS: (
        "the organization's access role: keep it or allow-list it deliberately"
    ),
}


# Identity Center caps a permission set's name at 32 characters, so the longest reserved role
# name (15 + 32 + 1 + 16) is exactly IAM's 64: the name is never cut.
_RESERVED_SSO_NAME = re.compile(r"AWSReservedSSO_(.{1,32})_([0-9a-f]{16})")


def reserved_permission_set(name: str, path: str) -> str | None:
    """``AWSReservedSSO_Admin_0123456789abcdef`` on Identity Center's path -> ``Admin``.

    Names are matched whole: a role outside the path, or a name that is not the prefix, a
    name of at most 32 characters and 16 lower-case hex digits, is None."""
    if not path.startswith(IDENTITY_CENTER_PATH_PREFIX):
        return None
    match = _RESERVED_SSO_NAME.fullmatch(name)
    return None if match is None else match.group(1)


def _identity_center_hint(name: str, path: str, account_id: str) -> str:
    """The permission set the role stands for, and the command that retires it at its
    source (the assignments, in the management account or delegated administrator)."""
    permission_set = reserved_permission_set(name, path)
    if permission_set is None:
        return _HINTS[ManagedBy.IDENTITY_CENTER]
    return (
        f"IAM Identity Center permission set {permission_set}: remove its assignment to this "
        f"account with dormant unassign {account_id or 'ACCOUNT'} {permission_set}"
    )


@dataclass(frozen=True, slots=True)
class OrganizationRole:
    """A role that keeps the organization or landing zone running: an exact name, or a
    prefix written ``prefix*``; case-sensitive, as IAM's role names are unique ignoring
    case but compared as written by the services that create them."""

    name: str
    managed_by: ManagedBy

    def matches(self, name: str) -> bool:
        if self.name.endswith("*"):
            return name.startswith(self.name[:-1])
        return name == self.name


# Deleting or quarantining one of these cuts the management account, Control Tower, AFT or
# StackSets off the member account (and, for the access role, often every way in). Research
# trail: Control Tower's landing zone roles (AWSControlTowerExecution, AWSControlTowerAdmin,
# AWSControlTowerStackSetRole, AWSControlTowerCloudTrailRole, AWSControlTowerBlueprintAccess,
# aws-controltower-* in member accounts, /aws-controltower/ paths), AFT's
# (AWSAFTAdmin in the AFT account, AWSAFTExecution and AWSAFTService in every vended one),
# self-managed StackSets' (AWSCloudFormationStackSetExecutionRole and its administration
# role) and service-managed StackSets' stacksets-exec-<hash>.
ORGANIZATION_ROLES: tuple[OrganizationRole, ...] = (
    OrganizationRole("OrganizationAccountAccessRole", ManagedBy.ORGANIZATIONS),
    OrganizationRole("AWSControlTowerExecution", ManagedBy.CONTROL_TOWER),
    OrganizationRole("AWSControlTower*", ManagedBy.CONTROL_TOWER),
    OrganizationRole("aws-controltower-*", ManagedBy.CONTROL_TOWER),
    OrganizationRole("AWSAFTExecution", ManagedBy.AFT),
    OrganizationRole("AWSAFTService", ManagedBy.AFT),
    OrganizationRole("AWSAFTAdmin", ManagedBy.AFT),
    OrganizationRole("AWSCloudFormationStackSetExecutionRole", ManagedBy.STACKSETS),
    OrganizationRole("AWSCloudFormationStackSetAdministrationRole", ManagedBy.STACKSETS),
    OrganizationRole("stacksets-exec-*", ManagedBy.STACKSETS),
)

# Paths only these managers create roles under (IAM Identity Center's and service-linked
# roles are also AWS-reserved: IAM itself protects them).
ORGANIZATION_ROLE_PATHS: tuple[tuple[str, ManagedBy], ...] = (
    (IDENTITY_CENTER_PATH_PREFIX, ManagedBy.IDENTITY_CENTER),
    (CONTROL_TOWER_PATH_PREFIX, ManagedBy.CONTROL_TOWER),
)


# Deleting or quarantining these by hand breaks their manager: remediation refuses them
# unless forced, and says where to retire them instead.
MANAGED_ELSEWHERE = frozenset(
    {
        ManagedBy.CLOUDFORMATION,
        ManagedBy.IDENTITY_CENTER,
        ManagedBy.STACKSETS,
        ManagedBy.CONTROL_TOWER,
        ManagedBy.AFT,
        ManagedBy.ORGANIZATIONS,
    }
)


@dataclass(frozen=True, slots=True)
class Management:
    """``managed_by`` and the hint a report shows next to it."""

    managed_by: ManagedBy
    hint: str


# Every role of a 100,000-role snapshot is asked: one prefix test and one set lookup first.
_ROLE_PREFIXES = tuple(row.name[:-1] for row in ORGANIZATION_ROLES if row.name.endswith("*"))
_ROLE_NAMES = frozenset(row.name for row in ORGANIZATION_ROLES if not row.name.endswith("*"))
_PATH_PREFIXES = tuple(prefix for prefix, _ in ORGANIZATION_ROLE_PATHS)


def organization_role(name: str, path: str) -> ManagedBy | None:
    """Which manager of the organization owns a role of this name and path, or None."""
    if path.startswith(_PATH_PREFIXES):
        return next(m for prefix, m in ORGANIZATION_ROLE_PATHS if path.startswith(prefix))
    if name in _ROLE_NAMES or name.startswith(_ROLE_PREFIXES):
        return next(row.managed_by for row in ORGANIZATION_ROLES if row.matches(name))
    return None


def _stack_hint(stack: str, read_from: str) -> str:
    return f"created by CloudFormation stack {stack}{read_from}: remove it from the stack"


def management_of(
    name: str,
    path: str,
    tags: Iterable[tuple[str, str]],
    *,
    stack: str | None = None,
    account_id: str = "",
) -> Management | None:
    """The first matching row of the table in the manual (roles), or None.

    ``stack``: the CloudFormation stack whose ``AWS::IAM::Role`` resource is this role, read
    from the stacks. CloudFormation writes no stack-name tag on roles, but some tools copy one
    onto theirs, and a snapshot holds no stacks: such a tag keeps the role too, as a hint that
    says where it was read (a tag can only keep a role, never release one).
    ``account_id``: the role's account, named in an Identity Center role's hint (the
    ``dormant unassign`` command that removes the access at its source)."""
    if stack is not None:
        return Management(ManagedBy.CLOUDFORMATION, _stack_hint(stack, ""))
    tagged = tag_value(tags, STACK_NAME_TAG)
    if tagged is not None:
        return Management(
            ManagedBy.CLOUDFORMATION,
            _stack_hint(tagged, f" (by its {STACK_NAME_TAG} tag, not from a stack)"),
        )
    manager = organization_role(name, path)
    if manager is ManagedBy.IDENTITY_CENTER:
        return Management(manager, _identity_center_hint(name, path, account_id))
    if manager is not None:
        return Management(manager, _HINTS[manager])
    if path.startswith(SERVICE_LINKED_PATH_PREFIX):
        return Management(ManagedBy.SERVICE_LINKED, "AWS manages it")
    return None
