"""`dormant permissions --source access-analyzer` end to end: the real command in a subprocess
against the simulated AWS, under IAM enforcement with exactly the policy docs/aws-findings.md
documents for permissions, in JSON, CSV and the table."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import datetime
from typing import Any

import pytest
from tests.access_analyzer.source_support import (
    ACCOUNT,
    documented_policy,
    reader,
    run_as,
    seeded_roles,
    without,
)

from dormant_sim.server import SimulatedAws

POLICY = "access-analyzer-permissions-policy"


def _seeded(sim: SimulatedAws) -> datetime:
    return seeded_roles(sim)


def _permissions(sim: SimulatedAws, caller: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return run_as(sim, caller, "permissions", *args)


def test_each_permission_finding_gets_dormants_decision_and_agreement(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    result = _permissions(sim_server, reader(sim_server, documented_policy(POLICY)), "-f", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["source"].startswith(f"account {ACCOUNT}, access-analyzer arn:aws:")
    assert report["failures"] == []
    rows = {f["role_name"]: f for f in report["findings"]}
    assert sorted(rows) == ["actions", "app", "kept", "since"]  # AWS's findings, no others
    why = {name: (row["agrees"], row["disagreement"]) for name, row in rows.items()}
    assert why == {
        "app": (True, None),
        "actions": (False, "AWS flags s3 (actions only), dormant finds no service unused"),
        "kept": (False, "exempt by tag until 2099-01-31"),
        "since": (False, "used after AWS's last analysis: kms"),
    }
    app = rows["app"]["aws_finding"]
    assert (app["type"], app["status"], app["window_days"]) == ("UnusedPermission", "ACTIVE", 90)
    assert sorted(s["namespace"] for s in app["services"]) == ["kms", "sqs"]
    assert rows["app"]["unused_services"] == ["kms", "sqs"]
    actions = rows["actions"]["aws_finding"]["services"]
    assert actions[0]["actions"] == [{"action": "PutObject", "last_accessed": None}]
    # dormant spares an exempt role whatever its services: no GetFindingV2 for it.
    assert rows["kept"]["aws_finding"]["services"] == []


def test_role_names_narrow_the_flagged_roles_and_csv_and_table_agree(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    caller = reader(sim_server, documented_policy(POLICY))
    out = _permissions(sim_server, caller, "app", "all-used", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["role_name"], r["agrees"]) for r in rows] == [("app", "true")]
    table = _permissions(sim_server, caller, "-f", "table")
    assert table.returncode == 1, table.stderr
    app = next(line for line in table.stdout.splitlines() if " app " in f" {line} ")
    assert "yes" in app


def test_a_role_deleted_after_the_analysis_is_a_failure_naming_it(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    from dormant_sim.seed.clients import internal_client

    iam = internal_client("iam", ACCOUNT, endpoint_url=sim_server.endpoint_url)
    iam.delete_role_policy(RoleName="app", PolicyName="app")
    iam.delete_role(RoleName="app")
    result = _permissions(sim_server, reader(sim_server, documented_policy(POLICY)), "-f", "json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert "app" not in {f["role_name"] for f in report["findings"]}
    (failure,) = report["failures"]
    assert f"arn:aws:iam::{ACCOUNT}:role/app" in failure["message"]
    assert "no longer holds" in failure["message"]


@pytest.mark.parametrize("action", ["access-analyzer:GetFinding", "access-analyzer:ListFindings"])
def test_without_one_documented_action_the_command_fails_naming_it(
    sim_server: SimulatedAws, action: str
) -> None:
    _seeded(sim_server)
    policy = without(documented_policy(POLICY), action, "iam:GetAccountSummary")
    result = _permissions(sim_server, reader(sim_server, policy), "-f", "json")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert action in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_source_options_are_checked_before_anything_is_read(dormant: Any) -> None:
    cases = [
        (["--source", "access-analyzer", "--org"], "--org"),
        (
            ["--all", "--analyzer-arn", "arn:aws:access-analyzer:us-east-1:1:analyzer/a"],
            "--analyzer-arn",
        ),
        (["--source", "access-analyzer", "--analyzer-arn", "nope"], "--analyzer-arn"),
    ]
    for args, named in cases:
        result = dormant("permissions", *args)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert named in result.stderr


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_html_and_markdown_show_the_agreement(sim_server: SimulatedAws, fmt: str) -> None:
    _seeded(sim_server)
    caller = reader(sim_server, documented_policy(POLICY))
    result = _permissions(sim_server, caller, "-f", fmt)
    assert result.returncode == 1, result.stderr
    assert "AWS agrees" in result.stdout
    assert "exempt by tag until 2099-01-31" in result.stdout
