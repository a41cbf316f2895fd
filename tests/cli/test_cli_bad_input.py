"""Bad input: exit 2, one line on stderr naming the culprit, no traceback, no output file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

AS_OF = "2024-06-01T00:00:00Z"


def _assert_one_line_error(result, *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dormant: error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr


def _broken_snapshots(example: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    not_json = tmp_path / "not-json.json"
    not_json.write_text("this is not JSON\n")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(example.read_text()[:5000])
    no_roles = tmp_path / "no-roles.json"
    no_roles.write_text('{"UserDetailList": [], "Policies": []}')
    document = json.loads(example.read_text())
    del document["RoleDetailList"][3]["CreateDate"]
    no_create = tmp_path / "no-create-date.json"
    no_create.write_text(json.dumps(document))
    return {
        "missing": (tmp_path / "missing.json", "missing.json"),
        "not_json": (not_json, "not-json.json"),
        "truncated": (truncated, "truncated.json"),
        "no_roles": (no_roles, "RoleDetailList"),
        "no_create": (no_create, "ReadOnlyAuditRole"),
    }


@pytest.mark.parametrize("case", ["missing", "not_json", "truncated", "no_roles", "no_create"])
@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_bad_snapshot(dormant, example: Path, tmp_path: Path, case: str, fmt: str) -> None:
    path, needle = _broken_snapshots(example, tmp_path)[case]
    target = tmp_path / f"out.{fmt}"
    result = dormant("scan", "--snapshot", str(path), "--as-of", AS_OF, "-o", str(target))
    _assert_one_line_error(result, needle)
    if case == "no_create":
        assert "CreateDate" in result.stderr
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_bad_snapshot_on_stdout_writes_nothing(dormant, tmp_path: Path) -> None:
    result = dormant("scan", "--snapshot", str(tmp_path / "missing.json"), "-f", "json")
    _assert_one_line_error(result, "missing.json", "no such file")
    assert result.stdout == ""


def test_bad_stdin(dormant) -> None:
    result = dormant("scan", "--snapshot", "-", "-f", "tsv", input="[1, 2]")
    _assert_one_line_error(result, "<stdin>")


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--max-days", "-3", "--max-days"),
        ("--max-days", "sixty", "--max-days"),
        ("--max-days", "401", "IAM tracks role last use (400 days)"),
        ("--max-days", "99999", "--max-days: 99999 days"),
        ("--allow", "/bad pattern", "--allow"),
        ("--allow", "/unbalanced[", "--allow"),
        ("--as-of", "last tuesday", "--as-of"),
        ("--workers", "0", "--workers"),
        ("--workers", "65", "--workers"),
        ("--workers", "four", "--workers"),
        ("--role-name", "no spaces allowed", "--role-name"),
    ],
)
def test_bad_option(
    dormant, example: Path, tmp_path: Path, option: str, value: str, needle: str
) -> None:
    target = tmp_path / "out.json"
    result = dormant("scan", "--snapshot", str(example), option, value, "-o", str(target))
    _assert_one_line_error(result, needle)
    assert not target.exists()


def test_snapshot_and_org_exclude_each_other(dormant, example: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "--org")
    _assert_one_line_error(result, "--org", "--snapshot")


def test_unwritable_output(dormant, example: Path, tmp_path: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "-o", str(tmp_path / "no" / "x.json"))
    _assert_one_line_error(result, "--output", "x.json")


def test_no_credentials_names_the_call(dormant) -> None:
    result = dormant("scan", "--region", "us-east-1", "-f", "tsv")
    _assert_one_line_error(result, "sts:GetCallerIdentity", "no AWS credentials")
    assert result.stdout == ""


def test_failed_scan_keeps_the_previous_report(dormant, example: Path, tmp_path: Path) -> None:
    document = json.loads(example.read_text())
    del document["RoleDetailList"][8]["CreateDate"]  # after several rows were written
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    target = tmp_path / "report.csv"
    target.write_text("yesterday's report\n")
    result = dormant("scan", "--snapshot", str(broken), "-o", str(target))
    _assert_one_line_error(result, "nightly-report-lambda", "CreateDate")
    assert target.read_text() == "yesterday's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "report.csv"]
