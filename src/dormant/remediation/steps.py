"""Planned IAM calls: ``Step`` (operation and parameters exactly as the IAM API takes them, plus
the calls that undo it) and the IAM write operations remediation may plan at all.

The dry run prints steps; ``--apply`` hands the same values to a kind's mutator, so what is
shown is what is done. Pure: no boto3, no clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["USER_WRITE_OPERATIONS", "WRITE_OPERATIONS", "Step", "caller_role"]

# Every IAM operation a plan may contain; the adapter executes these and nothing else.
WRITE_OPERATIONS = frozenset(
    {
        "AddRoleToInstanceProfile",
        "AttachRolePolicy",
        "CreateInstanceProfile",
        # Only a recommendation's copy of a policy (dormant-recommended-<role>-<n>), created
        # by restrict --recommendation and deleted by its release.
        "CreatePolicy",
        "CreateRole",
        "DeleteInstanceProfile",
        "DeletePolicy",
        "DeleteRole",
        "DeleteRolePermissionsBoundary",
        "DeleteRolePolicy",
        "DetachRolePolicy",
        "PutRolePermissionsBoundary",
        "PutRolePolicy",
        "RemoveRoleFromInstanceProfile",
        "TagRole",
        "UntagRole",
        "UpdateRole",
    }
)


# Every IAM operation a user's quarantine or release may contain (dormant.users.remediate);
# dormant.users.aws_mutator executes these and nothing else.
USER_WRITE_OPERATIONS = frozenset(
    {"DeleteUserPolicy", "PutUserPolicy", "TagUser", "UntagUser", "UpdateAccessKey"}
)


_SHOWN_CHARS = 96


# IAM tag values: at most 256 of letters, digits, spaces and _.:/=+-@ (a session name in a
# caller ARN may also hold a comma, which TagRole would reject).
_ASSUMED_ROLE = re.compile(r"arn:[\w-]+:sts::(\d{12}):assumed-role/([\w+=,.@-]+)/.+")


@dataclass(frozen=True, slots=True)
class Step:
    """One IAM API call with its parameters, and the calls that would reverse it."""

    operation: str
    params: Mapping[str, Any]
    undo: tuple[Step, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.operation not in WRITE_OPERATIONS | USER_WRITE_OPERATIONS:
            raise ValueError(f"{self.operation} is not an operation remediation may plan")

    def describe(self) -> str:
        """``iam:PutRolePolicy RoleName=x PolicyName=y PolicyDocument={...}``, one line."""
        shown = " ".join(f"{key}={_show(value)}" for key, value in self.params.items())
        return f"iam:{self.operation} {shown}"


def _show(value: object) -> str:
    if isinstance(value, list) and all(isinstance(v, Mapping) and "Key" in v for v in value):
        return ",".join(f"{v['Key']}={v.get('Value', '')}" for v in value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    text = str(value)
    if len(text) > _SHOWN_CHARS:
        return text[: _SHOWN_CHARS - 3] + "..."
    return text


def _json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def caller_role(caller_arn: str) -> tuple[str, str] | None:
    """(account id, role name) when the caller acts through an assumed role, else None."""
    match = _ASSUMED_ROLE.fullmatch(caller_arn)
    return (match.group(1), match.group(2)) if match else None
