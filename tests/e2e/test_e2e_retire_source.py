"""deploy/retire.yaml with Source access-analyzer and ArchiveFindings, as the stack's own role,
enforced: the function acts only on roles the account's analyzer and dormant both call
unused, and once it deletes one it archives AWS's finding about it. With exactly the
stack's grants it runs; without UpdateFindings the archive fails the invocation while the
delete stands; without ListFindings nothing changes at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from e2e_support import deployed_role, without_action
from retire_support import ACCOUNT, BUCKET, FUNCTION_ROLE, RetireDeployment, role_names, role_tags

from dormant.core.errors import DormantError
from dormant_sim import access_analyzer
from dormant_sim.server import Simulation

DAY0 = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=1)
OWNER = {"owner": "team-a"}
STACK = {"RetireMode": "Apply", "Source": "access-analyzer", "ArchiveFindings": "true"}


def on(day: int, hours: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hours)


def _seed(sim: Simulation) -> str:
    """BatchRole: both call it unused. AcceptedRole: unused too, but the team archived AWS's
    finding (accepted it), so the campaign leaves it alone. The analyzer's window is the
    stack's MaxDaysForLastUsed (60)."""
    sim.put_configuration_recorder(ACCOUNT)
    old = {"created": DAY0 - timedelta(days=400), "last_used": DAY0 - timedelta(days=200)}
    sim.put_role(ACCOUNT, "BatchRole", **old, tags=OWNER)
    sim.put_role(ACCOUNT, "AcceptedRole", **old, tags=OWNER)
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", unused_access_age=60)
    access_analyzer.analyze(on(0, hours=-2))
    sim.client("accessanalyzer").update_findings(
        analyzerArn=arn,
        resourceArn=f"arn:aws:iam::{ACCOUNT}:role/AcceptedRole",
        status="ARCHIVED",
    )
    return arn


def _status(sim: Simulation, arn: str, role: str) -> str:
    found = sim.client("accessanalyzer").list_findings_v2(
        analyzerArn=arn, filter={"resource": {"eq": [f"arn:aws:iam::{ACCOUNT}:role/{role}"]}}
    )["findings"]
    (finding,) = found
    return str(finding["status"])


def _to_the_delete_day(sim: Simulation, deployed: RetireDeployment) -> None:
    """Day 0 notice, day 15 quarantine, AWS's daily analysis in between."""
    assert deployed.run(sim, on(0))["steps"] == {"notify": 1, "keep": 1}
    access_analyzer.analyze(on(14))
    assert deployed.run(sim, on(15))["steps"] == {"quarantine": 1, "keep": 1}
    access_analyzer.analyze(on(44))


def test_archive_after_delete_with_exactly_the_stacks_grants(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, STACK)
    arn = _seed(sim)
    _to_the_delete_day(sim, deployed)
    day45 = deployed.run(sim, on(45))
    assert day45["steps"] == {"delete": 1, "keep": 1}
    assert day45["failed"] == 0
    assert "BatchRole" not in role_names()
    assert _status(sim, arn, "BatchRole") == "ARCHIVED"
    (line,) = day45["archives"]  # type: ignore[misc]
    assert line.startswith("archived: access-analyzer finding ")
    assert f"dormant deleted role BatchRole on {on(45).date().isoformat()}" in line
    assert f"backup: s3://{BUCKET}/roles/{ACCOUNT}-BatchRole.json" in line
    # AWS's finding was archived by the team: never noticed, quarantined or deleted.
    assert "AcceptedRole" in role_names()
    assert not any(key.startswith("dormant:") for key in role_tags("AcceptedRole"))
    assert _status(sim, arn, "AcceptedRole") == "ARCHIVED"


def _trimmed(sim: Simulation, full: RetireDeployment, action: str) -> RetireDeployment:
    policies: Any = without_action(full.stack.role_policies(FUNCTION_ROLE), action)
    role = deployed_role(sim, full.stack, FUNCTION_ROLE, name="retire-trimmed", policies=policies)
    return RetireDeployment(full.stack, role, full.policy_arn, full.topic_arn, full.queue_url)


def test_an_archive_refused_fails_the_run_and_the_delete_stands(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = RetireDeployment.create(sim, monkeypatch, STACK)
    arn = _seed(sim)
    _to_the_delete_day(sim, full)
    short = _trimmed(sim, full, "access-analyzer:UpdateFindings")
    with pytest.raises(DormantError) as failed:
        short.run(sim, on(45))
    message = str(failed.value)
    assert "1 planned changes failed" in message
    assert "about BatchRole (deleted, which stands)" in message
    assert "access-analyzer:UpdateFindings" in message
    assert "AccessDeniedException" in message
    assert "BatchRole" not in role_names()
    assert _status(sim, arn, "BatchRole") == "ACTIVE"
    backups = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix="roles/")
    assert [v["Key"] for v in backups["Versions"]] == [f"roles/{ACCOUNT}-BatchRole.json"]


@pytest.mark.parametrize(
    "action", ["access-analyzer:ListFindings", "access-analyzer:ListAnalyzers"]
)
def test_without_a_read_grant_nothing_changes(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    full = RetireDeployment.create(sim, monkeypatch, STACK)
    _seed(sim)
    short = _trimmed(sim, full, action)
    with pytest.raises(DormantError, match="AccessDenied") as failed:
        short.run(sim, on(0))
    assert action in str(failed.value)
    assert not any(key.startswith("dormant:") for key in role_tags("BatchRole"))
    assert full.messages() == []
