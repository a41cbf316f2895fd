"""`dormant delete ROLE --archive --source access-analyzer` end to end: the real command in a
subprocess against the simulated AWS. The finding is archived only after the delete was
made; a dry run archives nothing; a role AWS has no finding about is said so; a wrong
analyzer stops the run before anything is deleted.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dormant_sim import access_analyzer
from dormant_sim.server import SimulatedAws

ACCOUNT = "123456789012"


def _seeded(sim: SimulatedAws) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    sim.put_role(ACCOUNT, "idle", created=old, last_used=now - timedelta(days=200))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", endpoint_url=sim.endpoint_url)
    access_analyzer.analyze(now - timedelta(days=1))
    # Unused for dormant, but younger than AWS's last analysis: AWS has no finding about it.
    sim.put_role(ACCOUNT, "fresh-idle", created=old)
    return arn


def _delete(sim: SimulatedAws, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", "delete", *args],
        capture_output=True,
        text=True,
        env=sim.env(),
        timeout=120,
        check=False,
    )


def _status(sim: SimulatedAws, arn: str) -> str:
    (finding,) = sim.client("accessanalyzer").list_findings_v2(analyzerArn=arn)["findings"]
    return str(finding["status"])


def test_the_finding_is_archived_after_the_delete(sim_server: SimulatedAws, tmp_path: Path) -> None:
    arn = _seeded(sim_server)
    args = ["idle", "fresh-idle", "--backup-dir", str(tmp_path), "--archive"]
    dry = _delete(sim_server, *args, "--source", "access-analyzer")
    assert dry.returncode == 0, dry.stderr
    assert not any(line.startswith("archived") for line in dry.stdout.splitlines())
    assert _status(sim_server, arn) == "ACTIVE"

    result = _delete(sim_server, *args, "--source", "access-analyzer", "--apply")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    (archived,) = [line for line in lines if line.startswith("archived: ")]
    assert "about idle (dormant deleted role idle on " in archived
    assert f"backup: {tmp_path}" in archived
    assert "archive: no ACTIVE AWS finding about fresh-idle; nothing archived" in lines
    assert lines[-1].endswith("; archived 1, archive failed 0")
    assert _status(sim_server, arn) == "ARCHIVED"


def test_a_wrong_analyzer_stops_the_run_before_any_delete(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    arn = _seeded(sim_server)
    result = _delete(
        sim_server,
        "idle",
        "--backup-dir",
        str(tmp_path),
        "--archive",
        "--source",
        "access-analyzer",
        "--analyzer-arn",
        arn + "-gone",
        "--apply",
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--analyzer-arn" in result.stderr
    roles = {r["RoleName"] for r in sim_server.client("iam").list_roles()["Roles"]}
    assert "idle" in roles


def test_source_and_archive_come_together_on_delete(sim_server: SimulatedAws) -> None:
    for args, named in (
        (["--archive"], "--archive"),
        (["--source", "access-analyzer"], "--source"),
    ):
        result = _delete(sim_server, "idle", "--backup-dir", "/tmp/unused", *args)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert named in result.stderr
