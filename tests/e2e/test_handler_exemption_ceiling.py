"""The Lambda applies max_exemption_days (rule parameter, else MAX_EXEMPTION_DAYS) to
every kind's rule, and refuses a bad one before reading or posting anything."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dormant.core.errors import InvalidParameter
from dormant.handler import lambda_handler
from dormant_sim import credentials
from dormant_sim.seed import KeySeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"  # the in-process simulation's own account, as in test_handler_tags
RULE = "iam-role-last-used"


def stored(sim: Simulation, rule: str = RULE) -> dict[str, tuple[str, str | None]]:
    iam = sim.client("iam", ACCOUNT)
    names = {r["RoleId"]: r["RoleName"] for r in iam.list_roles(MaxItems=1000)["Roles"]}
    names |= {u["UserId"]: u["UserName"] for u in iam.list_users(MaxItems=1000)["Users"]}
    return {
        names[e.resource_id]: (e.compliance_type, e.annotation)
        for e in sim.stored_evaluations(rule, ACCOUNT)
    }


def _seed_roles(sim: Simulation, now: datetime) -> str:
    old = now - timedelta(days=400)
    within = (now + timedelta(days=90)).date().isoformat()
    beyond = (now + timedelta(days=91)).date().isoformat()
    sim.put_role(ACCOUNT, "Within", created=old, tags={"dormant:exempt": f"until={within} x"})
    sim.put_role(ACCOUNT, "Beyond", created=old, tags={"dormant:exempt": f"until={beyond} x"})
    sim.put_role(ACCOUNT, "Forever", created=old, tags={"dormant:exempt": "kept"})
    return beyond


def test_the_rule_parameter_caps_roles_exemptions(sim: Simulation, now: datetime) -> None:
    beyond = _seed_roles(sim, now)
    event = sim.scheduled_event(
        RULE, ACCOUNT, notification_time=now, rule_parameters={"max_exemption_days": "90"}
    )
    lambda_handler(event, None)
    found = stored(sim)
    assert found["Within"][0] == "COMPLIANT"
    assert found["Beyond"] == (
        "NON_COMPLIANT",
        f"No record of usage (exemption ignored: until={beyond} beyond the 90-day limit)",
    )
    assert found["Forever"] == (
        "NON_COMPLIANT",
        "No record of usage (exemption ignored: no until= within the 90-day limit)",
    )


def test_the_functions_default_applies_without_the_parameter(
    sim: Simulation, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_roles(sim, now)
    monkeypatch.setenv("MAX_EXEMPTION_DAYS", "90")
    lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)
    found = stored(sim)
    assert {name: verdict[0] for name, verdict in found.items()} == {
        "Within": "COMPLIANT",
        "Beyond": "NON_COMPLIANT",
        "Forever": "NON_COMPLIANT",
    }


def test_without_a_ceiling_every_exemption_counts(sim: Simulation, now: datetime) -> None:
    _seed_roles(sim, now)
    lambda_handler(sim.scheduled_event(RULE, ACCOUNT, notification_time=now), None)
    assert {verdict[0] for verdict in stored(sim).values()} == {"COMPLIANT"}


def test_the_users_rule_caps_exemptions_too(sim: Simulation, now: datetime) -> None:
    credentials.set_report_polls(0)
    key = [KeySeed(created=now - timedelta(days=300), last_used=now - timedelta(days=200))]
    sim.put_user(
        ACCOUNT, "kept", created=now - timedelta(days=400), keys=key, tags={"dormant:exempt": "x"}
    )
    rule = "iam-user-credentials"
    event = sim.scheduled_event(
        rule,
        ACCOUNT,
        notification_time=now,
        rule_parameters={"resource_type": "AWS::IAM::User", "max_exemption_days": 30},
    )
    lambda_handler(event, None)
    compliance, annotation = stored(sim, rule)["kept"]
    assert compliance == "NON_COMPLIANT"
    assert annotation is not None
    assert annotation.endswith("(exemption ignored: no until= within the 30-day limit)")


@pytest.mark.parametrize("value", ["0", "3651", "a year"])
def test_a_bad_ceiling_fails_naming_the_parameter_and_posts_nothing(
    sim: Simulation, now: datetime, value: str
) -> None:
    _seed_roles(sim, now)
    event = sim.scheduled_event(
        RULE, ACCOUNT, notification_time=now, rule_parameters={"max_exemption_days": value}
    )
    with pytest.raises(InvalidParameter, match="max_exemption_days"):
        lambda_handler(event, None)
    assert sim.recorder.calls("iam") == 0
    assert stored(sim) == {}
