"""What ``dormant restrict`` leaves on a role (the inline deny ``dormant-unused-services`` and
its tags), how to recognize it, and the calls that take it off again.

It lives with the roles because it is part of a role's remediation state: ``release``
undoes it, and ``dormant.permissions.remediate`` writes it. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dormant.remediation.steps import Step
from dormant.roles.model import DENY_SID
from dormant.roles.remediate.plan import _policy_undo, _tag_undo
from dormant.roles.remediate.state import RoleState

__all__ = [
    "DENY_SID",
    "RESTRICT_POLICY_NAME",
    "RESTRICT_TAGS",
    "TAG_RESTRICTED_AT",
    "TAG_RESTRICTED_BY",
    "TAG_RESTRICTED_SERVICES",
    "foreign_restrict_policy",
    "is_restricted",
    "unrestrict_steps",
]


RESTRICT_POLICY_NAME = "dormant-unused-services"


TAG_RESTRICTED_AT = "dormant:restricted-at"


TAG_RESTRICTED_BY = "dormant:restricted-by"


TAG_RESTRICTED_SERVICES = "dormant:restricted-services"


RESTRICT_TAGS = (TAG_RESTRICTED_AT, TAG_RESTRICTED_BY, TAG_RESTRICTED_SERVICES)


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
