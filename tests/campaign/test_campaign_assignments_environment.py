"""The retire stack's Assignments parameters, read from the function's environment: a bad
value is one line naming the variable, before any call."""

from __future__ import annotations

import pytest

from dormant.campaign.identity_center import AssignmentsEnvironment
from dormant.core.errors import InvalidParameter


def test_disabled_by_default_and_the_member_role_defaults() -> None:
    environment = AssignmentsEnvironment({})
    assert not environment.enabled
    assert environment.member_role == "OrganizationAccountAccessRole"
    assert environment.instance_arn is None


def test_enabled_with_its_instance_and_role() -> None:
    environment = AssignmentsEnvironment(
        {
            "ASSIGNMENTS": "Enabled",
            "IDENTITY_CENTER_INSTANCE_ARN": "arn:aws:sso:::instance/ssoins-1111111111111111",
            "MEMBER_ROLE_NAME": "dormant-member-read",
        }
    )
    assert environment.enabled
    assert environment.member_role == "dormant-member-read"


@pytest.mark.parametrize(
    ("env", "named"),
    [({"ASSIGNMENTS": "yes"}, "ASSIGNMENTS"), ({"MEMBER_ROLE_NAME": "a b"}, "MEMBER_ROLE_NAME")],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidParameter, match=named):
        AssignmentsEnvironment(env)
