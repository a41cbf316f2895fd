"""`dormant scan --source access-analyzer` end to end: the real command in a subprocess against
the simulated AWS, under IAM enforcement with exactly the read-only policy docs/aws-findings.md
documents (checked against IAM's service reference), in every output format."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.deploy.policy_reference import PolicyKind, check_policy

from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY
from dormant_sim import access_analyzer
from dormant_sim.server import SimulatedAws

ACCOUNT = "123456789012"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "aws-findings.md"


def documented_policy() -> dict[str, Any]:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- access-analyzer-scan-policy -->\n```json\n(.*?)\n```", text, re.S)
    assert match is not None, "docs/aws-findings.md no longer documents the source's policy"
    rendered = match.group(1).replace("<region>", "us-east-1").replace("<account-id>", ACCOUNT)
    policy: dict[str, Any] = json.loads(rendered)
    return policy


def test_the_documented_policy_holds_to_iams_service_reference() -> None:
    assert [str(v) for v in check_policy(documented_policy(), PolicyKind.IDENTITY)] == []


def _seeded(sim: SimulatedAws) -> datetime:
    # The analysis ran two days ago; dormant decides now (the wall clock: the subprocess's).
    now = datetime.now(UTC).replace(microsecond=0)
    analyzed = now - timedelta(days=2)
    old = now - timedelta(days=400)
    sim.put_role(ACCOUNT, "idle", created=old, last_used=now - timedelta(days=200))
    sim.put_role(ACCOUNT, "back-in-use", created=old, last_used=now - timedelta(days=100))
    sim.put_role(
        ACCOUNT, "kept", created=old, tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"}
    )
    sim.put_role(ACCOUNT, "busy", created=old, last_used=now - timedelta(days=1))
    access_analyzer.create_analyzer(ACCOUNT, "unused", endpoint_url=sim.endpoint_url)
    access_analyzer.analyze(analyzed)
    # Used after the analysis: AWS still reports it until its next pass.
    from moto.iam.models import iam_backends

    iam_backends[ACCOUNT]["aws"].get_role("back-in-use").last_used = now - timedelta(days=1)
    return now


def _reader(sim: SimulatedAws, policy: dict[str, Any]) -> Any:
    return sim.principal("dormant-aws-findings-reader", kind="user", policies=[policy])


def _scan(sim: SimulatedAws, reader: Any, *args: str) -> subprocess.CompletedProcess[str]:
    with sim.enforcing():
        return subprocess.run(
            [sys.executable, "-m", "dormant", "scan", "--source", "access-analyzer", *args],
            capture_output=True,
            text=True,
            env=sim.env(credentials=reader),
            timeout=120,
            check=False,
        )


def test_each_aws_finding_gets_dormants_decision_and_agreement(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    result = _scan(sim_server, _reader(sim_server, documented_policy()), "-f", "json")
    assert result.returncode == 1, result.stderr  # NON_COMPLIANT roles found
    report = json.loads(result.stdout)
    assert report["source"].startswith(f"account {ACCOUNT}, access-analyzer arn:aws:")
    by_name = {f["role_name"]: f for f in report["findings"]}
    assert sorted(by_name) == ["back-in-use", "idle", "kept"]  # AWS's findings, no others
    assert (by_name["idle"]["agrees"], by_name["idle"]["disagreement"]) == (True, None)
    assert by_name["back-in-use"]["agrees"] is False
    assert by_name["back-in-use"]["disagreement"] == "used 1 day ago, after AWS's last analysis"
    assert by_name["kept"]["disagreement"] == "exempt by tag until 2099-01-31"
    aws = by_name["idle"]["aws_finding"]
    assert (aws["source"], aws["type"], aws["status"], aws["window_days"]) == (
        "access-analyzer",
        "UnusedIAMRole",
        "ACTIVE",
        90,
    )
    assert aws["resource_arn"] == f"arn:aws:iam::{ACCOUNT}:role/idle"


def test_csv_and_the_table_show_the_agreement(sim_server: SimulatedAws) -> None:
    _seeded(sim_server)
    reader = _reader(sim_server, documented_policy())
    rows = list(csv.DictReader(io.StringIO(_scan(sim_server, reader, "-f", "csv").stdout)))
    assert {r["role_name"]: r["agrees"] for r in rows} == {
        "idle": "true",
        "back-in-use": "false",
        "kept": "false",
    }
    assert all(json.loads(r["aws_finding"])["type"] == "UnusedIAMRole" for r in rows)
    table = _scan(sim_server, reader, "-f", "table")
    assert table.returncode == 1, table.stderr
    assert "AWS" in table.stdout
    idle = next(line for line in table.stdout.splitlines() if "idle" in line)
    assert "yes" in idle


@pytest.mark.parametrize(
    "action", ["access-analyzer:ListFindings", "access-analyzer:ListAnalyzers"]
)
def test_without_one_documented_action_the_scan_fails_naming_it(
    sim_server: SimulatedAws, action: str
) -> None:
    _seeded(sim_server)
    policy = documented_policy()
    for statement in policy["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        statement["Action"] = [a for a in actions if a != action] or ["iam:GetAccountSummary"]
    result = _scan(sim_server, _reader(sim_server, policy), "-f", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert action in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_source_options_are_checked_before_anything_is_read(dormant: Any, tmp_path: Path) -> None:
    snapshot = tmp_path / "gaad.json"
    snapshot.write_text('{"RoleDetailList": []}', encoding="utf-8")
    cases = [
        (["--source", "access-analyzer", "--snapshot", str(snapshot)], "--snapshot"),
        (["--analyzer-arn", "arn:aws:access-analyzer:us-east-1:1:analyzer/a"], "--analyzer-arn"),
        (["--source", "access-analyzer", "--analyzer-arn", "nope"], "--analyzer-arn"),
    ]
    for args, named in cases:
        result = dormant("scan", *args)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert named in result.stderr


def test_a_role_deleted_after_the_analysis_is_a_failure_naming_it(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    from dormant_sim.seed.clients import internal_client

    iam = internal_client("iam", ACCOUNT, endpoint_url=sim_server.endpoint_url)
    iam.delete_role(RoleName="idle")
    result = _scan(sim_server, _reader(sim_server, documented_policy()), "-f", "json")
    assert result.returncode == 3, result.stderr  # an account failure: the louder news
    report = json.loads(result.stdout)
    assert sorted(f["role_name"] for f in report["findings"]) == ["back-in-use", "kept"]
    (failure,) = report["failures"]
    assert failure["account_id"] == ACCOUNT
    assert f"arn:aws:iam::{ACCOUNT}:role/idle" in failure["message"]
    assert "no longer" in failure["message"]
    assert f"arn:aws:iam::{ACCOUNT}:role/idle" in result.stderr
