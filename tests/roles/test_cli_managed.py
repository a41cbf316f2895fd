"""`dormant quarantine` and `delete` refuse roles managed elsewhere unless --force: a role a
CloudFormation stack created is known from the stack, since CloudFormation does not tag it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from dormant_sim.server import SimulatedAws
from remediation_support import ACCOUNT

AS_OF = "2026-03-15T12:00:00Z"  # the `now` fixture


def dormant(server: SimulatedAws, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=120,
        check=False,
    )


def _stack_role(sim_server: SimulatedAws, now: datetime) -> None:
    # Made by a stack, as in AWS: no aws:cloudformation:* tag; only the stack says whose it is.
    sim_server.put_stack_role(
        ACCOUNT,
        "payments",
        "PaymentsTaskRole",
        created=now - timedelta(days=400),
        last_used=now - timedelta(days=200),
    )


def test_quarantine_refuses_a_stack_role_and_says_where(
    sim_server: SimulatedAws, now: datetime
) -> None:
    _stack_role(sim_server, now)
    result = dormant(sim_server, "quarantine", "PaymentsTaskRole", "--apply")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        "refused: role PaymentsTaskRole is managed by cloudformation (created by CloudFormation "
        "stack payments: remove it from the stack); retire it there instead; --force changes "
        "it anyway"
    )
    assert sim_server.recorder.write_calls() == []


def test_force_quarantines_it(sim_server: SimulatedAws, now: datetime) -> None:
    _stack_role(sim_server, now)
    result = dormant(sim_server, "quarantine", "PaymentsTaskRole", "--apply", "--force")
    assert result.returncode == 0, result.stderr
    assert "done: quarantined role PaymentsTaskRole" in result.stdout.splitlines()


def test_delete_refuses_a_stack_role(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    _stack_role(sim_server, now)
    result = dormant(
        sim_server,
        "delete",
        "PaymentsTaskRole",
        "--backup-dir",
        str(tmp_path),
        "--apply",
    )
    assert result.returncode == 1
    assert "is managed by cloudformation" in result.stdout
    assert sim_server.recorder.write_calls() == []
    assert list(tmp_path.iterdir()) == []


def test_a_live_scan_reports_a_stack_role_managed_by_its_stack(
    sim_server: SimulatedAws, now: datetime
) -> None:
    _stack_role(sim_server, now)
    result = dormant(sim_server, "scan", "--format", "json", "--as-of", AS_OF)
    assert result.returncode == 1, result.stderr
    (finding,) = [
        f for f in json.loads(result.stdout)["findings"] if f["role_name"] == "PaymentsTaskRole"
    ]
    assert finding["managed_by"] == "cloudformation"
    assert finding["hint"] == "created by CloudFormation stack payments: remove it from the stack"
