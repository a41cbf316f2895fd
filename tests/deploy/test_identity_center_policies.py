"""deploy/identity-center-policies.json holds IAM's service reference: every action exists and is
granted on resources of its types; no grant reaches a permission set itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from policy_reference import PolicyKind, check_policy

POLICIES = Path(__file__).resolve().parents[2] / "deploy" / "identity-center-policies.json"


def _policies() -> dict[str, Any]:
    return dict(json.loads(POLICIES.read_text(encoding="utf-8"))["Policies"])


@pytest.mark.parametrize("name", sorted(_policies()))
def test_each_policy_holds_the_service_reference(name: str) -> None:
    assert check_policy(_policies()[name], PolicyKind.IDENTITY) == []


def test_the_change_grants_touch_assignments_only() -> None:
    actions = {
        action
        for statement in _policies()["AssignmentsChange"]["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    assert actions == {
        "sso:DeleteAccountAssignment",
        "sso:CreateAccountAssignment",
        "sso:DescribeAccountAssignmentDeletionStatus",
        "sso:DescribeAccountAssignmentCreationStatus",
    }
