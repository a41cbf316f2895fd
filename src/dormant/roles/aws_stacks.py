"""Which IAM roles CloudFormation stacks created, read from the stacks: once per run.

CloudFormation puts no ``aws:cloudformation:*`` tag on the IAM roles it creates, so "managed by
CloudFormation" is read from the stacks themselves: ListStacks (every stack that still exists,
paged), then ListStackResources of each (paged), keeping the ``AWS::IAM::Role`` resources, whose
physical id is the role's name. A role a stack created stays that stack's role whatever its
tags say. Stacks are regional: this reads the client's Region. A denied or failing call raises
(``AwsAccessError`` naming it): a run that cannot tell a stack's role from another changes
nothing. Never decides anything; the refusal is ``dormant.core.managed``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import DormantError
from dormant.roles.model import Role

__all__ = ["ROLE_RESOURCE_TYPE", "STACK_GONE", "stack_roles", "stacks_or_tags", "with_stacks"]

ROLE_RESOURCE_TYPE = "AWS::IAM::Role"
STACK_GONE = "DELETE_COMPLETE"  # ListStacks still lists deleted stacks for 90 days
# Every status but DELETE_COMPLETE (ListStacks' StackStatusFilter takes a list of them).
_LIVE_STATUSES = [
    "CREATE_IN_PROGRESS",
    "CREATE_FAILED",
    "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS",
    "IMPORT_IN_PROGRESS",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
]


def stack_roles(client: Any, account_id: str) -> dict[str, str]:
    """Each role name a stack of this Region holds as an ``AWS::IAM::Role``, to the stack's
    name; one ListStacks walk and one ListStackResources walk per stack."""
    found: dict[str, str] = {}
    stacks = partial(aws_call, "cloudformation:ListStacks", account_id)
    for page in each_page(client, "list_stacks", stacks, StackStatusFilter=_LIVE_STATUSES):
        for summary in page.get("StackSummaries", []):
            if summary.get("StackStatus") == STACK_GONE:
                continue
            name = str(summary["StackName"])
            resources = partial(aws_call, "cloudformation:ListStackResources", account_id)
            stack_id = str(summary.get("StackId") or name)
            for part in each_page(client, "list_stack_resources", resources, StackName=stack_id):
                for resource in part.get("StackResourceSummaries", []):
                    role_name = resource.get("PhysicalResourceId")
                    if resource.get("ResourceType") == ROLE_RESOURCE_TYPE and role_name:
                        found.setdefault(str(role_name), name)
    return found


def with_stacks(roles: list[Role], stacks: Mapping[str, str]) -> list[Role]:
    """The roles, each with the stack that holds it (``Role.stack``) when one does."""
    return [replace(r, stack=stacks[r.name]) if r.name in stacks else r for r in roles]


def stacks_or_tags(
    client: Any, roles: list[Role], account_id: str, warn: Callable[[str], None]
) -> list[Role]:
    """``with_stacks`` for a report: a reader without the CloudFormation reads gets its
    report (warned; the stack-name tag stays a hint). Remediation never falls back so."""
    try:
        stacks = stack_roles(client, account_id)
    except DormantError as exc:
        warn(f"stacks not read, managed_by cloudformation only from tags: {exc}")
        return roles
    return with_stacks(roles, stacks)
