"""The Lambda handler in ``changes`` mode against the strict simulated AWS (moto).

The simulation pages GetComplianceDetailsByConfigRule, filters it by ComplianceTypes and
returns the stored annotation, as Config does; these tests rely on all three.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dormant.core.errors import InvalidParameter
from dormant.handler import lambda_handler
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
RULE = "iam-role-last-used"
CHANGES = {"evaluation_mode": "changes"}


def held(sim: Simulation) -> dict[str, tuple[str, str | None]]:
    return {
        e.resource_id: (e.compliance_type, e.annotation)
        for e in sim.stored_evaluations(RULE, ACCOUNT)
    }


def run(sim: Simulation, when: datetime, params: dict[str, str]) -> dict[str, object]:
    sim.recorder.reset()
    return lambda_handler(
        sim.scheduled_event(RULE, ACCOUNT, notification_time=when, rule_parameters=params), None
    )


def test_daily_runs_post_only_what_changed(sim: Simulation, now: datetime) -> None:
    fading = sim.put_role(
        ACCOUNT, "FadingRole", created=now - timedelta(days=400), last_used=now - timedelta(days=58)
    )
    never = sim.put_role(ACCOUNT, "Ec2DevRole", created=now - timedelta(days=300))
    sim.put_role(ACCOUNT, "NewRole", created=now - timedelta(days=3))
    # Seeded as of 1,000 days ago: all of these were last used (if ever) long before the
    # window, so nothing about them moves during the test.
    sim.bulk_roles(ACCOUNT, 250, now=now - timedelta(days=1000))

    first = run(sim, now, CHANGES)
    assert first["unchanged_skipped"] == 0
    assert first["evaluations_posted"] == 253
    assert held(sim)[fading.role_id] == ("COMPLIANT", "Used within the last 60 days")
    assert held(sim)[never.role_id] == ("NON_COMPLIANT", "No record of usage")

    # Day 1: nothing moved. Three chains of history pages (one per compliance type), no put.
    second = run(sim, now + timedelta(days=1), CHANGES)
    assert second["unchanged_skipped"] == 253
    assert second["evaluations_posted"] == 0
    assert sim.recorder.calls(operation="PutEvaluations") == 0
    pages = sim.recorder.calls(operation="GetComplianceDetailsByConfigRule")
    assert 3 <= pages <= 3 + 253 // 100

    # Day 2: a role was deleted; only its NOT_APPLICABLE result goes out.
    sim.client("iam").delete_role(RoleName="Ec2DevRole")
    third = run(sim, now + timedelta(days=2), CHANGES)
    assert (third["evaluations_posted"], third["stale_results_cleared"]) == (1, 1)
    assert held(sim)[never.role_id] == ("NOT_APPLICABLE", "Role no longer exists")

    # Day 3: FadingRole was last used 61 days back: it alone turns NON_COMPLIANT.
    fourth = run(sim, now + timedelta(days=3), CHANGES)
    assert fourth["evaluations_posted"] == 1
    assert held(sim)[fading.role_id] == (
        "NON_COMPLIANT",
        f"Last used in us-east-1 on {fading.last_used.date().isoformat()}",  # type: ignore[union-attr]
    )
    # The deleted role is settled: not posted again.
    assert run(sim, now + timedelta(days=4), CHANGES)["evaluations_posted"] == 0


def test_full_mode_stays_as_it_was(sim: Simulation, now: datetime) -> None:
    sim.bulk_roles(ACCOUNT, 120, now=now)
    run(sim, now, {})
    again = run(sim, now + timedelta(days=1), {"evaluation_mode": "full"})
    assert again["evaluations_posted"] == 120
    assert again["unchanged_skipped"] == 0
    assert sim.recorder.calls(operation="PutEvaluations") == 2
    assert sim.recorder.calls(operation="GetComplianceDetailsByConfigRule") == 2


def test_an_unknown_mode_fails_the_run_and_posts_nothing(sim: Simulation, now: datetime) -> None:
    sim.bulk_roles(ACCOUNT, 5, now=now)
    with pytest.raises(InvalidParameter, match=r"evaluation_mode.*'sometimes'"):
        run(sim, now, {"evaluation_mode": "sometimes"})
    assert sim.recorder.calls(operation="PutEvaluations") == 0
    assert held(sim) == {}
