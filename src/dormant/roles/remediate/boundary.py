"""The permissions boundary a delete sets before dormant's deny comes off, and its undo.

IAM refuses DeleteRole while a policy is attached or inline, so the deny must come off
first; as the role's boundary it keeps the role denied (an explicit deny in a boundary
blocks even resource-policy grants) until DeleteRole, which takes the boundary with it.
Pure: no boto3, no clock. Must never set any boundary but a deny-all.
"""

from __future__ import annotations

from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    TAG_QUARANTINED_AT,
    is_quarantine_policy,
    is_quarantine_policy_arn,
)
from dormant.remediation.steps import Step
from dormant.roles.remediate.state import RoleState

__all__ = ["AWS_DENY_ALL", "boundary_step", "denied_by_boundary", "deny_boundary"]


def boundary_step(state: RoleState, deny_arn: str) -> tuple[Step, ...]:
    """Make dormant's managed deny the role's permissions boundary (nothing when it is);
    its undo puts back the boundary the role has now, or removes it if it has none."""
    name = state.name
    old = state.role.permissions_boundary_arn
    if old == deny_arn:
        return ()
    undo = (
        Step("PutRolePermissionsBoundary", {"RoleName": name, "PermissionsBoundary": old})
        if old
        else Step("DeleteRolePermissionsBoundary", {"RoleName": name})
    )
    put = {"RoleName": name, "PermissionsBoundary": deny_arn}
    return (Step("PutRolePermissionsBoundary", put, undo=(undo,)),)


# AWS's own deny-all managed policy (every account has it): the boundary a delete sets on a
# role quarantined by the inline policy, which cannot be a boundary itself.
AWS_DENY_ALL = "AWSDenyAll"


def _aws_deny_all_arn(state: RoleState) -> str:
    parts = state.role.arn.split(":")
    partition = parts[1] if len(parts) > 1 and parts[1] else "aws"
    return f"arn:{partition}:iam::aws:policy/{AWS_DENY_ALL}"


def deny_boundary(state: RoleState) -> str | None:
    """The boundary a delete sets before the deny comes off: dormant's managed deny, or for
    the inline quarantine, AWS's deny-all; None for a role dormant did not quarantine."""
    arns = [a for a in state.role.attached_policy_arns if is_quarantine_policy_arn(a)]
    if arns:
        return arns[0]
    if is_quarantine_policy(state.inline_policy(QUARANTINE_POLICY_NAME)):
        return _aws_deny_all_arn(state)
    return None


def denied_by_boundary(state: RoleState) -> bool:
    """The role's permissions boundary is the one a delete sets (dormant's managed deny, or
    AWS's deny-all on a role dormant's tag marks quarantined): the delete stopped before
    DeleteRole, or is under way."""
    boundary = state.role.permissions_boundary_arn or ""
    if is_quarantine_policy_arn(boundary):
        return True
    return boundary == _aws_deny_all_arn(state) and state.tag(TAG_QUARANTINED_AT) is not None
