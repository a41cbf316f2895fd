"""Planning ``dormant restrict --recommendation``: AWS's recommended policies as IAM calls.

``plan_recommendation`` turns one ``Recommendation`` for a role into the calls that apply it
reversibly, and refuses (one line) before anything is written when a step cannot be applied
as AWS meant it: the policy it names is no longer on the role, it is one of dormant's own,
a recommended document is over IAM's size limits, or the role already carries an applied
recommendation. Per step:

- an inline policy: CREATE_POLICY puts the recommended document in place of the old one;
  DETACH_POLICY deletes it;
- an attached managed policy (AWS-managed or customer-managed, possibly shared by other
  roles): CREATE_POLICY creates the customer-managed ``dormant-recommended-<role>-<n>``
  holding the recommended document, attaches it, then detaches the old one from this role
  only (the old policy is never edited); DETACH_POLICY detaches it.

The tags (when, by whom, where the backup is) go on first, so that a run stopped part-way
leaves a role ``dormant release --only restriction`` can put back. ``PolicyChange`` is
what the dry run shows as a diff. Pure: no boto3, no clock (``now`` is an argument).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dormant.core.recommendations import Recommendation, RecommendedAction
from dormant.permissions.remediate import ROLE_INLINE_POLICY_LIMIT, inline_policy_size
from dormant.remediation.quarantine import quarantine_tags
from dormant.remediation.steps import Step, _json
from dormant.roles.remediate.plan import _policy_undo, _tag_undo
from dormant.roles.remediate.recommendation import (
    RECOMMENDATION_TAGS,
    RECOMMENDED_POLICY_PREFIX,
    TAG_RECOMMENDATION_BACKUP,
    TAG_RECOMMENDATION_BACKUP_VERSION,
    TAG_RECOMMENDED_AT,
    TAG_RECOMMENDED_BY,
    backup_of,
    recommended_policy_name,
)
from dormant.roles.remediate.state import RoleState

__all__ = [
    "MANAGED_POLICY_LIMIT",
    "PolicyChange",
    "RecommendationPlan",
    "plan_recommendation",
    "tag_value_problem",
]

# IAM: a managed policy's document holds at most 6,144 characters, whitespace excluded.
MANAGED_POLICY_LIMIT = 6_144
_OWN_INLINE = ("dormant-quarantine", "dormant-unused-services")
# IAM tag values: up to 256 letters, digits, spaces and _.:/=+-@.
_TAG_VALUE = re.compile(r"[\w .:/=+\-@]{0,256}")


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One policy as it is and as the recommendation leaves it (None: taken off)."""

    policy: str  # an inline policy's name, or a managed policy's ARN
    before: Mapping[str, Any]
    after: Mapping[str, Any] | None
    summary: str


@dataclass(frozen=True, slots=True)
class RecommendationPlan:
    changes: tuple[PolicyChange, ...]
    steps: tuple[Step, ...]
    # The recommended documents to check against IAM's service reference before writing.
    documents: tuple[Mapping[str, Any], ...]


def tag_value_problem(key: str, value: str) -> str | None:
    if _TAG_VALUE.fullmatch(value):
        return None
    return (
        f"{value!r:.80} cannot be the value of tag {key} (IAM allows 256 of letters, "
        "digits, spaces and _.:/=+-@)"
    )


def _refusal(
    state: RoleState, recommendation: Recommendation, managed: Mapping[str, Any]
) -> str | None:
    role = state.role
    if recommendation.resource_arn != role.arn:
        return f"the recommendation is for {recommendation.resource_arn}, not role {role.name}"
    if backup_of(state) is not None:
        return (
            f"role {role.name} already carries an applied recommendation; "
            f"`dormant release {role.name} --only restriction --apply` first"
        )
    inline = dict(role.inline_policies)
    for step in recommendation.steps:
        policy = step.existing_policy_id
        if step.is_managed:
            if policy not in role.attached_policy_arns:
                return (
                    f"the recommendation names managed policy {policy}, which is no longer "
                    f"attached to role {role.name}: it changed since AWS's analysis"
                )
            if policy.rsplit("/", 1)[-1].startswith(RECOMMENDED_POLICY_PREFIX):
                return f"the recommendation names dormant's own policy {policy} on role {role.name}"
            if policy not in managed:
                return f"managed policy {policy} of role {role.name} could not be read"
        elif policy not in inline:
            return (
                f"the recommendation names inline policy {policy}, which role {role.name} no "
                "longer has: it changed since AWS's analysis"
            )
        elif policy in _OWN_INLINE:
            return f"the recommendation names dormant's own policy {policy} on role {role.name}"
        if step.action is RecommendedAction.CREATE_POLICY:
            document = step.recommended_policy
            if document is None:
                return (
                    f"the recommendation for policy {policy} of role {role.name} holds no document"
                )
            if step.is_managed and inline_policy_size(document) > MANAGED_POLICY_LIMIT:
                return (
                    f"the recommended document for {policy} of role {role.name} has "
                    f"{inline_policy_size(document)} characters, over IAM's limit of "
                    f"{MANAGED_POLICY_LIMIT} for a managed policy"
                )
    after = dict(inline)
    for step in recommendation.steps:
        if step.is_managed:
            continue
        if step.action is RecommendedAction.DETACH_POLICY:
            after.pop(step.existing_policy_id, None)
        elif step.recommended_policy is not None:
            after[step.existing_policy_id] = step.recommended_policy
    total = sum(inline_policy_size(doc) for doc in after.values())
    if total > ROLE_INLINE_POLICY_LIMIT:
        return (
            f"the recommended documents would bring role {role.name}'s inline policies to "
            f"{total} characters, over IAM's limit of {ROLE_INLINE_POLICY_LIMIT} per role"
        )
    return None


def plan_recommendation(
    state: RoleState,
    recommendation: Recommendation,
    managed: Mapping[str, Mapping[str, Any]],
    *,
    now: datetime,
    caller_arn: str,
    backup: tuple[str, str],
) -> RecommendationPlan | str:
    """The plan, or why the recommendation must not be applied. ``managed`` holds the current
    documents of the role's attached managed policies; ``backup`` is (where, version) of the
    backup taken before anything changes."""
    refused = _refusal(state, recommendation, managed)
    if refused is not None:
        return refused
    role = state.role
    name = role.name
    partition = role.arn.split(":")[1]
    at, by = (value for _, value in quarantine_tags(now, caller_arn))
    tags = [
        (TAG_RECOMMENDED_AT, at),
        (TAG_RECOMMENDED_BY, by),
        (TAG_RECOMMENDATION_BACKUP, backup[0]),
        (TAG_RECOMMENDATION_BACKUP_VERSION, backup[1]),
    ]
    for key, value in tags:
        problem = tag_value_problem(key, value)
        if problem is not None:
            return f"role {name}: {problem}"
    steps = [
        Step(
            "TagRole",
            {"RoleName": name, "Tags": [{"Key": k, "Value": v} for k, v in tags]},
            undo=_tag_undo(state, list(RECOMMENDATION_TAGS)),
        )
    ]
    changes: list[PolicyChange] = []
    documents: list[Mapping[str, Any]] = []
    number = 0
    for step in recommendation.steps:
        policy = step.existing_policy_id
        detach = step.action is RecommendedAction.DETACH_POLICY
        if not step.is_managed:
            before: Mapping[str, Any] = state.inline_policy(policy) or {}
            if detach:  # IAM takes an inline policy off by deleting it
                changes.append(PolicyChange(policy, before, None, f"delete inline policy {policy}"))
                steps.append(
                    Step(
                        "DeleteRolePolicy",
                        {"RoleName": name, "PolicyName": policy},
                        undo=_policy_undo(state, policy),
                    )
                )
                continue
            document = step.recommended_policy or {}
            documents.append(document)
            changes.append(
                PolicyChange(policy, before, document, f"replace inline policy {policy}")
            )
            steps.append(
                Step(
                    "PutRolePolicy",
                    {"RoleName": name, "PolicyName": policy, "PolicyDocument": _json(document)},
                    undo=_policy_undo(state, policy),
                )
            )
            continue
        before = managed[policy]
        detach_old = Step(
            "DetachRolePolicy",
            {"RoleName": name, "PolicyArn": policy},
            undo=(Step("AttachRolePolicy", {"RoleName": name, "PolicyArn": policy}),),
        )
        if detach:
            changes.append(PolicyChange(policy, before, None, f"detach {policy}"))
            steps.append(detach_old)
            continue
        number += 1
        new_name = recommended_policy_name(name, number)
        new_arn = f"arn:{partition}:iam::{role.account_id}:policy/{new_name}"
        document = step.recommended_policy or {}
        documents.append(document)
        changes.append(
            PolicyChange(policy, before, document, f"attach {new_name} in place of {policy}")
        )
        steps += [
            Step(
                "CreatePolicy",
                {
                    "PolicyName": new_name,
                    "PolicyDocument": _json(document),
                    "Description": f"AWS's recommended replacement of {policy} for role {name}"[
                        :1000
                    ],
                },
                undo=(Step("DeletePolicy", {"PolicyArn": new_arn}),),
            ),
            Step(
                "AttachRolePolicy",
                {"RoleName": name, "PolicyArn": new_arn},
                undo=(Step("DetachRolePolicy", {"RoleName": name, "PolicyArn": new_arn}),),
            ),
            detach_old,
        ]
    return RecommendationPlan(tuple(changes), tuple(steps), tuple(documents))
