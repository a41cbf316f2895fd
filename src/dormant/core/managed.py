"""Who manages an IAM resource, read from its name, path and tags: and where to retire it.

Roles that CloudFormation, IAM Identity Center, StackSets or Control Tower created break
the thing that manages them when deleted by hand; the report says so (``managed_by`` and
a ``hint``) and remediation refuses them unless forced. Works on plain values (name,
path, tags), so users and roles answer the same way. Pure: standard library only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from dormant.core.tags import tag_value

__all__ = ["MANAGED_ELSEWHERE", "STACK_NAME_TAG", "ManagedBy", "Management", "management_of"]

STACK_NAME_TAG = "aws:cloudformation:stack-name"


IDENTITY_CENTER_PATH_PREFIX = "/aws-reserved/sso.amazonaws.com/"


CONTROL_TOWER_PATH_PREFIX = "/aws-controltower/"


SERVICE_LINKED_PATH_PREFIX = "/aws-service-role/"


STACKSET_EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"


STACKSET_EXECUTION_PREFIX = "stacksets-exec-"


CONTROL_TOWER_NAME_PREFIX = "AWSControlTower"


ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole"


class ManagedBy(enum.StrEnum):
    """What manages a resource (the ``managed_by`` output field)."""

    CLOUDFORMATION = "cloudformation"
    IDENTITY_CENTER = "identity-center"
    STACKSETS = "stacksets"
    CONTROL_TOWER = "control-tower"
    ORGANIZATIONS = "organizations"
    SERVICE_LINKED = "service-linked"


# Deleting or quarantining these by hand breaks their manager: remediation refuses them
# unless forced, and says where to retire them instead.
MANAGED_ELSEWHERE = frozenset(
    {
        ManagedBy.CLOUDFORMATION,
        ManagedBy.IDENTITY_CENTER,
        ManagedBy.STACKSETS,
        ManagedBy.CONTROL_TOWER,
    }
)


@dataclass(frozen=True, slots=True)
class Management:
    """``managed_by`` and the hint a report shows next to it."""

    managed_by: ManagedBy
    hint: str


def management_of(name: str, path: str, tags: Iterable[tuple[str, str]]) -> Management | None:
    """The first matching row of the table in the README (roles), or None."""
    stack = tag_value(tags, STACK_NAME_TAG)
    if stack is not None:
        return Management(
            ManagedBy.CLOUDFORMATION,
            f"created by CloudFormation stack {stack}: remove it from the stack",
        )
    if path.startswith(IDENTITY_CENTER_PATH_PREFIX):
        return Management(
            ManagedBy.IDENTITY_CENTER,
            "an IAM Identity Center permission set: remove its assignment to this account",
        )
    if name == STACKSET_EXECUTION_ROLE or name.startswith(STACKSET_EXECUTION_PREFIX):
        return Management(
            ManagedBy.STACKSETS, "a StackSets execution role: retire it with the StackSet"
        )
    if name.startswith(CONTROL_TOWER_NAME_PREFIX) or path.startswith(CONTROL_TOWER_PATH_PREFIX):
        return Management(
            ManagedBy.CONTROL_TOWER,
            "managed by AWS Control Tower: change it through Control Tower",
        )
    if name == ORGANIZATION_ACCESS_ROLE:
        return Management(
            ManagedBy.ORGANIZATIONS,
            "the organization's access role: keep it or allow-list it deliberately",
        )
    if path.startswith(SERVICE_LINKED_PATH_PREFIX):
        return Management(ManagedBy.SERVICE_LINKED, "AWS manages it")
    return None
