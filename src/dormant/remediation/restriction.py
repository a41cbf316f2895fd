"""What a restriction puts on a role and takes off it, and when it is refused: pure plans.

A restriction is the inline policy ``dormant-unused-services`` holding the proposed deny of
a role's unused services (``dormant.permissions.proposed_deny``) and three tags: when, by
whom, which services. The customer's own policies are never touched, so ``unrestrict_steps``
(which ``dormant release`` runs beside quarantine's own) is one DeleteRolePolicy and one
UntagRole. ``restrict_refusal`` says why a deny must not go on a role beyond
``dormant.remediation.plan.refusal``: nothing unused; every granted service unused (that is a
quarantine); or IAM's size limit for a role's inline policies. ``dormant.remediation.restrict``
runs these. Pure: no boto3, no clock (``now`` is an argument), no file system.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dormant.model import Compliance
from dormant.permissions import DENY_SID, PermissionsFinding
from dormant.quarantine import quarantine_tags
from dormant.remediation.plan import Step, _json, _policy_undo, _tag_undo
from dormant.remediation.state import RoleState

__all__ = [
    "RESTRICT_POLICY_NAME",
    "RESTRICT_TAGS",
    "ROLE_INLINE_POLICY_LIMIT",
    "TAG_RESTRICTED_AT",
    "TAG_RESTRICTED_BY",
    "TAG_RESTRICTED_SERVICES",
    "foreign_restrict_policy",
    "inline_policy_size",
    "is_restricted",
    "policy_document",
    "restrict_refusal",
    "restrict_steps",
    "unrestrict_steps",
]

RESTRICT_POLICY_NAME = "dormant-unused-services"
TAG_RESTRICTED_AT = "dormant:restricted-at"
TAG_RESTRICTED_BY = "dormant:restricted-by"
TAG_RESTRICTED_SERVICES = "dormant:restricted-services"
RESTRICT_TAGS = (TAG_RESTRICTED_AT, TAG_RESTRICTED_BY, TAG_RESTRICTED_SERVICES)
# IAM: the inline policies of one role may hold at most 10,240 characters in all, counted
# without whitespace.
ROLE_INLINE_POLICY_LIMIT = 10_240
_TAG_VALUE_MAX = 256


def inline_policy_size(document: Mapping[str, Any]) -> int:
    """Characters IAM counts toward the role's inline policy quota (whitespace excluded)."""
    return sum(1 for char in _json(document) if not char.isspace())


def _statements(document: Mapping[str, Any]) -> list[Any]:
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        return [statements]
    return statements if isinstance(statements, list) else []


def is_restricted(state: RoleState) -> bool:
    """Our policy is on the role, holding only our statement, and our tag says we put it."""
    document = state.inline_policy(RESTRICT_POLICY_NAME)
    if document is None or state.tag(TAG_RESTRICTED_AT) is None:
        return False
    statements = _statements(document)
    return bool(statements) and all(
        isinstance(s, Mapping) and s.get("Sid") == DENY_SID for s in statements
    )


def foreign_restrict_policy(state: RoleState) -> str | None:
    """A refusal when an inline policy under our name was not written by restrict."""
    if state.inline_policy(RESTRICT_POLICY_NAME) is None or is_restricted(state):
        return None
    return (
        f"role {state.name} has an inline policy named {RESTRICT_POLICY_NAME} that "
        "dormant did not write; rename or remove it by hand first"
    )


def _services_tag(namespaces: Sequence[str]) -> str:
    """Namespaces (letters, digits, '-') fit a tag value as they are, up to its 256 chars."""
    text = " ".join(namespaces)
    if len(text) <= _TAG_VALUE_MAX:
        return text
    return text[: _TAG_VALUE_MAX - 3].rsplit(" ", 1)[0] + "..."


def policy_document(text_or_document: str | Mapping[str, Any]) -> dict[str, Any]:
    """A document as IAM gives it back (parsed), to compare with the one put."""
    return dict(
        json.loads(
            text_or_document if isinstance(text_or_document, str) else _json(text_or_document)
        )
    )


def restrict_refusal(state: RoleState, finding: PermissionsFinding) -> str | None:
    """Why the proposed deny must not go on this role (after ``refusal``), or None."""
    name = state.name
    if finding.compliance != Compliance.NON_COMPLIANT:
        return f"role {name} has no unused services to deny ({finding.annotation})"
    unused = finding.unused_services
    if len(unused) == len(finding.services):
        return (
            f"denying every one of the {len(unused)} services role {name} is granted would "
            f"cut it off entirely: that is a quarantine, use `dormant quarantine {name}`"
        )
    document = finding.proposed_deny
    assert document is not None  # a NON_COMPLIANT finding always proposes one
    others = sum(
        inline_policy_size(doc)
        for policy_name, doc in state.role.inline_policies
        if policy_name != RESTRICT_POLICY_NAME
    )
    total = others + inline_policy_size(document)
    if total > ROLE_INLINE_POLICY_LIMIT:
        return (
            f"the deny of {len(unused)} services would bring role {name}'s inline policies to "
            f"{total} characters, over IAM's limit of {ROLE_INLINE_POLICY_LIMIT} per role"
        )
    return None


def restrict_steps(
    state: RoleState, finding: PermissionsFinding, now: datetime, caller_arn: str
) -> list[Step]:
    """PutRolePolicy of the proposed deny, then the three tags; each with its undo."""
    document = finding.proposed_deny
    if document is None:
        return []
    name = state.name
    # The same when and by-whom values quarantine writes, under restrict's own keys.
    at, by = (value for _, value in quarantine_tags(now, caller_arn))
    tags = [
        (TAG_RESTRICTED_AT, at),
        (TAG_RESTRICTED_BY, by),
        (TAG_RESTRICTED_SERVICES, _services_tag(finding.unused_services)),
    ]
    return [
        Step(
            "PutRolePolicy",
            {
                "RoleName": name,
                "PolicyName": RESTRICT_POLICY_NAME,
                "PolicyDocument": _json(document),
            },
            undo=_policy_undo(state, RESTRICT_POLICY_NAME),
        ),
        Step(
            "TagRole",
            {"RoleName": name, "Tags": [{"Key": k, "Value": v} for k, v in tags]},
            undo=_tag_undo(state, list(RESTRICT_TAGS)),
        ),
    ]


def unrestrict_steps(state: RoleState) -> list[Step]:
    """Delete exactly the restrict policy and the restrict tags that are present."""
    name = state.name
    steps: list[Step] = []
    if state.inline_policy(RESTRICT_POLICY_NAME) is not None:
        steps.append(
            Step(
                "DeleteRolePolicy",
                {"RoleName": name, "PolicyName": RESTRICT_POLICY_NAME},
                undo=_policy_undo(state, RESTRICT_POLICY_NAME),
            )
        )
    keys = [key for key in RESTRICT_TAGS if state.tag(key) is not None]
    if keys:
        steps.append(
            Step("UntagRole", {"RoleName": name, "TagKeys": keys}, undo=_tag_undo(state, keys))
        )
    return steps
