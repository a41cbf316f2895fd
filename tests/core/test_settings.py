"""Rule parameters and their environment defaults: parsed once, rejected clearly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.errors import InvalidParameter
from dormant.core.settings import (
    ROLE_LAST_USED_TRACKING_DAYS,
    Settings,
    execution_role_name_from,
    parse_allow_patterns,
    parse_max_days,
    parse_rule_parameters,
    settings_from_parameters,
)


def test_defaults_when_nothing_is_given() -> None:
    assert settings_from_parameters({}, {}) == Settings(60, (), False)


def test_rule_parameters_override_environment_defaults() -> None:
    env = {"MAX_DAYS_FOR_LAST_USED": "90", "ROLE_WHITELIST": "/env-*"}
    params = {"max_days_for_last_used": "30", "role_whitelist": "/a|/b*"}
    assert settings_from_parameters(params, env) == Settings(30, ("/a", "/b*"), False)
    assert settings_from_parameters({}, env) == Settings(90, ("/env-*",), False)


def test_blank_parameter_falls_back_to_environment() -> None:
    env = {"MAX_DAYS_FOR_LAST_USED": "45", "INCLUDE_SERVICE_LINKED_ROLES": "true"}
    settings = settings_from_parameters({"max_days_for_last_used": " "}, env)
    assert settings == Settings(45, (), True)


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", True, 2.0, None, "60 days"])
def test_bad_window_names_the_parameter(value: object) -> None:
    with pytest.raises(InvalidParameter, match="max_days_for_last_used"):
        parse_max_days(value)


@given(st.integers(min_value=0, max_value=ROLE_LAST_USED_TRACKING_DAYS))
def test_window_accepts_whole_numbers_as_int_or_text(days: int) -> None:
    assert parse_max_days(days) == days
    assert parse_max_days(str(days)) == days


def test_iam_tracks_role_last_use_for_400_days() -> None:
    assert ROLE_LAST_USED_TRACKING_DAYS == 400
    assert parse_max_days("400") == 400


@given(st.integers(min_value=ROLE_LAST_USED_TRACKING_DAYS + 1, max_value=10**6))
def test_a_window_iam_cannot_see_is_refused_saying_why(days: int) -> None:
    # A role last used 450 days ago has no RoleLastUsed at all: a 500-day window would
    # call it never used and flag it although it was used within the window.
    for value in (days, str(days)):
        with pytest.raises(InvalidParameter) as caught:
            parse_max_days(value)
        message = str(caught.value)
        assert message.startswith("invalid parameter max_days_for_last_used: ")
        assert "IAM tracks role last use (400 days)" in message
        assert "use at most 400" in message


def test_the_tracking_limit_is_a_parameter_of_the_parser() -> None:
    # Other kinds of findings measure windows on data AWS keeps for other periods.
    assert parse_max_days("1000", "--max-days", tracking_days=1000) == 1000
    with pytest.raises(InvalidParameter, match=r"--max-days: 91 days .*credential use \(90 days\)"):
        parse_max_days(91, "--max-days", tracking_days=90, tracked="credential use")


def test_the_limit_applies_to_rule_parameters_and_environment_defaults() -> None:
    with pytest.raises(InvalidParameter, match="max_days_for_last_used: 401 days"):
        settings_from_parameters({"max_days_for_last_used": "401"}, {})
    with pytest.raises(InvalidParameter, match="max_days_for_last_used: 99999 days"):
        settings_from_parameters({}, {"MAX_DAYS_FOR_LAST_USED": "99999"})


@pytest.mark.parametrize(
    ("raw", "patterns"),
    [
        ("/breakglass-role|/security-*", ("/breakglass-role", "/security-*")),
        (" /a | /b ", ("/a", "/b")),
        ("|/a||", ("/a",)),
        ("", ()),
        ("/team/[!x]?/role*", ("/team/[!x]?/role*",)),
    ],
)
def test_allow_list_splits_on_pipes(raw: str, patterns: tuple[str, ...]) -> None:
    assert parse_allow_patterns(raw) == patterns


@pytest.mark.parametrize("raw", ["/bad role", "/quote'", "/back\\slash", "/semi;colon", "/[open"])
def test_allow_list_rejects_characters_no_role_can_have(raw: str) -> None:
    with pytest.raises(InvalidParameter, match="role_whitelist"):
        parse_allow_patterns(raw)


def test_rule_parameters_must_be_a_json_object() -> None:
    assert parse_rule_parameters(None) == {}
    assert parse_rule_parameters("") == {}
    assert parse_rule_parameters('{"a": "1"}') == {"a": "1"}
    with pytest.raises(InvalidParameter, match="ruleParameters: not valid JSON"):
        parse_rule_parameters("{max_days: 3")
    with pytest.raises(InvalidParameter, match="expected a JSON object"):
        parse_rule_parameters("[1, 2]")


def test_include_service_linked_must_be_a_boolean() -> None:
    with pytest.raises(InvalidParameter, match="include_service_linked_roles"):
        settings_from_parameters({"include_service_linked_roles": "maybe"})


def test_execution_role_name() -> None:
    assert execution_role_name_from({}, {}) is None
    assert execution_role_name_from({"execution_role_name": "dormant-reader"}) == "dormant-reader"
    assert execution_role_name_from({}, {"EXECUTION_ROLE_NAME": "env-role"}) == "env-role"
    with pytest.raises(InvalidParameter, match="execution_role_name"):
        execution_role_name_from({"execution_role_name": "arn:aws:iam::1:role/x"})


def test_each_kind_checks_its_window_against_what_iam_keeps_for_it() -> None:
    from dormant.core.settings import SERVICE_LAST_ACCESSED_TRACKING_DAYS
    from dormant.users.parameters import user_settings_from_parameters

    # Service last-accessed data: the same trailing 400 days, named as what it is.
    with pytest.raises(InvalidParameter, match=r"IAM tracks service last access \(400 days\)"):
        parse_max_days(
            "401",
            "--max-days",
            tracking_days=SERVICE_LAST_ACCESSED_TRACKING_DAYS,
            tracked="service last access",
        )
    # The credential report keeps last use with no trailing limit (since 2014/2015).
    assert parse_max_days("1000", "--max-days", tracking_days=None) == 1000
    users = user_settings_from_parameters(
        {"resource_type": "AWS::IAM::User", "max_days_for_last_used": "730"}
    )
    assert users.max_days == 730
