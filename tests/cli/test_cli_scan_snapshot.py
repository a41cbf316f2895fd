"""`dormant scan --snapshot` end to end: every format, stdin, both AWS CLI date styles."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

AS_OF = "2024-06-01T00:00:00Z"

EXPECTED_TSV = [
    "AdminRole\tCOMPLIANT\tWas last used in us-west-2 46 days ago",
    "breakglass-role\tNON_COMPLIANT\tNo record of usage. Owner: security-team.",
    "LegacyDeployRole\tNON_COMPLIANT\tNo record of usage. Owner: unknown.",
    "ReadOnlyAuditRole\tNON_COMPLIANT\tWas last used in us-east-1 211 days ago. Owner: compliance.",
    "PartnerDataExchange\tNON_COMPLIANT\tWas last used in eu-west-1 246 days ago",
    "GitHubActionsDeploy\tNON_COMPLIANT\tWas last used in us-east-1 120 days ago. "
    "Owner: webapp-team.",
    "SSOReadOnly\tCOMPLIANT\tWas last used in eu-central-1 11 days ago",
    "app-server-role\tCOMPLIANT\tWas last used in eu-west-1 0 days ago",
    "nightly-report-lambda\tNON_COMPLIANT\tWas last used in us-east-1 132 days ago",
    "codebuild-webapp-service-role\tNON_COMPLIANT\tWas last used in eu-central-1 77 days ago",
    "data-pipeline-etl\tCOMPLIANT\tRole age is 21 days",
    "AWSServiceRoleForSupport\tNOT_APPLICABLE\tService-linked role: AWS manages it and users "
    "cannot delete or quarantine it",
    "AWSServiceRoleForOrganizations\tNOT_APPLICABLE\tService-linked role: AWS manages it and "
    "users cannot delete or quarantine it",
]


def test_tsv_is_the_blog_report_in_file_order(dormant, example: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "--format", "tsv")
    assert result.stdout.splitlines() == EXPECTED_TSV
    assert result.returncode == 1  # non-compliant roles found
    assert result.stderr == ""


def test_tsv_is_the_default_when_stdout_is_not_a_terminal(dormant, example: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF)
    assert result.stdout.splitlines() == EXPECTED_TSV


def test_stdin_snapshot(dormant, example: Path) -> None:
    result = dormant(
        "scan", "--snapshot", "-", "--as-of", AS_OF, "-f", "tsv", input=example.read_text()
    )
    assert result.stdout.splitlines() == EXPECTED_TSV
    assert result.returncode == 1


def test_cli_v2_dates_read_like_v1(dormant, example: Path, tmp_path: Path) -> None:
    text = example.read_text()
    v2 = text.replace('Z"', '+00:00"')
    assert v2 != text
    assert '00Z"' not in v2
    path = tmp_path / "v2.json"
    path.write_text(v2)
    v1_out = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json")
    v2_out = dormant("scan", "--snapshot", str(path), "--as-of", AS_OF, "-f", "json")
    v1_findings = json.loads(v1_out.stdout)["findings"]
    v2_findings = json.loads(v2_out.stdout)["findings"]
    assert v1_findings == v2_findings
    assert v2_findings[0]["last_used"] == "2024-04-15T13:05:21Z"


def test_json_fields_summary_and_settings(dormant, example: Path) -> None:
    result = dormant(
        "scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json", "--max-days", "90"
    )
    document = json.loads(result.stdout)
    assert document["generated_at"] == AS_OF
    assert document["settings"] == {
        "max_days": 90,
        "allow_patterns": [],
        "include_service_linked": False,
        "exempt_tag_key": "dormant:exempt",
        "owner_tag_keys": ["owner", "Owner", "team", "Team"],
        "as_of": AS_OF,
    }
    assert document["failures"] == []
    by_name = {f["role_name"]: f for f in document["findings"]}
    assert len(by_name) == 13
    assert by_name["ReadOnlyAuditRole"] == {
        "account_id": "111111111111",
        "role_name": "ReadOnlyAuditRole",
        "role_id": "AROAEXAMPLEAUDITOR004",
        "arn": "arn:aws:iam::111111111111:role/ReadOnlyAuditRole",
        "path": "/",
        "created": "2022-02-03T11:00:00Z",
        "last_used": "2023-11-02T08:30:00Z",
        "last_used_region": "us-east-1",
        "days_unused": 211,
        "age_days": 848,
        "compliance": "NON_COMPLIANT",
        "reason": "unused",
        "annotation": "Was last used in us-east-1 211 days ago. Owner: compliance.",
        "owner": "compliance",
        "managed_by": None,
        "hint": None,
        "risk_score": 2,
        "admin": False,
        "trusted_services": [],
        "trusted_accounts": ["222222222222"],
        "trusted_federated": [],
        # A snapshot is read once, its iam references looked at on the way (the default).
        "references": [],
        "references_checked": {"sources": ["iam"], "not_covered": []},
    }
    never = by_name["LegacyDeployRole"]
    assert (never["last_used"], never["days_unused"], never["admin"]) == (None, None, True)
    # 77 and 120 days are within a 90-day window; 120 is not.
    assert by_name["codebuild-webapp-service-role"]["compliance"] == "COMPLIANT"
    assert by_name["GitHubActionsDeploy"]["compliance"] == "NON_COMPLIANT"
    assert document["summary"] == {
        "roles": 13,
        "compliant": 5,
        "non_compliant": 6,
        "not_applicable": 2,
        "non_compliant_admin": 2,
        "exempt": 0,
        "accounts": 1,
        "failed_accounts": 0,
        "not_yet_created": 0,
    }


def test_csv_has_a_header_and_one_row_per_role(dormant, example: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 13
    assert result.stdout.splitlines()[0].startswith(
        "account_id,role_name,role_id,arn,path,created,last_used,last_used_region,days_unused,"
    )
    partner = next(r for r in rows if r["role_name"] == "PartnerDataExchange")
    assert partner["trusted_accounts"] == "*"
    assert partner["days_unused"] == "246"
    assert partner["created"] == "2022-08-14T10:20:30Z"
    never = next(r for r in rows if r["role_name"] == "breakglass-role")
    assert (never["last_used"], never["days_unused"], never["admin"]) == ("", "", "true")


def test_allow_list_and_service_linked_options(dormant, example: Path) -> None:
    result = dormant(
        "scan",
        "--snapshot",
        str(example),
        "--as-of",
        AS_OF,
        "-f",
        "tsv",
        "--allow",
        "/breakglass-role|/service-role/*",
        "--include-service-linked",
    )
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert lines["breakglass-role"] == "COMPLIANT\tRole matches allow-list pattern /breakglass-role"
    assert lines["nightly-report-lambda"].startswith("COMPLIANT\tRole matches allow-list pattern")
    assert lines["AWSServiceRoleForSupport"] == "NON_COMPLIANT\tNo record of usage"
    assert lines["AWSServiceRoleForOrganizations"].startswith("COMPLIANT\tWas last used")


def test_exit_code_zero_when_nothing_is_non_compliant(dormant, example: Path) -> None:
    # The two roles never used are allow-listed; every other one was used or created
    # within the longest window IAM can see.
    result = dormant(
        "scan",
        "--snapshot",
        str(example),
        "--as-of",
        AS_OF,
        "-f",
        "tsv",
        "--max-days",
        "400",
        "--allow",
        "/breakglass-role|*/LegacyDeployRole",
    )
    assert result.returncode == 0
    assert "NON_COMPLIANT" not in result.stdout
    assert len(result.stdout.splitlines()) == 13


def test_table_and_markdown_put_the_riskiest_non_compliant_first(dormant, example: Path) -> None:
    table = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "table")
    body = [line for line in table.stdout.splitlines() if "COMPLIANT" in line]
    assert body[0].split()[:3] == ["LegacyDeployRole", "NON_COMPLIANT", "never"]
    assert "\x1b[" not in table.stdout  # no colour codes when not on a terminal
    assert "13 roles: 7 non-compliant (2 with admin power)" in table.stdout
    markdown = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "markdown")
    rows = [line for line in markdown.stdout.splitlines() if line.startswith("| `")]
    assert rows[0].startswith("| `LegacyDeployRole` | **NON_COMPLIANT** | never | admin |")
    assert rows[-1].startswith("| `AWSServiceRoleForOrganizations` | NOT_APPLICABLE |")


def test_output_file_format_from_suffix(dormant, example: Path, tmp_path: Path) -> None:
    target = tmp_path / "findings.json"
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-o", str(target))
    assert result.stdout == ""
    assert result.returncode == 1
    assert len(json.loads(target.read_text())["findings"]) == 13
    assert [p.name for p in tmp_path.iterdir()] == ["findings.json"]  # no temporary left
