"""`dormant permissions` through the real entry point, against the simulation on loopback."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from permissions_support import ACCOUNT, seed_role

from dormant_sim import access

MEMBER = "111111111111"
DENIED = "333333333333"
GENERATE = "iam:GenerateServiceLastAccessedDetails"
GET = "iam:GetServiceLastAccessedDetails"


@pytest.fixture
def now() -> datetime:
    # The simulation stamps nothing itself here, but roles are seeded relative to now.
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _quick_jobs(sim_server: Any) -> None:
    # One IN_PROGRESS poll per job: the backoff (0.5 s) is real in a subprocess.
    access.set_polls_to_complete(1)


def _account(sim_server: Any, now: datetime) -> None:
    seed_role(sim_server, "app", now, used={"s3:GetObject": 3, "sqs": 200})
    seed_role(
        sim_server,
        "busy",
        now,
        actions=("s3:GetObject", "s3:PutObject", "kms:Decrypt"),
        used={"s3:GetObject": 1, "kms": 20},
    )
    seed_role(sim_server, "young", now, age_days=10)
    seed_role(sim_server, "breakglass", now)


def test_json_contract(dormant: Any, sim_server: Any, now: datetime) -> None:
    _account(sim_server, now)
    sim_server.recorder.reset()
    result = dormant(
        "permissions", "--all", "--allow", "/breakglass", "-f", "json", env=sim_server.env()
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["kind"] == "permissions"
    assert document["settings"]["max_days"] == 90
    assert document["failures"] == []
    found = {f["role_name"]: f for f in document["findings"]}
    assert set(found) == {"app", "busy", "young", "breakglass"}
    app = found["app"]
    assert set(app) == {
        "account_id",
        "role_name",
        "role_id",
        "arn",
        "path",
        "compliance",
        "reason",
        "annotation",
        "services",
        "unused_services",
        "proposed_deny",
    }
    assert app["account_id"] == ACCOUNT
    assert app["arn"] == f"arn:aws:iam::{ACCOUNT}:role/app"
    assert app["compliance"] == "NON_COMPLIANT"
    assert app["annotation"] == "2 of 3 granted services unused for more than 90 days: kms, sqs"
    assert app["unused_services"] == ["kms", "sqs"]
    assert app["proposed_deny"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DormantUnusedServices",
                "Effect": "Deny",
                "Action": ["kms:*", "sqs:*"],
                "Resource": "*",
            }
        ],
    }
    services = {s["namespace"]: s for s in app["services"]}
    assert services["kms"] == {
        "namespace": "kms",
        "name": "AWS Key Management Service",
        "last_used": None,
        "last_used_region": None,
        "days_unused": None,
        "unused": True,
        "unused_actions": [],
    }
    assert services["sqs"]["days_unused"] == 200
    assert services["s3"]["last_used_region"] == "eu-west-1"
    assert services["s3"]["last_used"].endswith("Z")
    busy = found["busy"]
    assert busy["compliance"] == "COMPLIANT"
    assert busy["proposed_deny"] is None
    assert {s["namespace"]: s["unused_actions"] for s in busy["services"]}["s3"] == ["s3:PutObject"]
    assert found["young"]["annotation"] == "Role age is 10 days"
    assert found["breakglass"]["reason"] == "allow_listed"
    # Per role read: 1 generate + 2 polls (one IN_PROGRESS), one page; nothing else.
    assert sim_server.recorder.counts() == {
        "iam:GetAccountAuthorizationDetails": 1,
        "sts:GetCallerIdentity": 1,
        GENERATE: 2,
        GET: 4,
    }


def test_named_roles_and_a_missing_one(dormant: Any, sim_server: Any, now: datetime) -> None:
    _account(sim_server, now)
    sim_server.recorder.reset()
    result = dormant("permissions", "app", "nosuch", "-f", "tsv", env=sim_server.env())
    assert result.returncode == 3
    assert result.stdout.splitlines() == [
        "app\tNON_COMPLIANT\t2 of 3 granted services unused for more than 90 days: kms, sqs"
    ]
    assert result.stderr.splitlines() == [
        f"dormant: failed: role nosuch does not exist in account {ACCOUNT}"
    ]
    counts = sim_server.recorder.counts()
    assert counts["iam:GetRole"] == 2
    assert "iam:GetAccountAuthorizationDetails" not in counts


def test_one_role_failing_leaves_the_others_reported(
    dormant: Any, sim_server: Any, now: datetime
) -> None:
    _account(sim_server, now)
    access.fail_jobs("app", message="Service is busy")
    sim_server.inject_error(
        "iam",
        "GenerateServiceLastAccessedDetails",
        "AccessDenied",
        "not authorized to perform iam:GenerateServiceLastAccessedDetails",
        status=403,
        when=lambda params: str(params.get("Arn", "")).endswith("role/busy"),
    )
    result = dormant("permissions", "--all", "-f", "json", env=sim_server.env())
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert sorted(f["role_name"] for f in document["findings"]) == ["breakglass", "young"]
    failures = sorted(document["failures"], key=lambda f: f["message"])
    assert [f["operation"] for f in failures] == [
        f"{GENERATE} of role busy",
        f"{GET} of role app",
    ]
    stderr = sorted(result.stderr.splitlines())
    assert stderr[0] == (
        f"dormant: failed: {GENERATE} of role busy in account {ACCOUNT} denied: AccessDenied: "
        "not authorized to perform iam:GenerateServiceLastAccessedDetails"
    )
    assert "job" in stderr[1]
    assert "FAILED: JobFailed: Service is busy" in stderr[1]


def test_every_format(dormant: Any, sim_server: Any, now: datetime, tmp_path: Path) -> None:
    _account(sim_server, now)
    env = sim_server.env()
    html = dormant("permissions", "app", "busy", "-o", str(tmp_path / "r.html"), env=env)
    assert html.returncode == 1, html.stderr
    page = (tmp_path / "r.html").read_text()
    assert "<title>dormant permissions: 1 unused roles</title>" in page
    for header in ("Granted", "Unused services", "Used services"):
        assert f">{header}<" in page or f">{header} " in page
    assert "kms, sqs" in page
    table = dormant("permissions", "app", "busy", "-f", "table", env=env)
    assert "kms, sqs" in table.stdout
    markdown = dormant("permissions", "app", "busy", "-f", "markdown", env=env)
    assert "# dormant permissions" in markdown.stdout
    assert "| `app` | **NON_COMPLIANT** | 3 | kms, sqs | s3 |" in markdown.stdout
    rows = list(
        csv.DictReader(io.StringIO(dormant("permissions", "app", "-f", "csv", env=env).stdout))
    )
    assert rows[0]["unused_services"] == "kms sqs"
    assert json.loads(rows[0]["proposed_deny"])["Statement"][0]["Action"] == ["kms:*", "sqs:*"]
    assert json.loads(rows[0]["services"])[0]["namespace"] == "kms"


def test_accounts_file_reads_each_account(
    dormant: Any, sim_server: Any, now: datetime, tmp_path: Path
) -> None:
    seed_role(sim_server, "app", now, used={"s3": 1, "kms": 1, "sqs": 1})
    seed_role(sim_server, "app", now, account_id=MEMBER, used={"s3": 1})
    seed_role(sim_server, "other", now, account_id=MEMBER)
    sim_server.put_role(MEMBER, "dormant-audit", created=now)
    sim_server.deny_assume_role(DENIED, "dormant-audit")
    accounts = tmp_path / "accounts.txt"
    accounts.write_text(f"{ACCOUNT}\n{MEMBER}\n{DENIED}\n")
    result = dormant(
        "permissions",
        "app",
        "--accounts",
        str(accounts),
        "--role-name",
        "dormant-audit",
        "-f",
        "json",
        env=sim_server.env(),
    )
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert [(f["account_id"], f["role_name"], f["compliance"]) for f in document["findings"]] == [
        (MEMBER, "app", "NON_COMPLIANT"),
        (ACCOUNT, "app", "COMPLIANT"),
    ]
    assert [(f["account_id"], f["operation"]) for f in document["failures"]] == [
        (DENIED, "sts:AssumeRole")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "invalid parameter ROLE_NAME: name one or more roles, or pass --all"),
        (("app", "--all"), "invalid parameter --all: cannot be combined with role names"),
        (("/service/app",), "give the role's plain name, without its path"),
        (("--all", "--max-days", "-1"), "invalid parameter --max-days"),
        (("--all", "--workers", "0"), "invalid parameter --workers"),
        (("--all", "--org", "--accounts", "x"), "invalid parameter --accounts"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    dormant: Any, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    target = tmp_path / "out.json"
    result = dormant("permissions", *args, "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.startswith("dormant: error: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not target.exists()


def test_help_lists_the_command(dormant: Any) -> None:
    result = dormant("--help")
    assert "permissions  Find unused services in used roles." in result.stdout


def test_org_reads_every_active_account(dormant: Any, sim_server: Any, now: datetime) -> None:
    sim_server.create_organization([MEMBER])
    seed_role(sim_server, "app", now, used={"s3": 1, "kms": 1, "sqs": 1})
    seed_role(sim_server, "member-app", now, account_id=MEMBER, used={"s3": 1})
    sim_server.put_role(MEMBER, "dormant-audit", created=now)
    result = dormant(
        "permissions",
        "--all",
        "--org",
        "--role-name",
        "dormant-audit",
        "-f",
        "tsv",
        env=sim_server.env(),
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"{ACCOUNT}\tapp\tCOMPLIANT\tAll 3 granted services used within 90 days" in lines
    assert (
        f"{MEMBER}\tmember-app\tNON_COMPLIANT\t"
        "2 of 3 granted services unused for more than 90 days: kms, sqs"
    ) in lines
    assert result.stderr == ""


def test_a_window_longer_than_iam_keeps_service_access_is_refused(dormant: Any) -> None:
    result = dormant("permissions", "--all", "--max-days", "500")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dormant: error: invalid parameter --max-days: 500 days is longer than IAM tracks "
        "service last access (400 days): anything used longer ago would read as never used; "
        "use at most 400"
    )
    assert "Traceback" not in result.stderr


def test_report_names_the_roles_of_the_permissions_rule(
    dormant: Any, sim_server: Any, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dormant.handler import lambda_handler

    _account(sim_server, now)
    for key, value in sim_server.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    rule = "iam-role-last-used-permissions"
    event = sim_server.scheduled_event(
        rule,
        ACCOUNT,
        notification_time=now,
        rule_parameters={"kind": "permissions", "role_whitelist": "/breakglass"},
    )
    assert lambda_handler(event, None)["roles"] == 4
    result = dormant("report", "--rule-name", rule, "-f", "tsv", env=sim_server.env())
    assert result.returncode == 1, result.stderr
    assert sorted(result.stdout.splitlines()) == [
        "app\tNON_COMPLIANT\t2 of 3 granted services unused for more than 90 days: kms, sqs",
        "breakglass\tCOMPLIANT\tRole matches allow-list pattern /breakglass",
        "busy\tCOMPLIANT\tAll 2 granted services used within 90 days",
        "young\tCOMPLIANT\tRole age is 10 days",
    ]
