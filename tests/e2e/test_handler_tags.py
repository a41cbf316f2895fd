"""The Lambda decides exemptions and owners from the tags GetAccountAuthorizationDetails
returns, with keys set by rule parameters, and makes no extra call for them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dormant.core.errors import InvalidParameter
from dormant.handler import lambda_handler
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
RULE = "iam-role-last-used"


def stored(sim: Simulation) -> dict[str, tuple[str, str | None]]:
    iam = sim.client("iam", ACCOUNT)
    names = {r["RoleId"]: r["RoleName"] for r in iam.list_roles(MaxItems=1000)["Roles"]}
    return {
        names[e.resource_id]: (e.compliance_type, e.annotation)
        for e in sim.stored_evaluations(RULE, ACCOUNT)
    }


def test_exemption_and_owner_from_rule_parameters(sim: Simulation, now: datetime) -> None:
    old = now - timedelta(days=400)
    sim.put_role(ACCOUNT, "BreakGlass", created=old, tags={"Exempt": "until=2099-01-01 drill"})
    sim.put_role(ACCOUNT, "Lapsed", created=old, tags={"Exempt": "until=2000-01-01 gone"})
    sim.put_role(ACCOUNT, "Owned", created=old, tags={"squad": "payments"})
    event = sim.scheduled_event(
        RULE,
        ACCOUNT,
        notification_time=now,
        rule_parameters={"exempt_tag_key": "Exempt", "owner_tag_keys": "squad"},
    )
    lambda_handler(event, None)
    assert sim.recorder.calls("iam") == 1  # one GetAccountAuthorizationDetails, nothing more
    assert stored(sim) == {
        "BreakGlass": ("COMPLIANT", "Exempt by tag Exempt until 2099-01-01: drill"),
        "Lapsed": ("NON_COMPLIANT", "No record of usage (exemption expired 2000-01-01)"),
        "Owned": ("NON_COMPLIANT", "No record of usage. Owner: payments."),
    }


def test_a_bad_tag_key_parameter_fails_the_invocation(sim: Simulation, now: datetime) -> None:
    sim.put_role(ACCOUNT, "Any", created=now - timedelta(days=400))
    event = sim.scheduled_event(
        RULE, ACCOUNT, notification_time=now, rule_parameters={"exempt_tag_key": "a,b"}
    )
    with pytest.raises(InvalidParameter, match="exempt_tag_key"):
        lambda_handler(event, None)
    assert sim.recorder.calls("iam") == 0  # refused before reading anything
    assert stored(sim) == {}
