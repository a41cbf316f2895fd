"""`dormant scan --accounts ... --role-name` with the organization set-up's own roles, enforced.

The scan runs as a subprocess against the loopback simulation, as a session of the central
function's role (template.yaml with ExecutionRoleName and OrganizationId: the template refuses
the one without the other), and
assumes in each member account the execution role of deploy/org-member.yaml: both roles hold
exactly their templates' policies and the member role exactly its trust policy.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from deploy_support import MAIN_TEMPLATE, MEMBER_TEMPLATE
from e2e_support import Stack, deployed_role, without_action

from dormant_sim.enforcement import PrincipalCredentials
from dormant_sim.server import SimulatedAws

CENTRAL = "123456789012"
MEMBERS = ("222222222222", "333333333333")
EXECUTION_ROLE = "dormant-rule-execution"
AS_OF = "2026-03-15T12:00:00Z"  # the `now` fixture


def _organization(server: SimulatedAws, members: tuple[str, ...] = MEMBERS) -> str:
    server.create_organization(members)
    return str(server.client("organizations").describe_organization()["Organization"]["Id"])


def _central(
    server: SimulatedAws, organization_id: str, **policies: object
) -> PrincipalCredentials:
    overrides = {"ExecutionRoleName": EXECUTION_ROLE, "OrganizationId": organization_id}
    log_group = f"arn:aws:logs:us-east-1:{CENTRAL}:log-group:/aws/lambda/iam-role-last-used:*"
    stack = Stack.of(MAIN_TEMPLATE, overrides, {"LambdaLogGroup.Arn": log_group})
    documents = stack.role_policies("LambdaExecutionRole")
    if "without" in policies:
        documents = without_action(documents, str(policies["without"]))
    return deployed_role(server, stack, "LambdaExecutionRole", policies=documents)


def _members(server: SimulatedAws, now: datetime, central_role_arn: str) -> None:
    for account in MEMBERS:
        stack = Stack.of(
            MEMBER_TEMPLATE,
            {
                "CentralFunctionArn": f"arn:aws:lambda:us-east-1:{CENTRAL}:function:x",
                "CentralFunctionRoleArn": central_role_arn,
                "ExecutionRoleName": EXECUTION_ROLE,
            },
            {"AWS::AccountId": account},
        )
        props = stack.resources["MemberExecutionRole"]["Properties"]
        server.put_role(
            account,
            stack.rendered(props["RoleName"]),
            created=now - timedelta(days=30),
            trust_policy=stack.rendered(props["AssumeRolePolicyDocument"]),
            inline_policies=stack.role_policies("MemberExecutionRole"),
        )
        server.put_role(account, f"stale-{account}", created=now - timedelta(days=300))


def _scan(server: SimulatedAws, credentials: PrincipalCredentials, accounts: Path) -> str:
    with server.enforcing():
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "dormant",
                "scan",
                "--accounts",
                str(accounts),
                "--role-name",
                EXECUTION_ROLE,
                "--as-of",
                AS_OF,
                "--format",
                "tsv",
            ],
            capture_output=True,
            text=True,
            env=server.env(credentials=credentials),
            timeout=120,
            check=False,
        )
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_the_central_role_reads_every_member_through_its_execution_role(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    central = _central(sim_server, _organization(sim_server))
    central_role_arn = f"arn:aws:iam::{CENTRAL}:role/iam-role-last-used-lambda-us-east-1"
    _members(sim_server, now, central_role_arn)
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("\n".join(MEMBERS) + "\n", encoding="utf-8")

    output = _scan(sim_server, central, accounts)

    assert output.startswith("exit 1\n"), output  # findings, no failed account
    for account in MEMBERS:
        assert f"stale-{account}" in output
    assert "AccessDenied" not in output


def test_the_scan_fails_the_accounts_without_the_assume_role_grant(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    central = _central(sim_server, _organization(sim_server), without="sts:AssumeRole")
    central_role_arn = f"arn:aws:iam::{CENTRAL}:role/iam-role-last-used-lambda-us-east-1"
    _members(sim_server, now, central_role_arn)
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("\n".join(MEMBERS) + "\n", encoding="utf-8")

    output = _scan(sim_server, central, accounts)

    assert output.startswith("exit 3\n"), output  # an account that cannot be read
    assert "AccessDenied" in output
    assert "stale-" not in output.split("\n", 1)[1].split("\n\n")[0]


def test_the_member_role_trusts_only_the_central_functions_role(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    central = _central(sim_server, _organization(sim_server))
    # IAM refuses a trust policy naming a role that does not exist: the other role is real.
    sim_server.put_role(CENTRAL, "some-other-role", created=now - timedelta(days=30))
    _members(sim_server, now, f"arn:aws:iam::{CENTRAL}:role/some-other-role")
    accounts = tmp_path / "accounts.txt"
    accounts.write_text(MEMBERS[0] + "\n", encoding="utf-8")

    output = _scan(sim_server, central, accounts)

    assert output.startswith("exit 3\n"), output
    assert "AccessDenied" in output


def test_with_an_organization_id_an_account_outside_it_is_not_read(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    central = _central(sim_server, _organization(sim_server, MEMBERS[:1]))
    _members(sim_server, now, f"arn:aws:iam::{CENTRAL}:role/iam-role-last-used-lambda-us-east-1")
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("\n".join(MEMBERS) + "\n", encoding="utf-8")

    output = _scan(sim_server, central, accounts)

    assert output.startswith("exit 3\n"), output
    assert f"stale-{MEMBERS[0]}" in output
    assert f"account {MEMBERS[1]} failed" in output
    assert f"account {MEMBERS[0]} failed" not in output
