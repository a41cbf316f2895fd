"""Applying a recommendation when something goes wrong, on the in-process simulation: a run
killed mid-apply leaves a role that release puts back exactly; a failed call is undone;
a document that fails IAM's checks, and a recommendation AWS could not make, change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.permissions.test_recommendation_e2e import authorization_details, seed

from dormant.aws.access_analyzer import find_analyzer
from dormant.aws.recommendations import role_recommendation, validation_problems
from dormant.core.errors import AwsAccessError
from dormant.core.settings import Settings
from dormant.permissions.aws import IamAccessSource
from dormant.permissions.recommend_run import apply_recommendations
from dormant.remediation.outcome import Outcome, Status
from dormant.remediation.targets import Target
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.remediate import release
from dormant.roles.remediate.backup_store import LocalBackupStore
from dormant.roles.remediate.status import ReleasePart
from dormant_sim import access, access_analyzer, faults
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def run(
    sim: Simulation, mutator: IamRoleMutator, backups: Path, *, validate: Any = None
) -> list[Outcome]:
    now = datetime.now(UTC)
    client = sim.client("accessanalyzer")
    analyzer = find_analyzer(client, ACCOUNT)
    return list(
        apply_recommendations(
            mutator,
            mutator,
            lambda state: role_recommendation(
                client, analyzer, state.role.arn, account_id=ACCOUNT, sleep=lambda _: None
            ),
            validate or (lambda document: validation_problems(client, dict(document))),
            IamAccessSource(sim.client("iam"), account_id=ACCOUNT, sleep=lambda _: None),
            [Target("app")],
            settings=Settings(),
            now=now,
            apply=True,
            store=LocalBackupStore(backups),
            clock=lambda: now,
        )
    )


def release_all(mutator: IamRoleMutator, backups: Path) -> list[Outcome]:
    store = LocalBackupStore(backups)
    return list(
        release(
            mutator,
            [Target("app")],
            apply=True,
            only={ReleasePart.RESTRICTION},
            backups=store.read,
        )
    )


@pytest.fixture
def seeded(sim: Simulation) -> dict[str, Any]:
    seed(sim, datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1))
    return authorization_details(sim.client("iam"))


def test_a_run_killed_mid_apply_is_put_back_exactly_by_release(
    sim: Simulation, mutator: IamRoleMutator, seeded: dict[str, Any], tmp_path: Path
) -> None:
    # Killed at the first detach: the inline document, one copy and its attachment are made.
    faults.kill_at("iam", "DetachRolePolicy")
    with pytest.raises(faults.RunKilled):
        run(sim, mutator, tmp_path)
    during = authorization_details(sim.client("iam"))
    assert during != seeded
    assert "dormant-recommended-app-1" in during["policies"]
    outcomes = release_all(mutator, tmp_path)
    assert [o.status for o in outcomes] == [Status.DONE], outcomes
    assert authorization_details(sim.client("iam")) == seeded


def test_a_failed_call_is_undone_and_the_role_left_as_it_was(
    sim: Simulation, mutator: IamRoleMutator, seeded: dict[str, Any], tmp_path: Path
) -> None:
    faults.inject_error("iam", "AttachRolePolicy", "LimitExceeded", "Cannot exceed quota", skip=1)
    outcomes = run(sim, mutator, tmp_path)
    assert [o.status for o in outcomes] == [Status.FAILED]
    assert "iam:AttachRolePolicy failed" in outcomes[0].message
    assert "were undone, the role is as it was" in outcomes[0].message
    assert authorization_details(sim.client("iam")) == seeded


def test_a_document_failing_iams_checks_refuses_the_role_before_any_write(
    sim: Simulation, mutator: IamRoleMutator, seeded: dict[str, Any], tmp_path: Path
) -> None:
    sim.recorder.reset()
    outcomes = run(
        sim, mutator, tmp_path, validate=lambda document: ["ERROR INVALID_ACTION: no such action"]
    )
    assert [o.status for o in outcomes] == [Status.REFUSED]
    assert "fails IAM's policy checks: ERROR INVALID_ACTION" in outcomes[0].message
    assert [c for c in sim.recorder.write_calls() if c.service == "iam"] == []
    assert list(tmp_path.iterdir()) == []


def test_a_service_used_since_aws_analysis_refuses_the_role(
    sim: Simulation, mutator: IamRoleMutator, seeded: dict[str, Any], tmp_path: Path
) -> None:
    # AWS analyzed a day ago; kms was used an hour ago, which IAM's own data shows.
    access.set_last_access(ACCOUNT, "app", "kms", datetime.now(UTC) - timedelta(hours=1))
    outcomes = run(sim, mutator, tmp_path)
    assert [o.status for o in outcomes] == [Status.REFUSED]
    assert outcomes[0].message.startswith(
        "AWS's recommendation would take from role app what IAM says it used within 60 days: "
        "kms (last used "
    )
    assert authorization_details(sim.client("iam")) == seeded
    assert list(tmp_path.iterdir()) == []


def test_a_failed_recommendation_fails_the_role_with_one_line(
    sim: Simulation, mutator: IamRoleMutator, seeded: dict[str, Any], tmp_path: Path
) -> None:
    access_analyzer.fail_recommendations("app")
    outcomes = run(sim, mutator, tmp_path)
    assert [o.status for o in outcomes] == [Status.FAILED]
    assert "FAILED" in outcomes[0].message
    assert "\n" not in outcomes[0].message
    assert authorization_details(sim.client("iam")) == seeded


def test_polling_is_bounded_and_backs_off(sim: Simulation, seeded: dict[str, Any]) -> None:
    access_analyzer.set_recommendation_polls(100)
    client = sim.client("accessanalyzer")
    waits: list[float] = []
    with pytest.raises(AwsAccessError, match="still IN_PROGRESS after 6 polls"):
        role_recommendation(
            client,
            find_analyzer(client, ACCOUNT),
            f"arn:aws:iam::{ACCOUNT}:role/app",
            sleep=waits.append,
            max_polls=6,
        )
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0]
