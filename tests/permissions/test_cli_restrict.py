"""`dormant restrict` and `dormant release` as users run them, against the loopback simulation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from dormant_sim import access
from dormant_sim.server import SimulatedAws
from remediation_support import ACCOUNT, describe_raw, put_full_role


def dormant(
    server: SimulatedAws, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", *args],
        input=input,
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=120,
        check=False,
    )


@pytest.fixture
def busy(sim_server: SimulatedAws) -> datetime:
    """A used role whose s3 and logs are in use, everything else granted but idle."""
    now = datetime.now(UTC).replace(microsecond=0)
    access.set_polls_to_complete(0)
    put_full_role(sim_server, "Busy", now, last_used_days=1)
    for namespace in ("s3", "logs"):
        access.set_last_access(ACCOUNT, "Busy", namespace, now - timedelta(days=2))
    return now


def test_restrict_dry_run_prints_every_call_and_writes_nothing(
    sim_server: SimulatedAws, busy: datetime
) -> None:
    sim_server.recorder.reset()
    result = dormant(sim_server, "restrict", "Busy")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "dry run: nothing will be changed; add --apply to make these calls"
    assert lines[1].startswith("planned: would deny role Busy: ")
    assert lines[2].startswith(
        "  iam:PutRolePolicy RoleName=Busy PolicyName=dormant-unused-services PolicyDocument="
    )
    assert lines[3].startswith("  iam:TagRole RoleName=Busy Tags=dormant:restricted-at=20")
    assert f"dormant:restricted-by=arn:aws:sts::{ACCOUNT}:user/moto" in lines[3]
    assert lines[-1] == "summary: planned 1, done 0, unchanged 0, skipped 0, refused 0, failed 0"
    assert sim_server.recorder.write_calls() == []


def test_restrict_from_a_permissions_report_then_release(
    sim_server: SimulatedAws, busy: datetime
) -> None:
    client = sim_server.client("iam")
    before = describe_raw(client, "Busy")
    report = dormant(sim_server, "permissions", "Busy", "-f", "json")
    assert report.returncode == 1, report.stderr
    finding = json.loads(report.stdout)["findings"][0]
    assert "s3" not in finding["unused_services"]

    result = dormant(sim_server, "restrict", "--from", "-", "--apply", input=report.stdout)
    assert result.returncode == 0, result.stderr
    assert "dry run" not in result.stdout
    assert result.stdout.splitlines()[0].startswith("done: denied role Busy: ")
    during = describe_raw(client, "Busy")
    assert during["Inline"]["dormant-unused-services"] == finding["proposed_deny"]

    released = dormant(sim_server, "release", "Busy", "--apply")
    assert released.returncode == 0, released.stderr
    assert "done: released role Busy" in released.stdout.splitlines()
    assert describe_raw(client, "Busy") == before


def test_restrict_refusals_exit_1_with_one_line_each(
    sim_server: SimulatedAws, busy: datetime
) -> None:
    put_full_role(sim_server, "Idle", busy, last_used_days=1)
    result = dormant(sim_server, "restrict", "Idle", "Busy", "--allow", "/app/Busy", "--apply")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "refused: denying every one of the "
        + result.stdout.split("denying every one of the ", 1)[1].split(" ", 1)[0]
        + " services role Idle is granted would cut it off entirely: that is a quarantine, "
        "use `dormant quarantine Idle`",
        "refused: role Busy (/app/Busy) matches allow-list pattern /app/Busy",
        "summary: planned 0, done 0, unchanged 0, skipped 0, refused 2, failed 0",
    ]
    assert sim_server.recorder.write_calls() == []


def test_restrict_needs_a_role(sim_server: SimulatedAws) -> None:
    result = dormant(sim_server, "restrict")
    assert result.returncode == 2
    assert result.stderr.startswith("dormant: error: invalid parameter ROLE")
