"""The assignments benchmark still runs at its quick size; its exact call counts hold (the
benchmark itself stops with exit 1 when a count breaks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_quick_run_reads_each_account_and_principal_once(tmp_path: Path) -> None:
    from dormant_sim.server import clean_aws_environment

    output = tmp_path / "assignments.json"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "assignments.py"),
            "--quick",
            "--output",
            str(output),
        ],
        cwd=REPO,
        env=clean_aws_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(output.read_text(encoding="utf-8"))
    calls = result["calls"]
    assert calls["iam:GetAccountAuthorizationDetails"] == result["plan"]["accounts"]
    assert calls["identitystore:DescribeGroup"] == result["seeded"]["groups"]
    assert calls["sso-admin:ListAccountAssignments"] == result["seeded"]["pairs"]
    assert sum(result["decided"].values()) == result["seeded"]["pairs"]
