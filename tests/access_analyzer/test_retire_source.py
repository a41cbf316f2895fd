"""`dormant retire --source access-analyzer [--archive]` end to end: the real command in a
subprocess against the simulated AWS.

A role is noticed, quarantined or deleted only where the analyzer's ACTIVE finding and
dormant's decision agree; every kind of disagreement holds the change back; with --archive a
deleted role's finding is archived after the delete, and an archive AWS refuses is its own
failure line while the delete stands.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto.iam.models import iam_backends

from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY
from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    quarantine_policy_document,
    quarantine_tags,
)
from dormant_sim import access_analyzer
from dormant_sim.server import SimulatedAws

ACCOUNT = "123456789012"
OPERATOR = "arn:aws:iam::123456789012:user/ops"


def _quarantined(sim: SimulatedAws, name: str, now: datetime, last_used: datetime) -> None:
    since = now - timedelta(days=40)
    sim.put_role(
        ACCOUNT,
        name,
        created=now - timedelta(days=400),
        last_used=last_used,
        inline_policies={QUARANTINE_POLICY_NAME: quarantine_policy_document(since)},
        tags=dict(quarantine_tags(since, OPERATOR)),
    )


def _seeded(sim: SimulatedAws) -> tuple[datetime, str]:
    """Two roles both call unused (idle, Parked), and one of each disagreement."""
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    sim.put_role(ACCOUNT, "idle", created=old, last_used=now - timedelta(days=200))
    _quarantined(sim, "Parked", now, now - timedelta(days=200))
    sim.put_role(ACCOUNT, "back-in-use", created=old, last_used=now - timedelta(days=100))
    sim.put_role(
        ACCOUNT, "kept", created=old, tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"}
    )
    sim.put_role(ACCOUNT, "allowed-break-glass", created=old)
    # AWS's finding was archived by the team (accepted): no ACTIVE finding, so no change.
    sim.put_role(ACCOUNT, "accepted", created=old, last_used=now - timedelta(days=300))
    _quarantined(sim, "accepted-parked", now, now - timedelta(days=300))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", endpoint_url=sim.endpoint_url)
    access_analyzer.analyze(now - timedelta(days=2))
    client = sim.client("accessanalyzer")
    for name in ("accepted", "accepted-parked"):
        client.update_findings(
            analyzerArn=arn,
            resourceArn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
            status="ARCHIVED",
        )
    # Used after the analysis: AWS still reports it until its next pass.
    iam_backends[ACCOUNT]["aws"].get_role("back-in-use").last_used = now - timedelta(days=1)
    return now, arn


def _retire(
    sim: SimulatedAws, *args: str, credentials: Any = None
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "dormant",
        "retire",
        "--source",
        "access-analyzer",
        "--max-days",
        "90",
        "--allow",
        "/allowed-*",
        *args,
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=sim.env(credentials=credentials) if credentials is not None else sim.env(),
        timeout=120,
        check=False,
    )


def _statuses(sim: SimulatedAws, arn: str) -> dict[str, str]:
    found = sim.client("accessanalyzer").list_findings_v2(analyzerArn=arn)["findings"]
    return {f["resource"].rsplit("/", 1)[-1]: f["status"] for f in found}


def test_only_roles_both_call_unused_are_changed_and_each_disagreement_holds_back(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _seeded(sim_server)
    result = _retire(sim_server, "--backup-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    steps = {s["role_name"]: s for s in json.loads(result.stdout)["steps"]}
    changes = {name: s["step"] for name, s in steps.items() if s["step"] != "keep"}
    assert changes == {"idle": "quarantine", "Parked": "delete"}
    held = "access-analyzer has no ACTIVE unused-role finding about it"
    assert steps["accepted"]["reason"] == f"not quarantine: {held}"
    assert steps["accepted-parked"]["reason"] == f"not delete: {held}"
    # Used since AWS's analysis, exempt, allow-listed: dormant's own refusals keep them.
    for name in ("back-in-use", "kept", "allowed-break-glass"):
        assert steps.get(name, {"step": "keep"})["step"] == "keep", name


def test_archive_after_delete_names_the_action_and_the_backup(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _, arn = _seeded(sim_server)
    result = _retire(sim_server, "--backup-dir", str(tmp_path), "--apply", "--archive")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    archived = [line for line in lines if line.startswith("archived: ")]
    assert len(archived) == 1, lines
    assert "about Parked (dormant deleted role Parked on " in archived[0]
    assert f"; backup: {tmp_path}" in archived[0]
    statuses = _statuses(sim_server, arn)
    assert statuses["Parked"] == "ARCHIVED"
    assert statuses["idle"] == "ACTIVE"  # quarantined, not deleted: its finding stays
    assert lines[-1].endswith("done 2, failed 0")


def test_an_archive_aws_refuses_is_its_own_failure_and_the_delete_stands(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _, arn = _seeded(sim_server)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "access-analyzer:UpdateFindings", "Resource": "*"},
        ],
    }
    operator = sim_server.principal("ops", kind="user", policies=[policy])
    with sim_server.enforcing():
        result = _retire(
            sim_server,
            "--backup-dir",
            str(tmp_path),
            "--apply",
            "--archive",
            credentials=operator,
        )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("done: deleted role Parked, backup ") for line in lines)
    (failed,) = [line for line in lines if line.startswith("failed: archive ")]
    assert "about Parked (deleted, which stands)" in failed
    assert "access-analyzer:UpdateFindings" in failed
    assert "AccessDeniedException" in failed
    assert lines[-1].endswith("done 2, failed 1")
    assert "Parked" not in {r["RoleName"] for r in sim_server.client("iam").list_roles()["Roles"]}
    assert _statuses(sim_server, arn)["Parked"] == "ACTIVE"


def test_archive_needs_a_source(sim_server: SimulatedAws) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dormant", "retire", "--archive"],
        capture_output=True,
        text=True,
        env=sim_server.env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--archive" in result.stderr
    assert "--source access-analyzer" in result.stderr
