"""`dormant users --source access-analyzer` end to end: the real command in a subprocess against
the simulated AWS, under IAM enforcement with exactly the policy docs/aws-findings.md documents
for users (checked against IAM's service reference), in JSON, CSV and the table."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.access_analyzer.source_support import (
    ACCOUNT,
    documented_policy,
    reader,
    run_as,
    seeded_users,
    without,
)
from tests.deploy.policy_reference import PolicyKind, check_policy

from dormant_sim import access_analyzer
from dormant_sim.seed.users import KeySeed
from dormant_sim.server import SimulatedAws


@pytest.mark.parametrize(
    "marker", ["access-analyzer-users-policy", "access-analyzer-permissions-policy"]
)
def test_the_documented_policies_hold_to_iams_service_reference(marker: str) -> None:
    assert [str(v) for v in check_policy(documented_policy(marker), PolicyKind.IDENTITY)] == []


def _seeded(sim: SimulatedAws) -> tuple[datetime, dict[str, Any]]:
    return seeded_users(sim)


def _users(sim: SimulatedAws, caller: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return run_as(sim, caller, "users", *args)


def test_each_credential_finding_gets_dormants_decision_and_agreement(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    caller = reader(sim_server, documented_policy("access-analyzer-users-policy"))
    result = _users(sim_server, caller, "--max-days", "90", "-f", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["source"].startswith(f"account {ACCOUNT}, access-analyzer arn:aws:")
    assert report["failures"] == []
    rows = {(f["user_name"], f["aws_credential"]): f for f in report["findings"]}
    assert sorted(rows) == [
        ("back", "password"),
        ("idle", "access_key_1"),
        ("kept", "password"),
        ("two", "access_key_1"),
        ("two", "access_key_2"),
    ]
    why = {key: (row["agrees"], row["disagreement"]) for key, row in rows.items()}
    assert why[("idle", "access_key_1")] == (True, None)
    assert why[("two", "access_key_1")] == (True, None)
    assert why[("two", "access_key_2")] == (
        False,
        "access key 2 used 1 day ago, after AWS's last analysis",
    )
    assert why[("back", "password")] == (
        False,
        "password used 1 day ago, after AWS's last analysis",
    )
    assert why[("kept", "password")] == (False, "exempt by tag until 2099-01-31")
    aws = rows[("two", "access_key_2")]["aws_finding"]
    assert (aws["source"], aws["type"], aws["status"], aws["window_days"]) == (
        "access-analyzer",
        "UnusedIAMUserAccessKey",
        "ACTIVE",
        90,
    )
    assert aws["access_key_id"] is not None  # read with GetFindingV2: the user has two keys
    assert rows[("idle", "access_key_1")]["aws_finding"]["access_key_id"] is None  # one key


def test_csv_and_the_table_show_the_agreement_and_a_window_difference(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    caller = reader(sim_server, documented_policy("access-analyzer-users-policy"))
    rows = list(
        csv.DictReader(
            io.StringIO(_users(sim_server, caller, "--max-days", "120", "-f", "csv").stdout)
        )
    )
    by_key = {(r["user_name"], r["aws_credential"]): r for r in rows}
    assert by_key[("idle", "access_key_1")]["agrees"] == "true"
    assert by_key[("back", "password")]["agrees"] == "false"
    assert by_key[("two", "access_key_1")]["agrees"] == "true"  # never used, 400 days old
    assert json.loads(by_key[("two", "access_key_1")]["aws_finding"])["type"] == (
        "UnusedIAMUserAccessKey"
    )
    table = _users(sim_server, caller, "--max-days", "120", "-f", "table")
    assert table.returncode == 1, table.stderr
    idle = next(line for line in table.stdout.splitlines() if "idle" in line)
    assert "yes" in idle


def test_a_window_longer_than_the_analyzers_is_named(sim_server: SimulatedAws) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    sim_server.put_user(
        ACCOUNT,
        "mid",
        created=old,
        keys=[KeySeed(created=old, last_used=now - timedelta(days=100))],
    )
    access_analyzer.create_analyzer(ACCOUNT, "unused", endpoint_url=sim_server.endpoint_url)
    access_analyzer.analyze(now)
    caller = reader(sim_server, documented_policy("access-analyzer-users-policy"))
    result = _users(sim_server, caller, "--max-days", "120", "-f", "json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["findings"]
    assert (row["agrees"], row["disagreement"]) == (False, "AWS window 90 days, dormant's 120")
    assert row["compliance"] == "COMPLIANT"


def test_a_user_deleted_after_the_analysis_is_a_failure_naming_it(
    sim_server: SimulatedAws,
) -> None:
    _seeded(sim_server)
    from dormant_sim.seed.clients import internal_client

    iam = internal_client("iam", ACCOUNT, endpoint_url=sim_server.endpoint_url)
    for key in iam.list_access_keys(UserName="idle")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="idle", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="idle")
    caller = reader(sim_server, documented_policy("access-analyzer-users-policy"))
    result = _users(sim_server, caller, "--max-days", "90", "-f", "json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert "idle" not in {f["user_name"] for f in report["findings"]}
    (failure,) = report["failures"]
    assert failure["account_id"] == ACCOUNT
    assert f"arn:aws:iam::{ACCOUNT}:user/idle" in failure["message"]
    assert "credential report" in failure["message"]


@pytest.mark.parametrize(
    "action", ["access-analyzer:GetFinding", "iam:ListAccessKeys", "access-analyzer:ListFindings"]
)
def test_without_one_documented_action_the_command_fails_naming_it(
    sim_server: SimulatedAws, action: str
) -> None:
    _seeded(sim_server)
    policy = without(
        documented_policy("access-analyzer-users-policy"), action, "iam:GetCredentialReport"
    )
    result = _users(sim_server, reader(sim_server, policy), "-f", "json")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert action in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_source_options_are_checked_before_anything_is_read(dormant: Any, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text("user,arn\n", encoding="utf-8")
    cases = [
        (
            ["--source", "access-analyzer", "--credential-report", str(report)],
            "--credential-report",
        ),
        (["--source", "access-analyzer", "--org"], "--org"),
        (["--analyzer-arn", "arn:aws:access-analyzer:us-east-1:1:analyzer/a"], "--analyzer-arn"),
    ]
    for args, named in cases:
        result = dormant("users", *args)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert named in result.stderr


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_html_and_markdown_show_the_agreement(sim_server: SimulatedAws, fmt: str) -> None:
    _seeded(sim_server)
    caller = reader(sim_server, documented_policy("access-analyzer-users-policy"))
    result = _users(sim_server, caller, "--max-days", "90", "-f", fmt)
    assert result.returncode == 1, result.stderr
    assert "AWS agrees" in result.stdout
    assert "exempt by tag until 2099-01-31" in result.stdout
