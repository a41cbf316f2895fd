"""`dormant users` and `dormant permissions` with `--source access-analyzer` across an
organization: the real command in a subprocess against the simulated AWS, under IAM enforcement
with exactly the policies docs/aws-findings.md documents (checked against IAM's service
reference).

The management account's organization analyzer reports users and roles in three accounts; the
member role of one account does not trust the caller, so that account's AssumeRole and each
AWS finding there are failures naming it, and the other accounts are joined, each with
dormant's decision in its own account.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.deploy.policy_reference import PolicyKind, check_policy
from tests.permissions.permissions_support import seed_role

from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY
from dormant_sim import access_analyzer, seed
from dormant_sim.seed.users import KeySeed, PasswordSeed
from dormant_sim.server import SimulatedAws

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
MEMBER = "111111111111"
DENIED = "333333333333"
ROLE_NAME = "dormant-audit"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "aws-findings.md"
LISTED = "access-analyzer:ListFindingsV2"


def documented(marker: str, account: str = ACCOUNT) -> dict[str, Any]:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```json\n(.*?)\n```", text, re.S)
    assert match is not None, f"docs/aws-findings.md no longer documents {marker}"
    rendered = (
        match.group(1)
        .replace("<region>", "us-east-1")
        .replace("<account-id>", account)
        .replace("<member-role>", ROLE_NAME)
    )
    policy: dict[str, Any] = json.loads(rendered)
    return policy


def administrator_policy(command: str) -> dict[str, Any]:
    """What the docs say the administrator holds: the command's policy and the organization's
    ListTheAccounts and ReadEachMember statements."""
    policy = documented(f"access-analyzer-{command}-policy")
    organization = documented("organization-scan-policy")["Statement"]
    policy["Statement"] += [
        s for s in organization if s["Sid"] in ("ListTheAccounts", "ReadEachMember")
    ]
    return policy


@pytest.mark.parametrize("marker", ["member-users-read-policy", "member-permissions-read-policy"])
def test_the_documented_member_policies_hold_to_iams_service_reference(marker: str) -> None:
    assert [str(v) for v in check_policy(documented(marker), PolicyKind.IDENTITY)] == []


def _organization(sim: SimulatedAws, member_policy: dict[str, Any] | None = None) -> None:
    """Three accounts, the caller's the management account, holding the organization
    analyzer; the member role of DENIED trusts only its own account."""
    sim.create_organization([MEMBER, DENIED])
    for account, trusted in ((MEMBER, ACCOUNT), (DENIED, DENIED)):
        sim.principal(
            ROLE_NAME,
            account_id=account,
            policies=[member_policy or documented("member-users-read-policy", account)],
            trust=seed.trust_policy_for_account(trusted),
        )
    access_analyzer.create_analyzer(
        ACCOUNT,
        "organization",
        analyzer_type="ORGANIZATION_UNUSED_ACCESS",
        endpoint_url=sim.endpoint_url,
    )


def _users(sim: SimulatedAws, now: datetime) -> None:
    old = now - timedelta(days=400)
    for account in (ACCOUNT, MEMBER, DENIED):
        sim.put_user(account, f"idle-{account}", created=old, keys=[KeySeed(created=old)])
        sim.put_user(account, "busy", created=old, keys=[KeySeed(created=old, last_used=now)])
    # Two keys: only GetFindingV2 (the caller's) and ListAccessKeys (the member's) tell them.
    sim.put_user(
        MEMBER,
        "two",
        created=old,
        keys=[KeySeed(created=old), KeySeed(created=old + timedelta(days=1))],
    )
    sim.put_user(
        MEMBER,
        "kept",
        created=old,
        password=PasswordSeed(changed=old),
        tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"},
    )


def _run(
    sim: SimulatedAws, caller: Any, command: str, *args: str
) -> subprocess.CompletedProcess[str]:
    with sim.enforcing():
        return subprocess.run(
            [sys.executable, "-m", "dormant", command, "--source", "access-analyzer", *args],
            capture_output=True,
            text=True,
            env=sim.env(credentials=caller),
            timeout=120,
            check=False,
        )


def _administrator(sim: SimulatedAws, command: str) -> Any:
    return sim.principal(
        "findings-administrator", kind="user", policies=[administrator_policy(command)]
    )


def _denied_member_failures(report: dict[str, Any], noun: str) -> None:
    failures = [(f["account_id"], f["operation"]) for f in report["failures"]]
    assert failures == [(DENIED, "sts:AssumeRole"), (DENIED, LISTED)]
    message = report["failures"][1]["message"]
    assert f"AWS reports 1 {noun} in account {DENIED}, which dormant cannot reach" in message


def test_users_of_an_organization_analyzer_over_three_accounts_one_denying_the_member_role(
    sim_server: SimulatedAws,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _organization(sim_server)
    _users(sim_server, now)
    access_analyzer.analyze(now - timedelta(days=1))
    caller = _administrator(sim_server, "users")
    result = _run(
        sim_server, caller, "users", "--org", "--role-name", ROLE_NAME, "--max-days", "90",
        "-f", "json",
    )  # fmt: skip
    assert result.returncode == 3, result.stderr  # an account failed: the louder news
    report = json.loads(result.stdout)
    joined = {
        (f["account_id"], f["user_name"], f["aws_credential"]): f["disagreement"]
        for f in report["findings"]
    }
    assert joined == {
        (ACCOUNT, f"idle-{ACCOUNT}", "access_key_1"): None,
        (MEMBER, f"idle-{MEMBER}", "access_key_1"): None,
        (MEMBER, "two", "access_key_1"): None,
        (MEMBER, "two", "access_key_2"): None,
        (MEMBER, "kept", "password"): "exempt by tag until 2099-01-31",
    }
    two = [f["aws_finding"] for f in report["findings"] if f["user_name"] == "two"]
    assert all(aws["access_key_id"] is not None for aws in two)  # the caller's GetFindingV2
    assert {aws["account_id"] for aws in two} == {MEMBER}
    _denied_member_failures(report, "unused user credential")
    assert report["source"].endswith(f"access-analyzer {two[0]['analyzer_arn']}")
    stderr = result.stderr.splitlines()
    assert any(DENIED in line and "cannot reach" in line for line in stderr), result.stderr
    # The table says the same, one line per AWS finding.
    table = _run(sim_server, caller, "users", "--org", "--role-name", ROLE_NAME, "-f", "table")
    assert table.returncode == 3, table.stderr
    lines = table.stdout.splitlines()
    assert any(f"idle-{MEMBER}" in line and "yes" in line for line in lines), table.stdout
    assert not any(line.startswith(DENIED) for line in lines)  # no row: its failures instead
    assert any(line.startswith(f"FAILED account {DENIED}: {LISTED}") for line in lines)


def test_a_member_that_cannot_list_its_keys_fails_alone(sim_server: SimulatedAws) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    member_policy = documented("member-users-read-policy", MEMBER)
    member_policy["Statement"] = [
        s for s in member_policy["Statement"] if s["Sid"] != "ReadKeysOfUsersWithTwo"
    ]
    _organization(sim_server, member_policy)
    _users(sim_server, now)
    access_analyzer.analyze(now - timedelta(days=1))
    caller = _administrator(sim_server, "users")
    result = _run(sim_server, caller, "users", "--org", "--role-name", ROLE_NAME, "-f", "json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert {(f["account_id"], f["user_name"]) for f in report["findings"]} == {
        (ACCOUNT, f"idle-{ACCOUNT}")
    }
    by_account = [(f["account_id"], f["operation"]) for f in report["failures"]]
    assert by_account == [
        (DENIED, "sts:AssumeRole"),
        (MEMBER, "iam:ListAccessKeys"),
        (MEMBER, LISTED),
        (DENIED, LISTED),
    ]
    assert (
        "AWS reports 4 unused user credentials in account 111111111111"
        in (report["failures"][2]["message"])
    )


def test_a_finding_whose_details_the_administrator_cannot_read_fails_its_account_alone(
    sim_server: SimulatedAws,
) -> None:
    """GetFindingV2 is the administrator's call about a member's finding: refused, only the
    account of the two-key user fails (its findings named), and the others are joined."""
    now = datetime.now(UTC).replace(microsecond=0)
    _organization(sim_server)
    _users(sim_server, now)
    access_analyzer.analyze(now - timedelta(days=1))
    policy = administrator_policy("users")
    for statement in policy["Statement"]:
        if statement["Sid"] == "ReadItsFindings":
            statement["Action"] = ["access-analyzer:ListFindings"]
    caller = sim_server.principal("findings-administrator", kind="user", policies=[policy])
    result = _run(sim_server, caller, "users", "--org", "--role-name", ROLE_NAME, "-f", "json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert {(f["account_id"], f["user_name"]) for f in report["findings"]} == {
        (ACCOUNT, f"idle-{ACCOUNT}")
    }
    failures = [(f["account_id"], f["operation"]) for f in report["failures"]]
    assert failures == [
        (DENIED, "sts:AssumeRole"),
        (MEMBER, "access-analyzer:GetFinding"),
        (MEMBER, LISTED),
        (DENIED, LISTED),
    ]
    assert "AccessDenied" in report["failures"][1]["message"]


def test_accounts_narrow_users_findings_to_the_listed_accounts(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _organization(sim_server)
    _users(sim_server, now)
    access_analyzer.analyze(now - timedelta(days=1))
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"{MEMBER}\n", encoding="utf-8")
    caller = _administrator(sim_server, "users")
    result = _run(
        sim_server, caller, "users", "--accounts", str(listing), "--role-name", ROLE_NAME,
        "-f", "json",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {f["account_id"] for f in report["findings"]} == {MEMBER}
    assert report["failures"] == []


def _roles(sim: SimulatedAws, now: datetime) -> None:
    """A role of the same name in each account, allowed kms and sqs it never uses; one
    exempt role in the member."""
    for account in (ACCOUNT, MEMBER, DENIED):
        seed_role(
            sim,  # type: ignore[arg-type]
            "app",
            now,
            actions=("s3:GetObject", "kms:Decrypt", "sqs:SendMessage"),
            used={"s3:GetObject": 3},
            account_id=account,
        )
    seed_role(
        sim,  # type: ignore[arg-type]
        "kept",
        now,
        actions=("kms:Decrypt",),
        tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"},
        account_id=MEMBER,
    )
    # Allowed kms and used it: no finding, and not decided (only flagged roles are).
    seed_role(sim, "busy", now, actions=("kms:Decrypt",), used={"kms": 2}, account_id=MEMBER)  # type: ignore[arg-type]


def test_permissions_of_an_organization_analyzer_over_three_accounts_one_denying_the_member_role(
    sim_server: SimulatedAws,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _organization(sim_server, documented("member-permissions-read-policy"))
    _roles(sim_server, now)
    access_analyzer.analyze(now - timedelta(days=1))
    caller = _administrator(sim_server, "permissions")
    result = _run(
        sim_server, caller, "permissions", "--org", "--role-name", ROLE_NAME, "-f", "json"
    )
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    rows = {(f["account_id"], f["role_name"]): f for f in report["findings"]}
    assert {key: row["disagreement"] for key, row in rows.items()} == {
        (ACCOUNT, "app"): None,
        (MEMBER, "app"): None,
        (MEMBER, "kept"): "exempt by tag until 2099-01-31",
    }
    member_app = rows[(MEMBER, "app")]
    assert member_app["arn"] == f"arn:aws:iam::{MEMBER}:role/app"
    assert member_app["unused_services"] == ["kms", "sqs"]  # decided in the member account
    # The caller's GetFindingV2 for a role whose services dormant weighed; none for the exempt.
    assert sorted(s["namespace"] for s in member_app["aws_finding"]["services"]) == ["kms", "sqs"]
    assert rows[(MEMBER, "kept")]["aws_finding"]["services"] == []
    _denied_member_failures(report, "role with unused permissions")
    table = _run(
        sim_server, caller, "permissions", "--org", "--role-name", ROLE_NAME, "-f", "table"
    )
    assert table.returncode == 3, table.stderr
    assert any(MEMBER in line and " app " in f" {line} " for line in table.stdout.splitlines())
    assert f"account {DENIED}" in table.stderr


def test_role_names_and_accounts_narrow_the_flagged_roles(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _organization(sim_server, documented("member-permissions-read-policy"))
    _roles(sim_server, now)
    access_analyzer.analyze(now - timedelta(days=1))
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"{MEMBER}\n{ACCOUNT}\n", encoding="utf-8")
    caller = _administrator(sim_server, "permissions")
    result = _run(
        sim_server, caller, "permissions", "kept", "--accounts", str(listing),
        "--role-name", ROLE_NAME, "-f", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(f["account_id"], f["role_name"]) for f in report["findings"]] == [(MEMBER, "kept")]
    assert report["failures"] == []


@pytest.mark.parametrize("option", ["--org", "--accounts"])
def test_retire_with_a_source_stays_in_the_account_it_runs_in(dormant: Any, option: str) -> None:
    # An organization analyzer's findings are readable only from its owner account, and the
    # deployed campaign runs in each account: retire has no way across accounts.
    result = dormant("retire", "--source", "access-analyzer", option, "accounts.txt")
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"no such option '{option}'" in result.stderr
