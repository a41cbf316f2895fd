"""`dormant retire --source securityhub [--archive]` end to end: the real command in a
subprocess against the simulated AWS, reading Security Hub's OCSF findings.

Only what Security Hub's open finding and dormant both call unused changes; with --archive
the deleted role's finding is set Archived with the note as its comment (BatchUpdateFindingsV2),
and the findings of roles that stay are left open.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from moto.iam.models import iam_backends

from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    quarantine_policy_document,
    quarantine_tags,
)
from dormant_sim import access_analyzer
from dormant_sim.seed.clients import internal_client
from dormant_sim.server import SimulatedAws

ACCOUNT = "123456789012"
OPERATOR = "arn:aws:iam::123456789012:user/ops"


def _seeded(sim: SimulatedAws) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    since = now - timedelta(days=40)
    sim.put_role(ACCOUNT, "idle", created=old, last_used=now - timedelta(days=200))
    sim.put_role(
        ACCOUNT,
        "Parked",
        created=old,
        last_used=now - timedelta(days=200),
        inline_policies={QUARANTINE_POLICY_NAME: quarantine_policy_document(since)},
        tags=dict(quarantine_tags(since, OPERATOR)),
    )
    sim.put_role(ACCOUNT, "back-in-use", created=old, last_used=now - timedelta(days=100))
    access_analyzer.create_analyzer(ACCOUNT, "securityhub", endpoint_url=sim.endpoint_url)
    access_analyzer.analyze(now - timedelta(days=2))
    # Used after AWS's analysis: Security Hub still shows it until the next pass.
    iam_backends[ACCOUNT]["aws"].get_role("back-in-use").last_used = now - timedelta(days=1)
    internal_client("securityhub", ACCOUNT, endpoint_url=sim.endpoint_url).enable_security_hub()


def _retire(sim: SimulatedAws, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "dormant", "retire", "--source", "securityhub"]
    return subprocess.run(
        [*command, "--max-days", "90", *args],
        capture_output=True,
        text=True,
        env=sim.env(),
        timeout=120,
        check=False,
    )


def _findings(sim: SimulatedAws) -> dict[str, dict[str, object]]:
    found = sim.client("securityhub").get_findings_v2(MaxResults=100)["Findings"]
    return {f["resources"][0]["uid"].rsplit("/", 1)[-1]: f for f in found}


def test_only_roles_security_hub_and_dormant_both_call_unused_change(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _seeded(sim_server)
    result = _retire(sim_server, "--backup-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    steps = {s["role_name"]: s for s in json.loads(result.stdout)["steps"]}
    changes = {name: s["step"] for name, s in steps.items() if s["step"] != "keep"}
    assert changes == {"idle": "quarantine", "Parked": "delete"}
    assert steps.get("back-in-use", {"step": "keep"})["step"] == "keep"


def test_archive_after_delete_closes_the_security_hub_finding_with_a_note(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _seeded(sim_server)
    result = _retire(sim_server, "--backup-dir", str(tmp_path), "--apply", "--archive")
    assert result.returncode == 0, result.stderr
    archived = [line for line in result.stdout.splitlines() if line.startswith("archived: ")]
    assert len(archived) == 1, result.stdout
    assert "securityhub finding" in archived[0]
    assert "about Parked (dormant deleted role Parked on " in archived[0]
    findings = _findings(sim_server)
    assert findings["Parked"]["status"] == "Archived"
    assert "dormant deleted role Parked" in str(findings["Parked"]["comment"])
    assert str(tmp_path) in str(findings["Parked"]["comment"])
    assert findings["idle"]["status"] == "New"  # quarantined, not deleted: left open
