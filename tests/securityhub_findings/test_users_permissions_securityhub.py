"""`dormant users --source securityhub` and `dormant permissions --source securityhub` end to
end: the real command in a subprocess against the simulated AWS, under IAM enforcement with
exactly the policies docs/aws-findings.md documents for Security Hub (checked against IAM's
service reference). Security Hub's findings name the user or role and nothing more: a key
finding about a user with two keys stays ambiguous, and a permission finding is agreed with
when dormant finds any service unused."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from tests.access_analyzer.source_support import (
    ACCOUNT,
    documented_policy,
    reader,
    run_as,
    seeded_roles,
    seeded_users,
)
from tests.deploy.policy_reference import PolicyKind, check_policy

from dormant_sim.server import SimulatedAws

USERS_POLICY = "securityhub-users-policy"
PERMISSIONS_POLICY = "securityhub-permissions-policy"
AMBIGUOUS = "Security Hub's finding names no key; the user has two"


@pytest.mark.parametrize("marker", [USERS_POLICY, PERMISSIONS_POLICY])
def test_the_documented_policies_hold_to_iams_service_reference(marker: str) -> None:
    assert [str(v) for v in check_policy(documented_policy(marker), PolicyKind.IDENTITY)] == []


def _run(sim: SimulatedAws, caller: Any, *argv: str) -> subprocess.CompletedProcess[str]:
    return run_as(sim, caller, *argv, source="securityhub")


def _caller(sim: SimulatedAws, marker: str) -> Any:
    """A user holding exactly the policy docs/aws-findings.md documents under `marker`."""
    return reader(sim, documented_policy(marker))


def _users_seeded(sim: SimulatedAws) -> None:
    seeded_users(sim, securityhub=True)


def test_users_each_credential_finding_joined_and_two_keys_stay_ambiguous(
    sim_server: SimulatedAws,
) -> None:
    _users_seeded(sim_server)
    caller = _caller(sim_server, USERS_POLICY)
    result = _run(sim_server, caller, "users", "--max-days", "90", "-f", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == f"account {ACCOUNT}, securityhub us-east-1"
    assert report["failures"] == []
    rows = sorted(
        (f["user_name"], f["aws_finding"]["type"], f["aws_credential"], f["agrees"],
         f["disagreement"])
        for f in report["findings"]
    )  # fmt: skip
    assert rows == [
        (
            "back",
            "UnusedIAMUserPassword",
            "password",
            False,
            "password used 1 day ago, after AWS's last analysis",
        ),
        ("idle", "UnusedIAMUserAccessKey", "access_key_1", True, None),
        ("kept", "UnusedIAMUserPassword", "password", False, "exempt by tag until 2099-01-31"),
        # AWS flags both keys (each unused for 90 days at its analysis); neither finding says
        # which, so dormant agrees on neither, whatever it decides on each key.
        ("two", "UnusedIAMUserAccessKey", None, False, AMBIGUOUS),
        ("two", "UnusedIAMUserAccessKey", None, False, AMBIGUOUS),
    ]
    two = next(f for f in report["findings"] if f["user_name"] == "two")
    assert two["compliance"] == "NON_COMPLIANT"  # dormant's own decision on the user stands
    aws = two["aws_finding"]
    assert (aws["source"], aws["status"], aws["window_days"], aws["access_key_id"]) == (
        "securityhub",
        "New",
        90,
        None,
    )
    assert aws["id"].startswith(f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/")
    assert aws["resource_arn"] == f"arn:aws:iam::{ACCOUNT}:user/two"


def test_users_markdown_and_the_table_show_the_ambiguity(sim_server: SimulatedAws) -> None:
    _users_seeded(sim_server)
    caller = _caller(sim_server, USERS_POLICY)
    markdown = _run(sim_server, caller, "users", "-f", "markdown")
    assert markdown.returncode == 1, markdown.stderr
    two = [line for line in markdown.stdout.splitlines() if line.startswith("| `two` ")]
    assert len(two) == 2
    assert all(f"| no: {AMBIGUOUS} | access key (which?) |" in line for line in two)
    table = _run(sim_server, caller, "users", "-f", "table")
    assert table.returncode == 1, table.stderr
    idle = next(line for line in table.stdout.splitlines() if "idle" in line)
    assert "yes" in idle


def _permissions_seeded(sim: SimulatedAws) -> None:
    seeded_roles(sim, securityhub=True)


def test_permissions_each_flagged_role_joined_with_dormants_services(
    sim_server: SimulatedAws,
) -> None:
    _permissions_seeded(sim_server)
    caller = _caller(sim_server, PERMISSIONS_POLICY)
    result = _run(sim_server, caller, "permissions", "-f", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == f"account {ACCOUNT}, securityhub us-east-1"
    assert report["failures"] == []
    rows = {f["role_name"]: f for f in report["findings"]}
    assert sorted(rows) == ["actions", "app", "kept", "since"]  # AWS's findings, no others
    why = {name: (row["agrees"], row["disagreement"]) for name, row in rows.items()}
    assert why == {
        "app": (True, None),
        "actions": (
            False,
            "Security Hub names no services; dormant finds none unused in its 90 days "
            "(AWS may flag unused actions only)",
        ),
        "kept": (False, "exempt by tag until 2099-01-31"),
        "since": (
            False,
            "used after AWS's last analysis: kms (Security Hub names no services)",
        ),
    }
    app = rows["app"]
    assert app["unused_services"] == ["kms", "sqs"]  # dormant's, from IAM's last access
    assert app["proposed_deny"] is not None
    aws = app["aws_finding"]
    assert (aws["source"], aws["type"], aws["status"], aws["services"]) == (
        "securityhub",
        "UnusedPermission",
        "New",
        [],
    )


def test_permissions_a_window_other_than_security_hubs_is_named(
    sim_server: SimulatedAws,
) -> None:
    _permissions_seeded(sim_server)
    caller = _caller(sim_server, PERMISSIONS_POLICY)
    as_json = _run(
        sim_server,
        caller,
        "permissions",
        "actions",
        "app",
        "--max-days",
        "95",
        "-f",
        "json",
    )
    assert as_json.returncode == 1, as_json.stderr
    why = {f["role_name"]: f["disagreement"] for f in json.loads(as_json.stdout)["findings"]}
    assert why == {"app": None, "actions": "AWS window 90 days, dormant's 95"}
    markdown = _run(sim_server, caller, "permissions", "-f", "markdown").stdout
    assert any(
        line.startswith("| `since` ") and "no: used after AWS's last analysis: kms" in line
        for line in markdown.splitlines()
    )


@pytest.mark.parametrize(
    ("marker", "command"), [(USERS_POLICY, "users"), (PERMISSIONS_POLICY, "permissions")]
)
def test_without_the_findings_grant_the_command_stops_with_one_line(
    sim_server: SimulatedAws, marker: str, command: str
) -> None:
    _users_seeded(sim_server)
    policy = documented_policy(marker)
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "ReadItsFindings"]
    caller = reader(sim_server, policy)
    result = run_as(sim_server, caller, command, "-f", "json", source="securityhub")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "securityhub:GetFindings" in line
    assert ACCOUNT in line


@pytest.mark.parametrize("command", ["users", "permissions"])
def test_an_analyzer_arn_is_refused_with_security_hub(dormant: Any, command: str) -> None:
    arn = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/a"
    result = dormant(command, "--source", "securityhub", "--analyzer-arn", arn)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "--analyzer-arn" in result.stderr
    assert "needs --source access-analyzer" in result.stderr


def test_quarantine_from_the_report_never_acts_on_an_ambiguous_key(
    dormant: Any, sim_server: SimulatedAws
) -> None:
    """`two` is NON_COMPLIANT by dormant's own decision, but Security Hub's findings about it
    cannot say which key they mean: a quarantine fed the report leaves it alone."""
    seeded_users(sim_server, securityhub=True)
    found = _run(sim_server, _caller(sim_server, USERS_POLICY), "users", "-f", "json")
    assert found.returncode == 1, found.stderr
    noncompliant = {
        f["user_name"]
        for f in json.loads(found.stdout)["findings"]
        if f["compliance"] == "NON_COMPLIANT"
    }
    assert noncompliant == {"idle", "two"}
    dry = dormant("quarantine", "--from", "-", input=found.stdout, env=sim_server.env())
    assert dry.returncode == 0, dry.stderr
    planned = [line for line in dry.stdout.splitlines() if line.startswith("planned: ")]
    assert planned == ["planned: would quarantine user idle"]
    assert "two" not in dry.stdout
