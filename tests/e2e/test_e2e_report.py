"""`dormant report --rule-name` with exactly the policy deploy/README.md gives it, enforced.

The policy is read from the guide (the JSON block after `<!-- report-policy -->`), so the
guide and the test cannot drift apart; the results come from the real handler's run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from deploy_support import REPO_ROOT
from e2e_support import without_action

from dormant.handler import lambda_handler
from dormant_sim import seed
from dormant_sim.server import SimulatedAws

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
RULE = "iam-role-last-used"
GUIDE = REPO_ROOT / "deploy" / "README.md"


def documented_report_policy() -> dict[str, Any]:
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(r"<!-- report-policy -->\n```json\n(.*?)\n```", text, re.DOTALL)
    assert match is not None, "deploy/README.md no longer documents the report's policy"
    rendered = match.group(1).replace("<region>", "us-east-1").replace("<account-id>", ACCOUNT)
    policy: dict[str, Any] = json.loads(rendered)
    return policy


def _recorded(sim_server: SimulatedAws, monkeypatch: pytest.MonkeyPatch) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    seeded = sim_server.seed_demo_account(ACCOUNT, now)
    with monkeypatch.context() as patched:
        for key, value in sim_server.env().items():
            if key.startswith("AWS_"):
                patched.setenv(key, value)
        event = sim_server.scheduled_event(RULE, ACCOUNT, notification_time=now)
        lambda_handler(event, None)
    return len(seeded)


def _report(sim_server: SimulatedAws, policy: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    reader = sim_server.principal("dormant-report-reader", kind="user", policies=[policy])
    with sim_server.enforcing():
        return subprocess.run(
            [sys.executable, "-m", "dormant", "report", "--rule-name", RULE, "-f", "tsv"],
            capture_output=True,
            text=True,
            env=sim_server.env(credentials=reader),
            timeout=120,
            check=False,
        )


def test_the_report_runs_with_exactly_the_documented_policy(
    sim_server: SimulatedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = _recorded(sim_server, monkeypatch)
    result = _report(sim_server, documented_report_policy())
    assert result.returncode == 1, result.stderr  # NON_COMPLIANT roles recorded
    lines = result.stdout.splitlines()
    assert len(lines) == seeded
    assert "AdminRole\tCOMPLIANT\tWas last used in us-west-2 46 days ago" in lines


@pytest.mark.parametrize(
    "action", ["config:GetComplianceDetailsByConfigRule", "iam:GetAccountAuthorizationDetails"]
)
def test_without_one_documented_action_the_report_fails_naming_it(
    sim_server: SimulatedAws, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    _recorded(sim_server, monkeypatch)
    trimmed = without_action({"report": documented_report_policy()}, action)
    result = _report(sim_server, trimmed["report"])
    assert result.returncode != 0
    assert "AccessDenied" in result.stderr
    assert action in result.stderr
