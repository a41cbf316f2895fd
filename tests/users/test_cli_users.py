"""`dormant users`: the real command line, offline and against the simulation on loopback."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dormant_sim import credentials, seed
from dormant_sim.seed import KeySeed, PasswordSeed

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
MEMBER = "111111111111"
DENIED = "333333333333"
ROLE_NAME = "dormant-audit"
AS_OF = "2024-06-01T00:00:00Z"
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
REPORT = "\n".join(
    [
        HEADER,
        "<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,"
        "no_information,not_supported,not_supported,true,true,2021-01-01T00:00:00+00:00,N/A,"
        "N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        "alice,arn:aws:iam::111111111111:user/ops/alice,2023-01-01T00:00:00+00:00,true,"
        "2024-02-01T00:00:00+00:00,2023-02-01T00:00:00+00:00,N/A,false,true,"
        "2024-02-27T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        "bob,arn:aws:iam::111111111111:user/bob,2023-06-01T12:00:00+00:00,false,N/A,N/A,N/A,"
        "false,true,2023-06-01T12:00:00+00:00,2024-05-30T08:00:00+00:00,eu-west-1,s3,false,N/A,"
        "N/A,N/A,N/A,false,N/A,false,N/A",
    ]
)


def test_offline_tsv_is_the_blogs_three_columns(dormant, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text(REPORT + "\n")
    result = dormant("users", "--credential-report", str(report), "--as-of", AS_OF)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "<root_account>\tNON_COMPLIANT\tRoot user has an active access key",
        "alice\tNON_COMPLIANT\tPassword last used 121 days ago; access key 1 never used in 95 days",
        "bob\tCOMPLIANT\tAccess key 1 last used 1 days ago",
    ]


def test_offline_json_from_stdin_takes_the_aws_cli_document(dormant) -> None:
    document = {"Content": base64.b64encode(REPORT.encode()).decode(), "ReportFormat": "text/csv"}
    result = dormant(
        "users",
        "--credential-report",
        "-",
        "--as-of",
        AS_OF,
        "--allow",
        "/ops/*",
        "-f",
        "json",
        input=json.dumps(document),
    )
    assert result.returncode == 1, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["source"] == "credential report <stdin>"
    alice = {f["user_name"]: f for f in parsed["findings"]}["alice"]
    assert alice == {
        "account_id": "111111111111",
        "user_name": "alice",
        "user_id": None,
        "arn": "arn:aws:iam::111111111111:user/ops/alice",
        "path": "/ops/",
        "created": "2023-01-01T00:00:00Z",
        "compliance": "COMPLIANT",
        "reason": "allow_listed",
        "annotation": "User matches allow-list pattern /ops/*",
        "owner": None,
        "credentials": [
            {
                "kind": "password",
                "active": True,
                "created": "2023-02-01T00:00:00Z",
                "last_used": "2024-02-01T00:00:00Z",
                "last_used_region": None,
                "last_used_service": None,
                "days_unused": 121,
                "stale": True,
            },
            {
                "kind": "access_key_1",
                "active": True,
                "created": "2024-02-27T00:00:00Z",
                "last_used": None,
                "last_used_region": None,
                "last_used_service": None,
                "days_unused": 95,
                "stale": True,
            },
        ],
    }
    assert parsed["summary"]["users"] == 3


def test_every_format_renders_and_csv_keeps_credentials_in_one_cell(
    dormant, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    report.write_text(REPORT)
    for fmt in ("table", "markdown", "html"):
        shown = dormant("users", "--credential-report", str(report), "--as-of", AS_OF, "-f", fmt)
        assert shown.returncode == 1, shown.stderr
        assert "alice" in shown.stdout
    out = tmp_path / "users.csv"
    written = dormant("users", "--credential-report", str(report), "--as-of", AS_OF, "-o", str(out))
    assert written.returncode == 1
    assert written.stdout == ""
    rows = {r["user_name"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["alice"]["credentials"] == "password:stale:121d access_key_1:stale:95d"
    assert rows["bob"]["user_id"] == ""


def test_malformed_report_is_one_line_exit_2_and_nothing_written(dormant, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text(REPORT.replace("2024-05-30T08:00:00+00:00", "last-week"))
    out = tmp_path / "out.json"
    result = dormant("users", "--credential-report", str(report), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"dormant: error: credential report {report}: user bob: column "
        "access_key_1_last_used_date: expected an ISO 8601 timestamp, N/A, no_information or "
        "not_supported, got 'last-week'"
    ]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [report]


def test_sources_cannot_be_combined(dormant, tmp_path: Path) -> None:
    result = dormant("users", "--credential-report", "-", "--org", input="")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dormant: error: invalid parameter --org: cannot be combined with --credential-report"
    )


def _seed(sim: Any, account: str, now: datetime) -> None:
    sim.put_user(
        account,
        f"stale-{account}",
        created=now - timedelta(days=400),
        password=PasswordSeed(
            changed=now - timedelta(days=300), last_used=now - timedelta(days=90)
        ),
        keys=[KeySeed(created=now - timedelta(days=200), last_used=now - timedelta(days=60))],
    )
    sim.put_user(
        account,
        "fresh",
        path="/ci/",
        created=now - timedelta(days=100),
        keys=[KeySeed(created=now - timedelta(days=50), last_used=now - timedelta(days=1))],
    )


def test_live_account_reads_the_report_once(dormant, sim_server) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _seed(sim_server, ACCOUNT, now)
    result = dormant("users", "-f", "json", "--as-of", now.isoformat(), env=sim_server.env())
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    found = {f["user_name"]: f for f in document["findings"]}
    stale = found[f"stale-{ACCOUNT}"]
    assert stale["compliance"] == "NON_COMPLIANT"
    assert (
        stale["annotation"] == "Password last used 90 days ago; access key 1 last used 60 days ago"
    )
    assert stale["user_id"]
    assert found["fresh"]["compliance"] == "COMPLIANT"
    assert found["fresh"]["path"] == "/ci/"
    assert found["<root_account>"]["compliance"] == "NOT_APPLICABLE"
    assert sim_server.recorder.calls("iam", "GenerateCredentialReport") == 3
    assert sim_server.recorder.calls("iam", "GetCredentialReport") == 1
    assert sim_server.recorder.calls("iam", "GetAccountAuthorizationDetails") == 1
    assert sim_server.recorder.calls("iam", "GetUser") == 0
    assert sim_server.recorder.calls("iam", "ListUsers") == 0


def test_org_scan_reports_users_and_the_failed_account(dormant, sim_server) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    credentials.set_report_polls(0)
    sim_server.create_organization([MEMBER, DENIED])
    for account in (ACCOUNT, MEMBER, DENIED):
        _seed(sim_server, account, now)
    sim_server.deny_assume_role(DENIED, ROLE_NAME)
    common = ("users", "--org", "--role-name", ROLE_NAME, "--as-of", now.isoformat())
    result = dormant(*common, "-f", "tsv", env=sim_server.env())
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert (
        f"{MEMBER}\tstale-{MEMBER}\tNON_COMPLIANT\t"
        "Password last used 90 days ago; access key 1 last used 60 days ago"
    ) in lines
    assert any(line.startswith(f"{ACCOUNT}\tfresh\tCOMPLIANT\t") for line in lines)
    assert not any(line.startswith(DENIED) for line in lines)
    assert result.stderr.startswith(f"dormant: account {DENIED} failed: sts:AssumeRole")


def test_report_of_the_users_rule_names_user_ids(dormant, sim_server, monkeypatch) -> None:
    from dormant.handler import lambda_handler

    now = datetime.now(UTC).replace(microsecond=0)
    credentials.set_report_polls(0)
    _seed(sim_server, ACCOUNT, now)
    for key, value in sim_server.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    rule = "iam-role-last-used-users"
    event = sim_server.scheduled_event(
        rule,
        ACCOUNT,
        rule_parameters={"resource_type": "AWS::IAM::User"},
        notification_time=now,
    )
    lambda_handler(event, None)
    sim_server.recorder.reset()
    result = dormant("report", "--rule-name", rule, "-f", "tsv", env=sim_server.env())
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert (
        f"stale-{ACCOUNT}\tNON_COMPLIANT\t"
        "Password last used 90 days ago; access key 1 last used 60 days ago"
    ) in lines
    assert "fresh\tCOMPLIANT\tAccess key 1 last used 1 days ago" in lines
    assert not any(line.startswith("AIDA") or line.startswith("<root") for line in lines)
    assert sim_server.recorder.calls("iam", "GetAccountAuthorizationDetails") == 1
    assert sim_server.recorder.calls("iam", "GetCredentialReport") == 0


def test_users_export_to_security_hub_and_ocsf(dormant, tmp_path: Path) -> None:
    # The exports are built from any kind's report lines: users get their own generator,
    # resource type and stable ids, and Security Hub's own API model accepts every finding.
    from asff_support import assert_ocsf_detection_findings, validate_batch_import

    report = tmp_path / "report.csv"
    report.write_text(REPORT)
    common = ("users", "--credential-report", str(report), "--as-of", AS_OF, "--region")
    asff = dormant(*common, "eu-west-1", "-f", "asff")
    assert asff.returncode == 1, asff.stderr
    findings = json.loads(asff.stdout)
    validate_batch_import(findings)
    by_user = {f["Resources"][0]["Id"]: f for f in findings}
    # The root user's row is NON_COMPLIANT (an active key); every finding is a user's.
    assert set(by_user) == {
        "arn:aws:iam::111111111111:root",
        "arn:aws:iam::111111111111:user/ops/alice",
        "arn:aws:iam::111111111111:user/bob",
    }
    for finding in findings:
        assert finding["GeneratorId"] == "dormant/unused-iam-user-credentials"
        assert finding["Resources"][0]["Type"] == "AwsIamUser"
        assert finding["ProductArn"].startswith("arn:aws:securityhub:eu-west-1:111111111111:")
    alice = by_user["arn:aws:iam::111111111111:user/ops/alice"]
    assert alice["Compliance"]["Status"] == "FAILED"
    assert alice["Description"].startswith("Password last used 121 days ago")
    again = json.loads(dormant(*common, "eu-west-1", "-f", "asff").stdout)
    assert [f["Id"] for f in again] == [f["Id"] for f in findings]
    ocsf = dormant(*common, "eu-west-1", "-f", "ocsf")
    lines = [json.loads(line) for line in ocsf.stdout.splitlines()]
    assert_ocsf_detection_findings(lines)
    assert {line["resources"][0]["type"] for line in lines} == {"AWS::IAM::User"}
