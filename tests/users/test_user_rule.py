"""The Config rule for users: the same Lambda, chosen by the rule parameter resource_type."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dormant.core.errors import InvalidParameter
from dormant.core.parameters import rule_resource_type
from dormant.core.settings import Settings, settings_from_parameters
from dormant.handler import lambda_handler
from dormant.users.parameters import user_settings_from_parameters
from dormant_sim import credentials
from dormant_sim.seed import KeySeed, PasswordSeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
RULE = "iam-role-last-used-users"
USERS = {"resource_type": "AWS::IAM::User"}


def _seed(sim: Simulation, now: datetime) -> dict[str, str]:
    credentials.set_report_polls(0)
    stale = sim.put_user(
        ACCOUNT,
        "stale",
        created=now - timedelta(days=400),
        password=PasswordSeed(
            changed=now - timedelta(days=300), last_used=now - timedelta(days=50)
        ),
    )
    fresh = sim.put_user(
        ACCOUNT,
        "fresh",
        created=now - timedelta(days=400),
        keys=[KeySeed(created=now - timedelta(days=100), last_used=now - timedelta(days=3))],
    )
    breakglass = sim.put_user(
        ACCOUNT,
        "admin",
        path="/breakglass/",
        created=now - timedelta(days=900),
        keys=[KeySeed(created=now - timedelta(days=800))],
    )
    credentials.set_root_access_keys(
        ACCOUNT, (credentials.RootKey(active=True, created=now - timedelta(days=500)),)
    )
    return {"stale": stale.user_id, "fresh": fresh.user_id, "admin": breakglass.user_id}


def _stored(sim: Simulation) -> dict[str, tuple[str, str, str | None]]:
    return {
        e.resource_id: (e.resource_type, e.compliance_type, e.annotation)
        for e in sim.stored_evaluations(RULE, ACCOUNT)
    }


def test_users_rule_reports_users_by_user_id_without_the_root(
    sim: Simulation, now: datetime
) -> None:
    ids = _seed(sim, now)
    event = sim.scheduled_event(
        RULE,
        ACCOUNT,
        notification_time=now,
        rule_parameters={**USERS, "allow_list": "/breakglass/*"},
    )
    summary = lambda_handler(event, None)
    results = _stored(sim)
    assert results == {
        ids["stale"]: ("AWS::IAM::User", "NON_COMPLIANT", "Password last used 50 days ago"),
        ids["fresh"]: ("AWS::IAM::User", "COMPLIANT", "Access key 1 last used 3 days ago"),
        ids["admin"]: (
            "AWS::IAM::User",
            "COMPLIANT",
            "User matches allow-list pattern /breakglass/*",
        ),
    }
    assert summary["resource_type"] == "AWS::IAM::User"
    assert sim.recorder.calls("iam", "GetCredentialReport") == 1
    assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails") == 1
    assert sim.recorder.calls("iam", "ListRoles") == 0


def test_a_deleted_user_becomes_not_applicable(sim: Simulation, now: datetime) -> None:
    ids = _seed(sim, now)
    lambda_handler(
        sim.scheduled_event(RULE, ACCOUNT, notification_time=now, rule_parameters=USERS), None
    )
    iam = sim.client("iam")
    iam.delete_login_profile(UserName="stale")
    iam.delete_user(UserName="stale")
    credentials.expire_reports()
    later = now + timedelta(days=1)
    lambda_handler(
        sim.scheduled_event(RULE, ACCOUNT, notification_time=later, rule_parameters=USERS), None
    )
    assert _stored(sim)[ids["stale"]] == (
        "AWS::IAM::User",
        "NOT_APPLICABLE",
        "User no longer exists",
    )


@pytest.mark.parametrize(
    ("parameters", "name"),
    [
        ({**USERS, "max_day_for_last_used": "30"}, "max_day_for_last_used"),
        ({**USERS, "role_whitelist": "/x"}, "role_whitelist"),
        ({**USERS, "include_service_linked_roles": "true"}, "include_service_linked_roles"),
        ({"resource_type": "AWS::IAM::Group"}, "resource_type"),
        ({"rolewhitelist": "/x"}, "rolewhitelist"),
        ({**USERS, "allow_list": "/bad pattern"}, "allow_list"),
    ],
)
def test_parameters_the_rule_does_not_know_fail_and_post_nothing(
    sim: Simulation, now: datetime, parameters: dict[str, str], name: str
) -> None:
    _seed(sim, now)
    event = sim.scheduled_event(RULE, ACCOUNT, notification_time=now, rule_parameters=parameters)
    with pytest.raises(InvalidParameter) as raised:
        lambda_handler(event, None)
    assert raised.value.name == name
    assert sim.recorder.calls(operation="PutEvaluations") == 0
    assert sim.recorder.calls("iam") == 0


def test_every_parameter_the_roles_rule_is_deployed_with_is_known() -> None:
    params = {
        "max_days_for_last_used": "60",
        "role_whitelist": "/breakglass-role",
        "allow_list": "/security-*|/breakglass-role",
        "include_service_linked_roles": "false",
        "execution_role_name": "dormant-rule-execution",
        "evaluation_mode": "full",
        "exempt_tag_key": "dormant:exempt",
        "owner_tag_keys": "owner,Owner,team,Team",
    }
    assert rule_resource_type(params) == "AWS::IAM::Role"
    assert settings_from_parameters(params) == Settings(
        max_days=60, allow_patterns=("/breakglass-role", "/security-*")
    )


def test_users_window_defaults_to_45_and_ignores_the_roles_env_defaults() -> None:
    env = {"MAX_DAYS_FOR_LAST_USED": "60", "ROLE_WHITELIST": "/x"}
    assert user_settings_from_parameters(USERS, env) == Settings(max_days=45)
    assert user_settings_from_parameters({**USERS, "max_days_for_last_used": "90"}) == Settings(
        max_days=90
    )


def test_test_mode_decides_users_and_stores_nothing(sim: Simulation, now: datetime) -> None:
    _seed(sim, now)
    event = sim.scheduled_event(RULE, ACCOUNT, notification_time=now, rule_parameters=USERS)
    event["resultToken"] = "TESTMODE"
    summary = lambda_handler(event, None)
    assert summary["test_mode"] is True
    assert summary["by_compliance"] == {"NON_COMPLIANT": 2, "COMPLIANT": 1}
    assert sim.stored_evaluations(RULE, ACCOUNT) == []
