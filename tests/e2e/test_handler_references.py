"""The Lambda notes what references an unused role: rule parameter ``references``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dormant.core.errors import InvalidParameter
from dormant.handler import lambda_handler
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
RULE = "iam-role-last-used"


def _annotations(sim: Simulation) -> dict[str, str | None]:
    ids = {r["RoleId"]: r["RoleName"] for r in sim.client("iam").list_roles(MaxItems=1000)["Roles"]}
    return {ids[e.resource_id]: e.annotation for e in sim.stored_evaluations(RULE, ACCOUNT)}


@pytest.fixture
def account(sim: Simulation, now: datetime) -> None:
    old = now - timedelta(days=400)
    app = sim.put_role(ACCOUNT, "app", created=old, instance_profiles=["app"])
    sim.put_role(ACCOUNT, "lonely", created=old)
    sim.put_configuration_recorder(ACCOUNT)
    sim.put_referencing_resource(ACCOUNT, "AWS::Lambda::Function", "quarterly", app.arn)


@pytest.mark.parametrize(
    ("references", "app_note", "calls"),
    [
        (None, " Referenced by 1 resource.", {}),  # iam: the instance profile
        ("none", "", {}),
        ("config", " Referenced by 2 resources.", {"config:SelectResourceConfig": 1}),
    ],
)
def test_the_annotation_counts_what_references_the_role(
    sim: Simulation,
    now: datetime,
    account: None,
    references: str | None,
    app_note: str,
    calls: dict[str, int],
) -> None:
    parameters = {} if references is None else {"references": references}
    event = sim.scheduled_event(RULE, ACCOUNT, notification_time=now, rule_parameters=parameters)
    sim.recorder.reset()

    lambda_handler(event, None)

    notes = _annotations(sim)
    assert (notes["app"] or "").startswith("No record of usage")
    if app_note:
        assert (notes["app"] or "").endswith(app_note)
    else:
        assert "Referenced" not in (notes["app"] or "")
    assert "Referenced" not in (notes["lonely"] or "")
    counts = sim.recorder.counts()
    assert counts["iam:GetAccountAuthorizationDetails"] == 1
    for operation, count in calls.items():
        assert counts[operation] == count


def test_an_unknown_references_value_is_refused_before_any_call(
    sim: Simulation, now: datetime
) -> None:
    event = sim.scheduled_event(
        RULE, ACCOUNT, notification_time=now, rule_parameters={"references": "live"}
    )
    sim.recorder.reset()
    with pytest.raises(InvalidParameter, match="references"):
        lambda_handler(event, None)
    assert sim.recorder.counts() == {}
