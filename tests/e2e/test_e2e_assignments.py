"""`dormant assignments` live, as an operator holding exactly deploy/identity-center-policies.json,
under an IAM that enforces them: three accounts read through their member role, the fourth's
member role denied, reported and skipped."""

from __future__ import annotations

import json
from datetime import datetime

from assignments_support import DENIED, LONG_NAME, MANAGEMENT, build, policies
from click.testing import CliRunner

from dormant.cli.main import cli
from dormant_sim import recorder
from dormant_sim.server import Simulation

AS_OF = "2026-03-15T12:00:00Z"  # the `now` fixture


def test_every_pair_is_decided_and_the_denied_account_reported(
    sim: Simulation, now: datetime
) -> None:
    organization = build(sim, now)
    recorder.reset()
    with sim.acting_as(organization.operator), sim.enforcing():
        result = CliRunner().invoke(
            cli, ["assignments", "--as-of", AS_OF, "--format", "json", "--max-days", "90"]
        )
    assert result.exit_code == 3, result.output  # findings, and one account failed
    report = json.loads(result.stdout)
    decided = {
        (f["account_id"], f["permission_set_name"]): (f["compliance"], f["annotation"])
        for f in report["findings"]
    }
    assert decided == {
        ("111111111111", "AdministratorAccess"): (
            "COMPLIANT",
            "Last used in us-east-1 on 2026-03-10 (5 days ago)",
        ),
        ("111111111111", "ReadOnly"): (
            "NON_COMPLIANT",
            "Unused for 200 days by user jdoe. Owner: security.",
        ),
        ("222222222222", "AdministratorAccess"): (
            "NON_COMPLIANT",
            "Never used in 400 days by group Platform-Admins (2 members) and user bwong. "
            "Owner: platform-team.",
        ),
        ("222222222222", LONG_NAME): (
            "COMPLIANT",
            "Last used in us-east-1 on 2026-03-05 (10 days ago)",
        ),
        ("333333333333", "Billing"): (
            "COMPLIANT",
            "Exempt by tag dormant:exempt until 2026-04-30: quarter close",
        ),
        ("333333333333", "ReadOnly"): (
            "NON_COMPLIANT",
            "Unused for 95 days by group Platform-Admins (2 members). Owner: security.",
        ),
    }
    assert [f["account_id"] for f in report["failures"]] == [DENIED]
    assert "AccessDenied" in report["failures"][0]["message"]
    assert f"dormant: account {DENIED} failed: iam:GetAccountAuthorizationDetails" in result.stderr
    calls = recorder.counts()
    # One GAAD page per account, and each principal named once.
    assert calls["iam:GetAccountAuthorizationDetails"] == 4
    assert calls["identitystore:DescribeGroup"] == 1
    assert calls["identitystore:DescribeUser"] == 2


def test_without_a_read_grant_the_run_fails_naming_the_call(sim: Simulation, now: datetime) -> None:
    organization = build(sim, now)
    documents = policies()
    read = documents["AssignmentsRead"]
    for statement in read["Statement"]:
        if statement["Sid"] == "ReadPermissionSetsAndAssignments":
            statement["Action"].remove("sso:ListAccountAssignments")
    operator = sim.principal("narrow-operator", policies={"read": read}, account_id=MANAGEMENT)
    del organization
    with sim.acting_as(operator), sim.enforcing():
        result = CliRunner().invoke(cli, ["assignments", "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "sso:ListAccountAssignments" in result.stderr
    assert "AccessDenied" in result.stderr
