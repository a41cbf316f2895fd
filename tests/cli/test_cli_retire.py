"""`dormant retire` as users run it: a subprocess against the loopback simulation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    quarantine_policy_document,
    quarantine_tags,
)
from dormant_sim.server import SimulatedAws
from remediation_support import ACCOUNT, role_exists


def dormant(server: SimulatedAws, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=120,
        check=False,
    )


def _seed(sim_server: SimulatedAws) -> datetime:
    now = datetime.now(UTC).replace(microsecond=0)
    quarantined = now - timedelta(days=40)
    sim_server.put_role(
        ACCOUNT, "OldJob", created=now - timedelta(days=400), last_used=now - timedelta(days=200)
    )
    sim_server.put_role(
        ACCOUNT,
        "Parked",
        created=now - timedelta(days=400),
        last_used=now - timedelta(days=100),
        inline_policies={QUARANTINE_POLICY_NAME: quarantine_policy_document(quarantined)},
        tags=dict(quarantine_tags(quarantined, "arn:aws:iam::123456789012:user/ops")),
    )
    sim_server.put_role(
        ACCOUNT, "LiveApi", created=now - timedelta(days=400), last_used=now - timedelta(days=1)
    )
    return now


def test_dry_run_prints_the_plan_and_writes_nothing(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    now = _seed(sim_server)
    result = dormant(sim_server, "retire", "--backup-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    delete_on = (now + timedelta(days=30)).date()
    assert result.stdout.splitlines() == [
        "dry run: nothing will be changed; add --apply to make these changes",
        "plan: 2 roles",
        "Name     Step         Next                   Reason",
        "─" * 85,
        "Parked   delete                              quarantined 40 days ago and unused since",
        f"OldJob   quarantine   delete on {delete_on}   Was last used in us-east-1 200 days ago",
        "summary: quarantine 1, delete 1, keep 0; done 0, failed 0",
    ]
    assert sim_server.recorder.write_calls() == []


def test_apply_quarantines_and_deletes_with_a_backup(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _seed(sim_server)
    result = dormant(sim_server, "retire", "--backup-dir", str(tmp_path), "--apply")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "done: quarantined role OldJob" in lines
    assert any(line.startswith("done: deleted role Parked, backup ") for line in lines)
    assert lines[-1] == "summary: quarantine 1, delete 1, keep 0; done 2, failed 0"
    iam = sim_server.client("iam")
    assert not role_exists(iam, "Parked")
    assert (tmp_path / f"{ACCOUNT}-Parked.json").exists()

    again = dormant(
        sim_server, "retire", "--backup-dir", str(tmp_path), "--apply", "--format", "json"
    )
    assert again.returncode == 0, again.stderr
    delete_on = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    assert json.loads(again.stdout) == {
        "kind": "retire",
        "account_id": ACCOUNT,
        "steps": [
            {
                "kind": "role",
                "role_name": "OldJob",
                "step": "keep",
                "reason": "quarantined 0 days ago; deleted after 30 days unused",
                "next": {"step": "delete", "on": delete_on},
                "owner": None,
                "held_by": None,
                "done": False,
                "status": None,
                "message": None,
            }
        ],
        "notices": [],
    }


def test_without_backup_dir_the_due_role_is_kept(sim_server: SimulatedAws) -> None:
    _seed(sim_server)
    result = dormant(sim_server, "retire", "--format", "json", "--max-roles", "5")
    assert result.returncode == 0, result.stderr
    steps = {s["role_name"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["Parked"]["step"] == "keep"
    assert steps["Parked"]["reason"].endswith("give --backup-dir DIR to delete it")
    assert steps["OldJob"]["step"] == "quarantine"


def test_after_days_must_be_positive(sim_server: SimulatedAws) -> None:
    result = dormant(sim_server, "retire", "--after-days", "0")
    assert result.returncode == 2
    assert "--after-days" in result.stderr


def test_a_failing_role_ends_in_a_non_zero_exit_and_the_others_go_on(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _seed(sim_server)
    sim_server.inject_error(
        "iam",
        "DeleteRole",
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        status=409,
        times=None,
        when=lambda params: params.get("RoleName") == "Parked",
    )
    result = dormant(sim_server, "retire", "--backup-dir", str(tmp_path), "--apply")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "done: quarantined role OldJob" in lines
    assert any(line.startswith("failed: iam:DeleteRole failed") for line in lines), lines
    assert lines[-1] == "summary: quarantine 1, delete 1, keep 0; done 1, failed 1"
    assert role_exists(sim_server.client("iam"), "Parked")
