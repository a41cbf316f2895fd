"""Plans: the exact IAM API calls each remediation makes, and the refusals before them.

A plan is a list of ``Step`` values (operation + parameters exactly as the IAM API takes
them, plus the steps that would undo it). The dry run prints them; ``--apply`` hands the same
values to the mutator, so what is shown is what is done. Pure: no boto3, no clock (``now``
is an argument), no file system.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dormant.core.managed import MANAGED_ELSEWHERE, management_of
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.remediation.notice import TAG_NOTICE_AT
from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    TAG_QUARANTINED_AT,
    TAG_QUARANTINED_BY,
    is_quarantine_policy,
    is_quarantine_policy_arn,
    quarantine_policy_document,
    quarantine_tags,
)
from dormant.remediation.steps import Step, _json, caller_role
from dormant.roles.model import Role
from dormant.roles.remediate.backup import TAG_BACKUP_VERSION
from dormant.roles.remediate.boundary import boundary_step, denied_by_boundary, deny_boundary
from dormant.roles.remediate.state import InstanceProfileRef, RoleState

__all__ = [
    "boundary_step",
    "delete_steps",
    "denied_by_boundary",
    "is_quarantined",
    "managed_quarantine_arns",
    "managed_refusal",
    "quarantine_steps",
    "refusal",
    "release_steps",
    "restore_steps",
]


def managed_refusal(role: Role) -> str | None:
    """Why a role that CloudFormation, Identity Center, StackSets or Control Tower manages
    is left to its manager, and where to retire it instead; None for other roles."""
    management = management_of(
        role.name, role.path, role.tags, stack=role.stack, account_id=role.account_id
    )
    if management is None or management.managed_by not in MANAGED_ELSEWHERE:
        return None
    # AWS-reserved roles stay refused even when forced (IAM protects them anyway).
    force = "" if role.is_aws_reserved else "; --force changes it anyway"
    return (
        f"role {role.name} is managed by {management.managed_by} ({management.hint}); "
        f"retire it there instead{force}"
    )


def refusal(
    role: Role, *, settings: Settings | None = None, caller_arn: str = "", force: bool = False
) -> str | None:
    """Why this role must not be changed, or None.

    Service-linked and AWS-reserved roles are always refused. ``settings`` (the allow-list)
    and ``caller_arn`` (the role the command runs as) apply to commands that take access
    away; release and restore give it back and skip them. Those commands also refuse roles
    managed elsewhere (``managed_refusal``) unless ``force``.
    """
    if role.is_service_linked:
        return (
            f"role {role.name} is service-linked (path {role.path}): AWS manages it, "
            "dormant never changes it"
        )
    if role.is_aws_reserved:
        managed = managed_refusal(role)
        where = "" if managed is None else f"; {managed}"
        return (
            f"role {role.name} is AWS-reserved (path {role.path}): it belongs to an AWS "
            f"service such as IAM Identity Center, dormant never changes it{where}"
        )
    if settings is not None and not force:
        managed = managed_refusal(role)
        if managed is not None:
            return managed
    if settings is not None:
        pattern = matching_pattern(role.path_and_name, settings.allow_patterns)
        if pattern is not None:
            return f"role {role.name} ({role.path_and_name}) matches allow-list pattern {pattern}"
    own = caller_role(caller_arn) if caller_arn else None
    if (
        own is not None
        and own[1] == role.name
        and (not role.account_id or own[0] == role.account_id)
    ):
        return f"role {role.name} is the role this command runs as ({caller_arn})"
    return None


def managed_quarantine_arns(state: RoleState) -> list[str]:
    """dormant's managed quarantine policies attached to the role (the non-escalating form)."""
    return [arn for arn in state.role.attached_policy_arns if is_quarantine_policy_arn(arn)]


def is_quarantined(state: RoleState) -> bool:
    """Dormant's managed deny is attached or is the role's permissions boundary (a delete
    under way), or its inline quarantine policy is on the role with every one of its
    statements."""
    if managed_quarantine_arns(state) or denied_by_boundary(state):
        return True
    return is_quarantine_policy(state.inline_policy(QUARANTINE_POLICY_NAME))


def foreign_quarantine_policy(state: RoleState) -> str | None:
    """A refusal when an inline policy under our name was not written by quarantine.

    Quarantine would overwrite it and release would delete it: both lose someone's policy.
    """
    document = state.inline_policy(QUARANTINE_POLICY_NAME)
    if document is None or is_quarantined(state):
        return None
    return (
        f"role {state.name} has an inline policy named {QUARANTINE_POLICY_NAME} that "
        "dormant did not write; rename or remove it by hand first"
    )


def _tag_undo(state: RoleState, keys: Sequence[str]) -> tuple[Step, ...]:
    """The calls that put back the given tags exactly as they are now."""
    name = state.name
    old = [(k, state.tag(k)) for k in keys]
    present = [{"Key": k, "Value": v} for k, v in old if v is not None]
    absent = [k for k, v in old if v is None]
    undo: list[Step] = []
    if absent:
        undo.append(Step("UntagRole", {"RoleName": name, "TagKeys": absent}))
    if present:
        undo.append(Step("TagRole", {"RoleName": name, "Tags": present}))
    return tuple(undo)


def _policy_undo(state: RoleState, policy_name: str) -> tuple[Step, ...]:
    """The call that puts an inline policy back as it is now (or removes it if absent)."""
    old = state.inline_policy(policy_name)
    if old is None:
        return (Step("DeleteRolePolicy", {"RoleName": state.name, "PolicyName": policy_name}),)
    return (
        Step(
            "PutRolePolicy",
            {"RoleName": state.name, "PolicyName": policy_name, "PolicyDocument": _json(old)},
        ),
    )


def quarantine_steps(
    state: RoleState, now: datetime, caller_arn: str, *, managed_policy_arn: str | None = None
) -> list[Step]:
    """Deny-all inline policy (or, with ``managed_policy_arn``, attach that managed deny:
    the form a role allowed no PutRolePolicy uses), then the two tags; nothing if already
    quarantined."""
    if is_quarantined(state):
        return []
    name = state.name
    deny = Step(
        "AttachRolePolicy",
        {"RoleName": name, "PolicyArn": managed_policy_arn},
        undo=(Step("DetachRolePolicy", {"RoleName": name, "PolicyArn": managed_policy_arn}),),
    )
    return [
        deny
        if managed_policy_arn
        else Step(
            "PutRolePolicy",
            {
                "RoleName": name,
                "PolicyName": QUARANTINE_POLICY_NAME,
                "PolicyDocument": _json(quarantine_policy_document(now)),
            },
            undo=_policy_undo(state, QUARANTINE_POLICY_NAME),
        ),
        Step(
            "TagRole",
            {
                "RoleName": name,
                "Tags": [
                    {"Key": key, "Value": value} for key, value in quarantine_tags(now, caller_arn)
                ],
            },
            undo=_tag_undo(state, [TAG_QUARANTINED_AT, TAG_QUARANTINED_BY]),
        ),
    ]


def release_steps(state: RoleState) -> list[Step]:
    """Delete exactly the quarantine policy (inline, or detach the managed deny) and the
    quarantine tags that are present."""
    name = state.name
    steps: list[Step] = [
        Step(
            "DetachRolePolicy",
            {"RoleName": name, "PolicyArn": arn},
            undo=(Step("AttachRolePolicy", {"RoleName": name, "PolicyArn": arn}),),
        )
        for arn in managed_quarantine_arns(state)
    ]
    document = state.inline_policy(QUARANTINE_POLICY_NAME)
    if document is not None:
        steps.append(
            Step(
                "DeleteRolePolicy",
                {"RoleName": name, "PolicyName": QUARANTINE_POLICY_NAME},
                undo=_policy_undo(state, QUARANTINE_POLICY_NAME),
            )
        )
    # A retire notice goes too: a released role gets a new notice (and its grace) before it
    # could be quarantined again; and so does its recorded backup: its next lifecycle backs
    # it up again, as its owner has it then.
    keys = [
        k
        for k in (TAG_QUARANTINED_AT, TAG_QUARANTINED_BY, TAG_NOTICE_AT, TAG_BACKUP_VERSION)
        if state.tag(k) is not None
    ]
    if keys:
        steps.append(
            Step(
                "UntagRole",
                {"RoleName": name, "TagKeys": keys},
                undo=_tag_undo(state, keys),
            )
        )
    return steps


def delete_steps(state: RoleState) -> list[Step]:
    """IAM's dependency order: instance profiles, managed policies, inline policies, role;
    dormant's deny (its managed policy, its inline quarantine policy) comes off last, just
    before DeleteRole, so that a run stopped anywhere leaves the role denied everything.

    IAM refuses DeleteRole while any policy is attached or inline, so the deny must come off
    first; just before it does, the managed deny becomes the role's permissions boundary
    (``boundary_step``; for the inline quarantine, which cannot be a boundary, AWS's own
    ``AWSDenyAll``). An explicit deny in a boundary blocks even what a resource-based
    policy grants the role, so a run killed between the detach and DeleteRole leaves the
    role denied. The boundary goes with the role (DeleteRole needs no call for it; tags
    neither). An undo runs in reverse, so a failed DeleteRole first puts the deny back,
    then the role's own boundary (or none).
    """
    name = state.name
    steps = _strip_steps(state)
    deny = [s for s in steps if _is_deny_step(state, s)]
    steps = [s for s in steps if not _is_deny_step(state, s)]
    bound = deny_boundary(state)
    if bound is not None:
        steps.extend(boundary_step(state, bound))
    steps.extend(deny)
    steps.append(Step("DeleteRole", {"RoleName": name}))
    return steps


def _is_deny_step(state: RoleState, step: Step) -> bool:
    if step.operation == "DetachRolePolicy":
        return is_quarantine_policy_arn(str(step.params["PolicyArn"]))
    if step.operation == "DeleteRolePolicy" and step.params["PolicyName"] == QUARANTINE_POLICY_NAME:
        return is_quarantine_policy(state.inline_policy(QUARANTINE_POLICY_NAME))
    return False


def _strip_steps(state: RoleState) -> list[Step]:
    name = state.name
    steps: list[Step] = []
    for profile in state.instance_profiles:
        steps.append(
            Step(
                "RemoveRoleFromInstanceProfile",
                {"InstanceProfileName": profile.name, "RoleName": name},
                undo=(
                    Step(
                        "AddRoleToInstanceProfile",
                        {"InstanceProfileName": profile.name, "RoleName": name},
                    ),
                ),
            )
        )
    for arn in state.role.attached_policy_arns:
        steps.append(
            Step(
                "DetachRolePolicy",
                {"RoleName": name, "PolicyArn": arn},
                undo=(Step("AttachRolePolicy", {"RoleName": name, "PolicyArn": arn}),),
            )
        )
    for policy_name, _document in state.role.inline_policies:
        steps.append(
            Step(
                "DeleteRolePolicy",
                {"RoleName": name, "PolicyName": policy_name},
                undo=_policy_undo(state, policy_name),
            )
        )
    return steps


def restore_steps(
    state: RoleState, missing_profiles: Sequence[InstanceProfileRef] = ()
) -> list[Step]:
    """CreateRole with everything it takes, then inline, managed and instance profiles.

    ``missing_profiles``: the role's instance profiles that no longer exist; they are
    created with their original path first.
    """
    role = state.role
    name = role.name
    create: dict[str, Any] = {
        "Path": role.path,
        "RoleName": name,
        "AssumeRolePolicyDocument": _json(role.trust_policy or {}),
        "MaxSessionDuration": state.max_session_duration,
    }
    if role.description:
        create["Description"] = role.description
    # Never dormant's deny: a backup is taken before a delete sets it, and a role must not
    # come back denied by a boundary its owner never chose.
    boundary = role.permissions_boundary_arn
    if boundary and not is_quarantine_policy_arn(boundary):
        create["PermissionsBoundary"] = boundary
    if role.tags:
        create["Tags"] = [{"Key": k, "Value": v} for k, v in role.tags]
    steps = [Step("CreateRole", create, undo=(Step("DeleteRole", {"RoleName": name}),))]
    for policy_name, document in role.inline_policies:
        steps.append(
            Step(
                "PutRolePolicy",
                {"RoleName": name, "PolicyName": policy_name, "PolicyDocument": _json(document)},
                undo=(Step("DeleteRolePolicy", {"RoleName": name, "PolicyName": policy_name}),),
            )
        )
    for arn in role.attached_policy_arns:
        steps.append(
            Step(
                "AttachRolePolicy",
                {"RoleName": name, "PolicyArn": arn},
                undo=(Step("DetachRolePolicy", {"RoleName": name, "PolicyArn": arn}),),
            )
        )
    missing = {p.name for p in missing_profiles}
    for profile in state.instance_profiles:
        if profile.name in missing:
            steps.append(
                Step(
                    "CreateInstanceProfile",
                    {"InstanceProfileName": profile.name, "Path": profile.path},
                    undo=(Step("DeleteInstanceProfile", {"InstanceProfileName": profile.name}),),
                )
            )
        steps.append(
            Step(
                "AddRoleToInstanceProfile",
                {"InstanceProfileName": profile.name, "RoleName": name},
                undo=(
                    Step(
                        "RemoveRoleFromInstanceProfile",
                        {"InstanceProfileName": profile.name, "RoleName": name},
                    ),
                ),
            )
        )
    return steps
