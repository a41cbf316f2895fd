"""What ``dormant restrict --recommendation`` leaves on a role, and the calls that take it off.

Applying AWS's recommendation replaces inline policies' documents, swaps attached managed
policies for customer-managed copies dormant creates (``dormant-recommended-<role>-<n>``) and
detaches others; before any of it the role's whole state is backed up (as ``delete`` backs
up) and the backup's place and version are tagged on the role. ``unrecommend_steps`` puts back
exactly what the backup holds: the earlier attachments and inline documents, then detaches
and deletes the policies dormant created, then removes the tags. The quarantine's and the
deny's inline policies are left alone: they are released as their own parts. It lives with the
roles because ``release`` undoes it; ``dormant.permissions.recommend`` writes it. Pure.
"""

from __future__ import annotations

import hashlib
import re

from dormant.remediation.steps import Step, _json
from dormant.roles.remediate.plan import _tag_undo
from dormant.roles.remediate.state import RoleState

__all__ = [
    "RECOMMENDATION_TAGS",
    "RECOMMENDED_POLICY_PREFIX",
    "TAG_RECOMMENDATION_BACKUP",
    "TAG_RECOMMENDATION_BACKUP_VERSION",
    "TAG_RECOMMENDED_AT",
    "TAG_RECOMMENDED_BY",
    "backup_of",
    "is_own_policy_arn",
    "recommended_policy_name",
    "unrecommend_steps",
]

RECOMMENDED_POLICY_PREFIX = "dormant-recommended-"
TAG_RECOMMENDED_AT = "dormant:recommended-at"
TAG_RECOMMENDED_BY = "dormant:recommended-by"
TAG_RECOMMENDATION_BACKUP = "dormant:recommendation-backup"
TAG_RECOMMENDATION_BACKUP_VERSION = "dormant:recommendation-backup-version"
RECOMMENDATION_TAGS = (
    TAG_RECOMMENDED_AT,
    TAG_RECOMMENDED_BY,
    TAG_RECOMMENDATION_BACKUP,
    TAG_RECOMMENDATION_BACKUP_VERSION,
)
# IAM: a managed policy's name holds at most 128 characters.
POLICY_NAME_MAX = 128
# The part of a dormant-created policy's name after the prefix: <role>-<n>.
_OWN_NAME = re.compile(r"dormant-recommended-[\w+=,.@-]+-\d+")
# Inline policies released as parts of their own (quarantine, the unused-services deny).
_OTHER_PARTS = ("dormant-quarantine", "dormant-unused-services")


def recommended_policy_name(role_name: str, number: int) -> str:
    """``dormant-recommended-<role>-<n>``; a name over IAM's 128 characters keeps the role
    name's start and a digest of the whole, so it stays unique and the same on every run."""
    name = f"{RECOMMENDED_POLICY_PREFIX}{role_name}-{number}"
    if len(name) <= POLICY_NAME_MAX:
        return name
    digest = hashlib.sha256(role_name.encode()).hexdigest()[:8]
    room = POLICY_NAME_MAX - len(f"{RECOMMENDED_POLICY_PREFIX}-{digest}-{number}")
    return f"{RECOMMENDED_POLICY_PREFIX}{role_name[:room]}-{digest}-{number}"


def is_own_policy_arn(arn: str, account_id: str) -> bool:
    """A customer-managed policy of this account that dormant created for a recommendation."""
    head, _, name = arn.rpartition("/")
    return (
        head.startswith("arn:")
        and f":iam::{account_id}:policy" in head
        and bool(_OWN_NAME.fullmatch(name))
    )


def backup_of(state: RoleState) -> tuple[str, str] | None:
    """(where, version) of the backup taken before the recommendation was applied, or None
    when the role carries no applied recommendation."""
    where = state.tag(TAG_RECOMMENDATION_BACKUP)
    version = state.tag(TAG_RECOMMENDATION_BACKUP_VERSION)
    if not where or not version:
        return None
    return where, version


def unrecommend_steps(state: RoleState, backup: RoleState) -> list[Step]:
    """The calls that put the role's policies back as ``backup`` holds them: attach what was
    attached, put back each earlier inline document, detach and delete dormant's policies,
    then remove the recommendation's tags. Each with its undo."""
    name = state.name
    role = state.role
    steps: list[Step] = []
    live_arns = set(role.attached_policy_arns)
    earlier_arns = set(backup.role.attached_policy_arns)
    for arn in backup.role.attached_policy_arns:
        if arn not in live_arns:
            steps.append(
                Step(
                    "AttachRolePolicy",
                    {"RoleName": name, "PolicyArn": arn},
                    undo=(Step("DetachRolePolicy", {"RoleName": name, "PolicyArn": arn}),),
                )
            )
    for policy_name, document in backup.role.inline_policies:
        if policy_name in _OTHER_PARTS or state.inline_policy(policy_name) == document:
            continue
        current = state.inline_policy(policy_name)
        undo = (
            Step("DeleteRolePolicy", {"RoleName": name, "PolicyName": policy_name})
            if current is None
            else Step(
                "PutRolePolicy",
                {"RoleName": name, "PolicyName": policy_name, "PolicyDocument": _json(current)},
            )
        )
        steps.append(
            Step(
                "PutRolePolicy",
                {"RoleName": name, "PolicyName": policy_name, "PolicyDocument": _json(document)},
                undo=(undo,),
            )
        )
    for arn in role.attached_policy_arns:
        if arn in earlier_arns or not is_own_policy_arn(arn, role.account_id):
            continue
        steps.append(
            Step(
                "DetachRolePolicy",
                {"RoleName": name, "PolicyArn": arn},
                undo=(Step("AttachRolePolicy", {"RoleName": name, "PolicyArn": arn}),),
            )
        )
        # Deleting dormant's own copy cannot be undone, and needs no undo: the earlier
        # attachment it stood in for is back by now.
        steps.append(Step("DeletePolicy", {"PolicyArn": arn}))
    keys = [key for key in RECOMMENDATION_TAGS if state.tag(key) is not None]
    if keys:
        steps.append(
            Step("UntagRole", {"RoleName": name, "TagKeys": keys}, undo=_tag_undo(state, keys))
        )
    return steps
